from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "naltrack.monitoring"
    label = "monitoring"
