"""Marking a Today item done, and undoing it (issue 12). Each is one transaction with its audit
event, naming the patient; the patient's chart passes the care-team door (a write naming a
patient: patients.services.open_chart_of), so a clinician marks only what their list may hold."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.alerts.models import CareStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.due import due_urgency
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clock import local_day
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient, open_chart_of

from .models import DoneMark, WorklistItem


def _item(item: str) -> WorklistItem:
    if item not in WorklistItem.values:
        raise InputError(f"must be one of {', '.join(WorklistItem.values)}", "item")
    return WorklistItem(item)


def _open(mrn: str, actor: Actor, at: datetime) -> tuple[Patient, CareStatus]:
    care = CareStatus.objects.filter(patient__mrn=mrn).select_related("patient").first()
    if care is None:
        if not Patient.objects.filter(mrn=mrn).exists():
            raise NotFoundError("no patient has this MRN", "mrn")
        raise ConflictError("nothing is due for this patient", "item")
    patient = open_chart_of(CareStatus, care.pk, actor=actor, at=at, missing="no patient has this MRN",
                            field="mrn")  # fmt: skip
    return patient, care


def mark_done(mrn: str, item: str, *, actor: Actor, at: datetime) -> DoneMark:
    """Mark one patient's due liver tests or plan review done for `at`'s day. Refused when the core
    does not find the item due (nothing to mark) or it is already marked today."""
    actor.require(Action.MARK_WORKLIST_DONE)
    kind = _item(item)
    patient, care = _open(mrn, actor, at)
    on = local_day(at)
    due_on = care.liver_test_due_on if kind == WorklistItem.LIVER_TESTS else care.review_due_on
    if due_urgency(due_on, on, active_policy()) is None:
        raise ConflictError(f"{kind.label.lower()} are not due for this patient", "item")
    try:
        with transaction.atomic():
            lock_patient(patient)
            mark = DoneMark.objects.create(patient=patient, item=kind, on=on, due_on=due_on,
                                           done_by=actor.username, done_at=at)  # fmt: skip
            record_by(actor, at, AuditAction.CREATE, "worklist_done", mark.pk, patient_mrn=patient.mrn,
                      detail=f"{kind.value} due {due_on} marked done for {on}")  # fmt: skip
    except IntegrityError:
        raise ConflictError(f"{kind.label.lower()} are already marked done today", "item") from None
    return mark


def undo_done(mrn: str, item: str, *, actor: Actor, at: datetime) -> None:
    """Take back today's done mark: the item is on the active list again."""
    actor.require(Action.MARK_WORKLIST_DONE)
    kind = _item(item)
    patient, _ = _open(mrn, actor, at)
    on = local_day(at)
    with transaction.atomic():
        lock_patient(patient)
        mark = DoneMark.objects.filter(patient=patient, item=kind, on=on).first()
        if mark is None:
            raise ConflictError(f"{kind.label.lower()} are not marked done today", "item")
        record_by(actor, at, AuditAction.UPDATE, "worklist_done", mark.pk, patient_mrn=patient.mrn,
                  detail=f"undone: {kind.value} marked done by {mark.done_by} at {mark.done_at.isoformat()}")  # fmt: skip
        mark.delete()
