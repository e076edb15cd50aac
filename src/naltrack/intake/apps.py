from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "naltrack.intake"
    label = "intake"
    verbose_name = "Intake"
