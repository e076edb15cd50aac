"""Which reminders a patient should get: written as rows when a visit is booked, moved or
cancelled, when a dose is given, when the patient changes their choices, and by the worker's
sweep. Idempotent: planning twice writes nothing new.

The due day of the next injection is the core's (clinical/regimens.py injection_timing, through
treatment.mar.injection_decision); this module never computes a clinical date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction

from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.config import ReminderConfig
from naltrack.patients.models import EpisodeStatus, Patient
from naltrack.treatment.mar import injection_decision
from naltrack.treatment.models import TreatmentPlan

from .consents import wants
from .models import Notice, Reminder, ReminderKind, ReminderStatus, SupportPerson
from .preferences import WORKER, current_preference, wanted_channels
from .schedule import reminder_at


@dataclass(frozen=True, slots=True)
class Wanted:
    kind: str
    channel: str
    day: date
    due_at: datetime
    appointment: Appointment | None = None
    support_person: SupportPerson | None = None
    notice: str = ""


# A missed visit is told to a support person only while it is recent.
MISSED_NOTICE_DAYS = 3


@dataclass(frozen=True, slots=True)
class Planned:
    created: int
    cancelled: int


def _injection_days(patient: Patient, today: date) -> tuple[date | None, date | None]:
    """(due day, first overdue day) of the next injection, as the MAR's core decides them (None:
    not on monthly injections, no injection yet, or no active episode)."""
    plan = TreatmentPlan.current(patient)
    if plan is None or plan.formulation != Formulation.XR_INJECTION:
        return None, None
    try:
        decision = injection_decision(patient, today)
    except InputError:  # no active episode
        return None, None
    return decision.due_on, decision.overdue_from


def next_dose_due(patient: Patient, today: date) -> date | None:
    """The day the next injection is due (the core's answer; None: none due)."""
    return _injection_days(patient, today)[0]


def wanted_reminders(patient: Patient, at: datetime, config: ReminderConfig) -> dict[str, Wanted]:
    zone = ZoneInfo(settings.TIME_ZONE)
    today = local_day(at)
    channels = wanted_channels(patient, current_preference(patient, at))
    out: dict[str, Wanted] = {}
    booked = list(patient.appointments.filter(status=AppointmentStatus.BOOKED, on__gte=today))
    active = patient.episodes.filter(status=EpisodeStatus.ACTIVE).exists()
    due_day, overdue_from = _injection_days(patient, today) if active else (None, None)
    out.update(_support_notices(patient, at, config, booked, due_day, overdue_from))
    if not channels:
        return out
    for appt in booked:
        due = reminder_at(appt.on, config.send_hour, zone, at)
        for channel in channels:
            if due is not None:
                out[f"visit:{appt.pk}:{appt.on}:{channel}"] = Wanted(
                    ReminderKind.VISIT, channel, appt.on, due, appt
                )
    # A visit booked by the due day already brings its own reminder.
    if due_day is not None and not any(a.on <= due_day for a in booked):
        due = reminder_at(due_day, config.send_hour, zone, at)
        for channel in channels:
            if due is not None:
                out[f"dose:{due_day}:{channel}"] = Wanted(
                    ReminderKind.DOSE_DUE, channel, due_day, due
                )
    return out


def _support_notices(patient: Patient, at: datetime, config: ReminderConfig, booked: list[Appointment],
                     due_day: date | None, overdue_from: date | None) -> dict[str, Wanted]:  # fmt: skip
    """The notices each support person's current consent covers (support.py)."""
    people = [p for p in SupportPerson.objects.filter(patient=patient, removed_at__isnull=True)]
    if not people:
        return {}
    zone = ZoneInfo(settings.TIME_ZONE)
    today = local_day(at)
    missed = list(patient.appointments.filter(
        status=AppointmentStatus.MISSED, on__gte=today - timedelta(days=MISSED_NOTICE_DAYS), on__lte=today))  # fmt: skip
    out: dict[str, Wanted] = {}
    for person in people:
        base = f"support:{person.pk}"
        kind, channel = ReminderKind.SUPPORT_NOTICE, person.channel
        if wants(person, Notice.VISIT):
            for appt in booked:
                due = reminder_at(appt.on, config.send_hour, zone, at)
                if due is not None:
                    out[f"{base}:visit:{appt.pk}:{appt.on}"] = Wanted(kind, channel, appt.on, due, appt, person, Notice.VISIT)  # fmt: skip
        if wants(person, Notice.MISSED_VISIT):
            for appt in missed:
                out[f"{base}:missed:{appt.pk}"] = Wanted(kind, channel, appt.on, at, appt, person, Notice.MISSED_VISIT)  # fmt: skip
        overdue = overdue_from is not None and overdue_from <= today
        if overdue and due_day is not None and wants(person, Notice.OVERDUE):
            out[f"{base}:overdue:{due_day}"] = Wanted(kind, channel, due_day, at, None, person, Notice.OVERDUE)  # fmt: skip
    return out


def plan_reminders(
    patient: Patient, *, at: datetime, config: ReminderConfig | None = None
) -> Planned:
    """Write the reminders the patient should get and cancel the pending ones no longer wanted
    (a cancelled or moved visit, a dose given, a channel turned off). Audited when it changes
    anything."""
    config = config or settings.REMINDERS
    with transaction.atomic():
        wanted = wanted_reminders(patient, at, config)
        existing = {r.key: r for r in Reminder.objects.select_for_update().filter(patient=patient)}
        cancelled = 0
        for key, row in existing.items():
            if row.status == ReminderStatus.PENDING and key not in wanted:
                row.status, row.last_error, row.updated_at = ReminderStatus.CANCELLED, "no longer due", at  # fmt: skip
                row.save(update_fields=["status", "last_error", "updated_at"])
                cancelled += 1
        created = 0
        for key, w in wanted.items():
            found = existing.get(key)
            if found is None:
                Reminder.objects.create(
                    patient=patient, kind=w.kind, channel=w.channel, appointment=w.appointment,
                    about_day=w.day, key=key, due_at=w.due_at, created_at=at, updated_at=at,
                    support_person=w.support_person, notice=w.notice,
                )  # fmt: skip
                created += 1
            elif found.status == ReminderStatus.CANCELLED and found.attempts == 0:
                # Wanted again (a channel turned back on): pending again.
                found.status, found.due_at, found.last_error, found.updated_at = ReminderStatus.PENDING, w.due_at, "", at  # fmt: skip
                found.save(update_fields=["status", "due_at", "last_error", "updated_at"])
                created += 1
            elif (
                found.status == ReminderStatus.PENDING
                and found.attempts == 0
                and found.due_at != w.due_at
                and w.kind != ReminderKind.SUPPORT_NOTICE  # a notice "now" stays when first planned
            ):
                found.due_at, found.updated_at = w.due_at, at
                found.save(update_fields=["due_at", "updated_at"])
        if created or cancelled:
            record(at=at, actor=WORKER, action=AuditAction.UPDATE, object_type="reminders",
                   patient_mrn=patient.mrn, detail=f"{created} planned, {cancelled} cancelled")  # fmt: skip
    return Planned(created, cancelled)


def plan_all(*, at: datetime, config: ReminderConfig | None = None) -> Planned:
    """The worker's sweep: every patient with an active episode or a booked visit ahead."""
    today = local_day(at)
    ids = set(
        Patient.objects.filter(episodes__status=EpisodeStatus.ACTIVE).values_list("pk", flat=True)
    ) | set(
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, on__gte=today).values_list(
            "patient_id", flat=True
        )
    )
    created = cancelled = 0
    for patient in Patient.objects.filter(pk__in=ids).order_by("pk"):
        done = plan_reminders(patient, at=at, config=config)
        created, cancelled = created + done.created, cancelled + done.cancelled
    return Planned(created, cancelled)
