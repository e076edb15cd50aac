from django.apps import AppConfig


class MergeConfig(AppConfig):
    name = "naltrack.merge"
    label = "merge"
