"""What a record area tells the areas above it without importing them (issue 9, part 7).

The record areas (screening, treatment, monitoring, counselling) sit above patients and below
alerts. A use case that has written to a patient's record calls `record_changed`; alerts listens
(alerts/hooks.py) and refreshes the patient's alerts and care status. The arrows stay downward:
a record area knows this hook, and only alerts knows the record areas."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.dispatch import Signal

from naltrack.clinical.policy import Policy

from .models import Patient

# Sent with patient= (the Patient written), at= (when, aware) and policy= (the Policy the use case
# decided with, or None for the clinic's active one).
patient_record_changed = Signal()

# Inside `one_announcement_per_patient`: the pending announcements, by patient id.
_pending: ContextVar[dict[int, tuple[Patient, datetime, Policy | None]] | None] = ContextVar(
    "naltrack_pending_record_changes", default=None
)


def record_changed(patient: Patient, *, at: datetime, policy: Policy | None = None) -> None:
    """Tell the areas above that `patient`'s record was written at `at`. A use case calls it after
    its `transaction.atomic()` block, once the write is committed (a write that rolled back
    announces nothing); alerts then refreshes at once, or after commit when a caller's outer
    transaction is still open (alerts.services.refresh_after_commit).

    Inside `one_announcement_per_patient` the announcement waits for the block's end."""
    pending = _pending.get()
    if pending is not None:
        earlier = pending.get(patient.pk)
        if earlier is None or at >= earlier[1]:
            pending[patient.pk] = (patient, at, policy)
        return
    patient_record_changed.send(sender=Patient, patient=patient, at=at, policy=policy)


@contextmanager
def one_announcement_per_patient() -> Iterator[None]:
    """Many writes to a patient's record announced once: at the block's end, each patient written
    is announced once, at its latest write's time (with that write's policy), in the order first
    written. For a batch of writes made at once (the demo clinic's histories, an import), where a
    refresh after each write would re-read the whole record each time and only the last one's
    answer stands. A block that raises announces nothing (its writes roll back with it)."""
    if _pending.get() is not None:  # nested: the outer block announces
        yield
        return
    pending: dict[int, tuple[Patient, datetime, Policy | None]] = {}
    token = _pending.set(pending)
    try:
        yield
    finally:
        _pending.reset(token)
    for patient, at, policy in pending.values():
        patient_record_changed.send(sender=Patient, patient=patient, at=at, policy=policy)
