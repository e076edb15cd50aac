from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "naltrack.alerts"
    label = "alerts"
