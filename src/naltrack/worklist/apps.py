from django.apps import AppConfig


class WorklistConfig(AppConfig):
    name = "naltrack.worklist"
    label = "worklist"
