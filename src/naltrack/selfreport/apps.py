from django.apps import AppConfig


class SelfreportConfig(AppConfig):
    name = "naltrack.selfreport"
    label = "selfreport"
