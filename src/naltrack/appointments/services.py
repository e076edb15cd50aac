"""Appointments: book a visit; mark one kept, missed or cancelled."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient

from .models import Appointment, AppointmentKind, AppointmentStatus


def book_appointment(patient: Patient, *, kind: str, on: date, note: str = "", actor: Actor,
                     at: datetime, time: time | None = None) -> Appointment:  # fmt: skip
    """Book a visit on a day, at a time of day (clinic time zone) when one is given."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    if kind not in AppointmentKind.values:
        raise InputError(f"must be one of {', '.join(AppointmentKind.values)}", "kind")
    if on < local_day(at):
        raise InputError("is in the past", "on")
    with transaction.atomic():
        lock_patient(patient)
        appt = Appointment.objects.create(patient=patient, kind=kind, on=on, time=time,
                                          note=note.strip()[:500], booked_by=actor.username,
                                          booked_at=at)  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "appointment",
            appt.pk,
            patient_mrn=patient.mrn,
            detail=f"{kind} {on}" + (f" {time:%H:%M}" if time else ""),
        )
    record_changed(patient, at=at)
    return appt


def set_appointment_status(appointment_id: int, status: str, *, actor: Actor, at: datetime,
                           of: Patient | None = None) -> Appointment:  # fmt: skip
    """Mark a visit kept, missed or cancelled; `of` refuses another patient's appointment."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    if status not in (
        AppointmentStatus.KEPT,
        AppointmentStatus.MISSED,
        AppointmentStatus.CANCELLED,
    ):
        raise InputError("must be kept, missed or cancelled", "status")
    with transaction.atomic():
        found = Appointment.objects.filter(
            pk=appointment_id, **({"patient": of} if of else {})
        ).first()
        if found is None:
            raise NotFoundError("no appointment has this id", "appointment")
        lock_patient(found.patient)
        appt = Appointment.objects.select_for_update().select_related("patient").get(pk=found.pk)
        if status in (AppointmentStatus.KEPT, AppointmentStatus.MISSED) and appt.on > local_day(at):
            raise InputError("an appointment in the future cannot be kept or missed yet", "status")
        appt.status = status
        appt.save(update_fields=["status"])
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "appointment",
            appt.pk,
            patient_mrn=appt.patient.mrn,
            detail=status,
        )
    record_changed(appt.patient, at=at)
    return appt
