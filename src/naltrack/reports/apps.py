from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "naltrack.reports"
    label = "reports"
