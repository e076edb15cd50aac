from django.apps import AppConfig


class ChoiceConfig(AppConfig):
    name = "naltrack.choice"
    label = "choice"
    verbose_name = "Medication choice"
