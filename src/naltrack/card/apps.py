from django.apps import AppConfig


class CardConfig(AppConfig):
    name = "naltrack.card"
    label = "card"
    verbose_name = "Wallet card and procedures letter"
