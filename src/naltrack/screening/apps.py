from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "naltrack.screening"
    label = "screening"
