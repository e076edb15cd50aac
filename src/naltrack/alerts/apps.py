from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "naltrack.alerts"
    label = "alerts"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (refresh a patient's alerts when their record changes)
