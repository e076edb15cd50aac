from django.apps import AppConfig


class CdsHooksConfig(AppConfig):
    name = "naltrack.cdshooks"
    label = "cdshooks"
    verbose_name = "CDS Hooks services"
