from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "naltrack.appointments"
    label = "appointments"
    verbose_name = "Appointments"
