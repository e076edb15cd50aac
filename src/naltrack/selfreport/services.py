"""The patient's own use cases in the portal (issue 11): read and write the tablet dose log, read
and submit the daily check-in. One transaction each; every read and write is audited under the
patient account's name; the core decides what is scheduled, what is due and what is valid; a
write tells the areas above (alerts) that the record changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction

from naltrack.accounts.actors import PatientActor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical import checkin as core
from naltrack.clinical.errors import ConflictError, NotFoundError
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient

from .models import CheckIn, DoseLogEntry
from .records import tablet_schedule


def _patient(actor: PatientActor) -> Patient:
    patient = Patient.objects.filter(pk=actor.patient_id).first()
    if patient is None:
        raise NotFoundError("this portal account has no patient record", "patient")
    return patient


# --- the dose log -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DoseDay:
    day: date
    mg: int | None
    entry: DoseLogEntry | None


@dataclass(frozen=True, slots=True)
class DoseLog:
    today: date
    days: list[DoseDay]  # newest first: today, then the past 7 days that schedule a tablet
    has_schedule: bool  # an active oral order schedules tablets


def _dose_days(patient: Patient, today: date) -> tuple[list[DoseDay], bool]:
    first, last = core.dose_log_window(today)
    scheduled = tablet_schedule(patient, first, last, active_policy())
    entries = {e.day: e for e in DoseLogEntry.objects.filter(patient=patient, day__gte=first)}
    days = [DoseDay(t.day, t.mg, entries.get(t.day)) for t in reversed(scheduled)]
    return days, bool(scheduled)


def read_dose_log(actor: PatientActor, *, at: datetime) -> DoseLog:
    today = local_day(at)
    with transaction.atomic():
        patient = _patient(actor)
        days, has = _dose_days(patient, today)
        record_by(actor, at, AuditAction.READ, "dose_log", patient.pk, patient_mrn=actor.mrn)
    return DoseLog(today, days, has)


def log_dose(
    actor: PatientActor, *, day: date, status: str, reason: str = "", at: datetime
) -> DoseLogEntry:
    """Record (or correct) the patient's word about one scheduled tablet."""
    today = local_day(at)
    with transaction.atomic():
        patient = lock_patient(_patient(actor))
        actor.require_own(patient.pk)
        first, last = core.dose_log_window(today)
        scheduled = {t.day: t.mg for t in tablet_schedule(patient, first, last, active_policy())}
        value, text = core.check_dose_entry(day, today, status, reason, scheduled)
        entry = DoseLogEntry.objects.filter(patient=patient, day=day).first()
        action = AuditAction.UPDATE if entry else AuditAction.CREATE
        if entry is None:
            entry = DoseLogEntry(patient=patient, day=day)
        entry.status, entry.reason, entry.dose_mg = value.value, text, scheduled[day]
        entry.recorded_by, entry.recorded_at = actor.username, at
        entry.save()
        record_by(actor, at, action, "dose_log_entry", entry.pk, patient_mrn=actor.mrn,
                  detail=f"{day.isoformat()} {value.value}")  # fmt: skip
    record_changed(patient, at=at)  # coverage and the missed-dose alerts read the log
    return entry


# --- the daily check-in -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckInPage:
    today: date
    done: CheckIn | None  # today's check-in, once submitted
    mood_due: bool  # the mood questions are asked today (the core's PHQ-2 schedule)
    self_harm_reported: bool  # today's answers reported thoughts of self-harm: show help now


def _last_mood(patient: Patient, before_or_on: date) -> date | None:
    row = (
        CheckIn.objects.filter(patient=patient, day__lte=before_or_on, phq2_interest__isnull=False)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )
    return row


def _page(patient: Patient, today: date) -> CheckInPage:
    policy = active_policy()
    done = CheckIn.objects.filter(patient=patient, day=today).first()
    last = _last_mood(patient, today - timedelta(days=1))
    harm = False
    if done is not None and done.phq2_self_harm is not None:
        answers = core.Phq2(done.phq2_interest or 0, done.phq2_mood or 0, done.phq2_self_harm)
        harm = core.self_harm_reported(answers, policy)
    return CheckInPage(today, done, core.phq2_due(today, last, policy), harm)


def read_checkin(actor: PatientActor, *, at: datetime) -> CheckInPage:
    today = local_day(at)
    with transaction.atomic():
        patient = _patient(actor)
        page = _page(patient, today)
        record_by(actor, at, AuditAction.READ, "checkin", patient.pk, patient_mrn=actor.mrn)
    return page


def submit_checkin(
    actor: PatientActor,
    *,
    at: datetime,
    craving: object,
    opioid_use: object,
    alcohol_use: object,
    use_what: str = "",
    side_effects: list[str] | tuple[str, ...] = (),
    phq2: tuple[object, object, object] | None = None,
    crisis_line: str = "",
) -> CheckInPage:
    """Today's check-in. One a day: a second one is refused (an answer about thoughts of
    self-harm is never overwritten by a later one). Whether the mood questions are due is the
    core's answer on the record as it stands, not the page's."""
    today = local_day(at)
    policy = active_policy()
    with transaction.atomic():
        patient = lock_patient(_patient(actor))
        actor.require_own(patient.pk)
        if CheckIn.objects.filter(patient=patient, day=today).exists():
            raise ConflictError("you have already checked in today", "day")
        due = core.phq2_due(today, _last_mood(patient, today), policy)
        c = core.make_checkin(
            day=today, today=today, craving=craving, opioid_use=opioid_use,
            alcohol_use=alcohol_use, use_what=use_what, side_effects=side_effects,
            phq2=phq2 if due else None, phq2_asked=due, crisis_line=crisis_line,
        )  # fmt: skip
        try:
            with transaction.atomic():
                row = CheckIn.objects.create(
                    patient=patient, day=today, craving=c.craving, opioid_use=c.opioid_use,
                    alcohol_use=c.alcohol_use, use_what=c.use_what,
                    side_effects=sorted(s.value for s in c.side_effects),
                    phq2_interest=c.phq2.interest if c.phq2 else None,
                    phq2_mood=c.phq2.mood if c.phq2 else None,
                    phq2_self_harm=c.phq2.self_harm if c.phq2 else None,
                    crisis_line_shown=c.crisis_line_shown, recorded_by=actor.username,
                    recorded_at=at,
                )  # fmt: skip
        except IntegrityError:  # pragma: no cover - the patient's row lock makes this unreachable
            raise ConflictError("you have already checked in today", "day") from None
        record_by(actor, at, AuditAction.CREATE, "checkin", row.pk, patient_mrn=actor.mrn)
        page = _page(patient, today)
    record_changed(patient, at=at)  # the check-in alerts read it
    return page
