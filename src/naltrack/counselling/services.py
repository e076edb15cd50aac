"""Counselling use cases. Notes are for counselors and prescribers only; reading them is audited."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient

from .models import Attendance, CounsellingSession, SessionKind


def record_session(patient: Patient, *, held_on: date, kind: str, attendance: str, note: str = "",
                   minutes: int | None = None, actor: Actor, at: datetime) -> CounsellingSession:  # fmt: skip
    actor.require(Action.RECORD_COUNSELLING)
    if kind not in SessionKind.values:
        raise InputError(f"must be one of {', '.join(SessionKind.values)}", "kind")
    if attendance not in Attendance.values:
        raise InputError("must be attended, missed or cancelled", "attendance")
    if held_on > local_day(at):
        raise InputError("is in the future", "held_on")
    if minutes is not None and not 1 <= minutes <= 600:
        raise InputError("must be 1-600 minutes", "minutes")
    with transaction.atomic():
        lock_patient(patient)
        session = CounsellingSession.objects.create(
            patient=patient, held_on=held_on, kind=kind, attendance=attendance, minutes=minutes,
            note=note.strip(), counselor=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "counselling_session",
            session.pk,
            patient_mrn=patient.mrn,
        )
    return session


def read_sessions(patient: Patient, *, actor: Actor, at: datetime) -> list[CounsellingSession]:
    """The sessions with their notes; refused for roles that may not read counselling notes."""
    actor.require(Action.VIEW_COUNSELLING_NOTES)
    with transaction.atomic():
        sessions = list(
            CounsellingSession.objects.filter(patient=patient).order_by("-held_on", "-id")
        )
        record_by(actor, at, AuditAction.READ, "counselling_notes", patient_mrn=patient.mrn)
    return sessions
