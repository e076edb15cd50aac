from django.apps import AppConfig


class ChartConfig(AppConfig):
    name = "naltrack.chart"
    label = "chart"
    verbose_name = "Chart"
