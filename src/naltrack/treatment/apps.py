from django.apps import AppConfig


class TreatmentConfig(AppConfig):
    name = "naltrack.treatment"
    label = "treatment"
