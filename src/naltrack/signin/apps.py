from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "naltrack.signin"
    label = "signin"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (a new session's first marks)
