from django.apps import AppConfig


class DisclosureConfig(AppConfig):
    name = "naltrack.disclosure"
    label = "disclosure"
