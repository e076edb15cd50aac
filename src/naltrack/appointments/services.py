"""Appointments: book a visit (a day, a time, a clinician, a room) on a day the clinic is open; move
it; cancel it with a reason; mark it kept or missed (a no-show). A clinician or a room holds one
visit per time slot: the second booking is refused with a message naming who or what is taken."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from naltrack.accounts.roles import Action, Role
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.calendar import BookingDay, injection_booking_day, visit_refusal
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.policy import Policy
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient

from .calendar import clinic_calendar
from .models import Appointment, AppointmentKind, AppointmentStatus, Room

# Who sees patients at a visit: the roles a visit may be booked with.
CLINICIAN_ROLES = (Role.PRESCRIBER, Role.NURSE, Role.COUNSELOR)


def clinicians() -> list[User]:
    """Active staff a visit may be booked with, by name."""
    return list(
        User.objects.filter(is_active=True, staff__role__in=CLINICIAN_ROLES)
        .select_related("staff")
        .order_by("first_name", "username")
    )


def _clinician(username: str | None) -> User | None:
    if not username:
        return None
    user = User.objects.filter(username=username, is_active=True,
                               staff__role__in=CLINICIAN_ROLES).first()  # fmt: skip
    if user is None:
        raise InputError("is not an active prescriber, nurse or counselor", "clinician")
    return user


def _room(room_id: int | None, *, keep: Room | None = None) -> Room | None:
    if room_id is None:
        return None
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise InputError("no room or resource has this id", "room")
    if not room.active and room != keep:
        raise InputError(f"{room.name} is retired and takes no new visits", "room")
    return room


def _name(user: User) -> str:
    return user.get_full_name() or user.get_username()


def _check_slot(on: date, at: time | None, clinician: User | None, room: Room | None,
                but: int | None = None) -> None:  # fmt: skip
    """Refuse a slot already taken (the constraints in models.py make this safe under concurrency;
    this check gives the message first)."""
    if at is None:
        return
    taken = Appointment.objects.filter(on=on, time=at, status=AppointmentStatus.BOOKED)
    if but is not None:
        taken = taken.exclude(pk=but)
    if clinician is not None and taken.filter(clinician=clinician).exists():
        raise ConflictError(
            f"{_name(clinician)} already has a visit on {on.isoformat()} at {at:%H:%M}", "clinician"
        )
    if room is not None and taken.filter(room=room).exists():
        raise ConflictError(f"{room.name} is already booked on {on.isoformat()} at {at:%H:%M}", "room")  # fmt: skip


def _save_slot(appt: Appointment, **kwargs: object) -> None:
    """Save, turning the database's refusal of a taken slot (another booking that committed in
    between) into the same message as the check."""
    try:
        with transaction.atomic():
            appt.save(**kwargs)  # type: ignore[arg-type]
    except IntegrityError:
        raise ConflictError(
            f"this time slot was just taken: the clinician or the room already has a visit on "
            f"{appt.on.isoformat()} at {appt.time:%H:%M}",
            "time",
        ) from None


def _check_open(on: date, at: time | None) -> None:
    refusal = visit_refusal(clinic_calendar(), on, at)
    if refusal is not None:
        raise InputError(refusal, "time" if refusal.startswith("is outside") else "on")


def _detail(a: Appointment) -> str:
    parts = [a.kind, a.on.isoformat()]
    if a.time:
        parts.append(f"{a.time:%H:%M}")
    if a.clinician_id:
        parts.append(f"with {a.clinician.get_username()}")  # type: ignore[union-attr]
    if a.room_id:
        parts.append(f"in {a.room.name}")  # type: ignore[union-attr]
    return " ".join(parts)


def book_appointment(patient: Patient, *, kind: str, on: date, note: str = "", actor: Actor,
                     at: datetime, time: time | None = None, clinician: str | None = None,
                     room: int | None = None) -> Appointment:  # fmt: skip
    """Book a visit on a day the clinic is open, at a time inside its hours when one is given
    (clinic time zone), with a clinician (username) and a room (id) when given."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    if kind not in AppointmentKind.values:
        raise InputError(f"must be one of {', '.join(AppointmentKind.values)}", "kind")
    if on < local_day(at):
        raise InputError("is in the past", "on")
    with transaction.atomic():
        lock_patient(patient)
        _check_open(on, time)
        who, where = _clinician(clinician), _room(room)
        _check_slot(on, time, who, where)
        appt = Appointment(patient=patient, kind=kind, on=on, time=time, clinician=who,
                           room=where, note=note.strip()[:500], booked_by=actor.username,
                           booked_at=at)  # fmt: skip
        _save_slot(appt)
        record_by(actor, at, AuditAction.CREATE, "appointment", appt.pk,
                  patient_mrn=patient.mrn, detail=_detail(appt))  # fmt: skip
    record_changed(patient, at=at)
    return appt


def _locked(appointment_id: int, of: Patient | None) -> Appointment:
    found = Appointment.objects.filter(pk=appointment_id, **({"patient": of} if of else {})).first()
    if found is None:
        raise NotFoundError("no appointment has this id", "appointment")
    lock_patient(found.patient)
    return (
        Appointment.objects.select_for_update(of=("self",))  # not the joined, nullable rows
        .select_related("patient", "clinician", "room")
        .get(pk=found.pk)
    )


def reschedule_appointment(appointment_id: int, *, on: date, time: time | None,
                           clinician: str | None, room: int | None, actor: Actor, at: datetime,
                           of: Patient | None = None) -> Appointment:  # fmt: skip
    """Move a booked visit to another day, time, clinician or room (each as given: None clears
    the time, the clinician or the room). The patient's reminders follow (reminders re-plans on
    record_changed: a reminder of the old day is cancelled, one of the new day planned)."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    with transaction.atomic():
        appt = _locked(appointment_id, of)
        if appt.status != AppointmentStatus.BOOKED:
            raise ConflictError(f"only a booked visit can be moved; this one is {appt.status}", "appointment")  # fmt: skip
        if on < local_day(at):
            raise InputError("is in the past", "on")
        _check_open(on, time)
        who, where = _clinician(clinician), _room(room, keep=appt.room)
        _check_slot(on, time, who, where, but=appt.pk)
        before = _detail(appt)
        appt.on, appt.time, appt.clinician, appt.room = on, time, who, where
        _save_slot(appt, update_fields=["on", "time", "clinician", "room"])
        record_by(actor, at, AuditAction.UPDATE, "appointment", appt.pk,
                  patient_mrn=appt.patient.mrn, detail=f"moved: {before} -> {_detail(appt)}"[:500])  # fmt: skip
    record_changed(appt.patient, at=at)
    return appt


def set_appointment_status(appointment_id: int, status: str, *, actor: Actor, at: datetime,
                           of: Patient | None = None, reason: str = "") -> Appointment:  # fmt: skip
    """Mark a visit kept, missed (a no-show: Today's missed visits and the reminders' missed-visit
    notices read it) or cancelled, which needs a reason; `of` refuses another patient's visit."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    if status not in (
        AppointmentStatus.KEPT,
        AppointmentStatus.MISSED,
        AppointmentStatus.CANCELLED,
    ):
        raise InputError("must be kept, missed or cancelled", "status")
    reason = reason.strip()
    with transaction.atomic():
        appt = _locked(appointment_id, of)
        if status == AppointmentStatus.CANCELLED and not reason:
            raise InputError("say why the visit is cancelled", "reason")
        if len(reason) > 300:
            raise InputError("must be at most 300 characters", "reason")
        if status in (AppointmentStatus.KEPT, AppointmentStatus.MISSED) and appt.on > local_day(at):
            raise InputError("an appointment in the future cannot be kept or missed yet", "status")
        if status == AppointmentStatus.CANCELLED and appt.status != AppointmentStatus.BOOKED:
            raise ConflictError(f"only a booked visit can be cancelled; this one is {appt.status}", "status")  # fmt: skip
        appt.status = status
        appt.cancel_reason = reason if status == AppointmentStatus.CANCELLED else ""
        appt.save(update_fields=["status", "cancel_reason"])
        record_by(actor, at, AuditAction.UPDATE, "appointment", appt.pk,
                  patient_mrn=appt.patient.mrn,
                  detail=f"{status}: {reason}"[:500] if reason else status)  # fmt: skip
    record_changed(appt.patient, at=at)
    return appt


@dataclass(frozen=True, slots=True)
class NextInjection:
    """The next injection visit booked (None when no open day of the window was found) and the
    core's reason for its day."""

    appointment: Appointment | None
    booking: BookingDay


def place_next_injection(patient: Patient, *, last_injection: date, today: date,
                         policy: Policy, booked_by: str, at: datetime,
                         note: str) -> NextInjection:  # fmt: skip
    """Inside a use case that holds the patient's lock: book the injection after the one of
    `last_injection` on the day the core picks from the clinic's calendar (never a closed day).
    The caller audits and announces the write."""
    booking = injection_booking_day(last_injection, today, clinic_calendar(), policy)
    if booking.on is None:
        return NextInjection(None, booking)
    appt = Appointment.objects.create(
        patient=patient, kind=AppointmentKind.INJECTION, on=booking.on, booked_by=booked_by,
        booked_at=at, note=note[:500],
    )  # fmt: skip
    return NextInjection(appt, booking)
