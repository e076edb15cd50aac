from django.apps import AppConfig


class CounsellingConfig(AppConfig):
    name = "naltrack.counselling"
    label = "counselling"
