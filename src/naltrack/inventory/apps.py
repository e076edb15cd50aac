from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "naltrack.inventory"
    label = "inventory"
    verbose_name = "Inventory"
