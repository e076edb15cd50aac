"""What a record area tells the areas above it without importing them (issue 9, part 7).

The record areas (screening, treatment, monitoring, counselling) sit above patients and below
alerts. A use case that has written to a patient's record calls `record_changed`; alerts listens
(alerts/hooks.py) and refreshes the patient's alerts and care status. The arrows stay downward:
a record area knows this hook, and only alerts knows the record areas."""

from __future__ import annotations

from datetime import datetime

from django.dispatch import Signal

from naltrack.clinical.policy import Policy

from .models import Patient

# Sent with patient= (the Patient written), at= (when, aware) and policy= (the Policy the use case
# decided with, or None for the clinic's active one).
patient_record_changed = Signal()


def record_changed(patient: Patient, *, at: datetime, policy: Policy | None = None) -> None:
    """Tell the areas above that `patient`'s record was written at `at`. A use case calls it after
    its `transaction.atomic()` block, once the write is committed (a write that rolled back
    announces nothing); alerts then refreshes at once, or after commit when a caller's outer
    transaction is still open (alerts.services.refresh_after_commit)."""
    patient_record_changed.send(sender=Patient, patient=patient, at=at, policy=policy)
