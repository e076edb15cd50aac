from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "naltrack.treatment"
    label = "treatment"

    def ready(self) -> None:
        from naltrack.monitoring.hooks import provide_last_injection

        from .hooks import last_injection_id

        provide_last_injection(last_injection_id)
