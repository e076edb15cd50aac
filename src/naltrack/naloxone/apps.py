from django.apps import AppConfig


class NaloxoneConfig(AppConfig):
    name = "naltrack.naloxone"
    label = "naloxone"
    verbose_name = "Naloxone kits"
