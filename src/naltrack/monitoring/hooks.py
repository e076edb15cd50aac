"""What monitoring needs from treatment, which sits above it (treatment reads weights and urine
screens): the injection an injection-site reaction follows. Monitoring declares the need here and
treatment provides it at start (treatment/hooks.py), so monitoring never imports treatment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from naltrack.patients.models import Patient

# The id of the patient's last injection given on or before the day, or None.
LastInjection = Callable[[Patient, date], "int | None"]

_last_injection: LastInjection | None = None


def provide_last_injection(find: LastInjection) -> None:
    global _last_injection
    _last_injection = find


def last_injection_id(patient: Patient, on: date) -> int | None:
    if _last_injection is None:
        raise RuntimeError("treatment has not provided the injection lookup (treatment/apps.py)")
    return _last_injection(patient, on)
