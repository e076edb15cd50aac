from django.apps import AppConfig


class OutreachConfig(AppConfig):
    name = "naltrack.outreach"
    label = "outreach"
    verbose_name = "Outreach"
