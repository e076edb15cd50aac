from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "naltrack.insurance"
    label = "insurance"
    verbose_name = "Insurance and prior authorization"
