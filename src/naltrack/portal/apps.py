from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "naltrack.portal"
    label = "portal"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (a session's mark: patient account or not)
