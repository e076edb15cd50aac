"""Reminders listen to the record areas below them (patients.hooks): a visit booked, moved or
cancelled, or a dose given, re-plans that patient's reminders once the write is committed. The
appointments and treatment areas never import reminders."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver

from naltrack.clinical.policy import Policy
from naltrack.patients.hooks import patient_record_changed
from naltrack.patients.models import Patient

from .planning import plan_reminders

log = logging.getLogger("naltrack.reminders")


@receiver(patient_record_changed, dispatch_uid="naltrack.reminders.plan_on_write")
def plan_on_write(
    sender: Any, *, patient: Patient, at: datetime, policy: Policy | None = None, **kwargs: Any
) -> None:
    patient_id = patient.pk

    def run() -> None:
        try:
            plan_reminders(patient, at=at)
        except Exception as exc:  # the write stands; the worker's sweep plans again
            log.error("reminder planning after a write failed for patient id %s: %s",
                      patient_id, type(exc).__name__)  # fmt: skip

    # As alerts.services.refresh_after_commit: after the commit, or at once inside a test case's
    # transaction (which never commits) and when no transaction is open.
    blocks = transaction.get_connection().atomic_blocks
    if blocks and not any(getattr(block, "_from_testcase", False) for block in blocks):
        transaction.on_commit(run)
    else:
        run()
