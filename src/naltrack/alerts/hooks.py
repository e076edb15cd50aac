"""Alerts listens to the record areas below it: a write to a patient's record refreshes that
patient's alerts and care status (the record areas announce it through patients.hooks, so they
never import alerts)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.dispatch import receiver

from naltrack.clinical.policy import Policy
from naltrack.patients.hooks import patient_record_changed
from naltrack.patients.models import Patient

from .services import refresh_after_commit


@receiver(patient_record_changed, dispatch_uid="naltrack.alerts.refresh_on_write")
def refresh_on_write(
    sender: Any, *, patient: Patient, at: datetime, policy: Policy | None = None, **kwargs: Any
) -> None:
    # After commit: the refresh reads the committed record and holds no writer's lock meanwhile.
    refresh_after_commit(patient, at=at, policy=policy)
