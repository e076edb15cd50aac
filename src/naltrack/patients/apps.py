from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "naltrack.patients"
    label = "patients"
    verbose_name = "Patients"
