from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "naltrack.staff"
    label = "staff"
