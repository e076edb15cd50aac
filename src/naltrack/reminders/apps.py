from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "naltrack.reminders"
    label = "reminders"

    def ready(self) -> None:
        from . import hooks  # noqa: F401  (a booked, moved or cancelled visit re-plans reminders)
