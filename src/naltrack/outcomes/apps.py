from django.apps import AppConfig


class OutcomesConfig(AppConfig):
    name = "naltrack.outcomes"
    label = "outcomes"
    verbose_name = "Outcomes and quality measures"
