from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "naltrack.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 server"
