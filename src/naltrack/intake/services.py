"""Intake use cases (issue 15): take an inquiry or a referral, take its steps (contacted,
insurance checked, assessment booked, closed), turn it into a registered patient with the first
episode and the booked assessment, the board, Today's list of inquiries to call back, and the
report of days from first contact to first dose. Which step may follow which, when a conversion
is allowed, when a call back is due and the report's numbers are the core's
(clinical/intake.py); this module gathers the facts, checks the input and writes.

Every read and write is audited; each use case is one transaction and a refused one writes
nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Min, Q, QuerySet

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.appointments.models import AppointmentKind
from naltrack.appointments.services import book_appointment
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.intake import (
    OPEN_STAGES,
    Journey,
    Stage,
    TimeToDose,
    contact_due_cutoff,
    contact_due_on,
    contact_overdue,
    conversion,
    stage_of,
    time_to_first_dose,
    transition,
)
from naltrack.clinical.vocab import Indication
from naltrack.clock import local_day
from naltrack.insurance.services import CoverageInput, record_coverage
from naltrack.patients.models import Patient, ReminderChannel, SexAtBirthChoice
from naltrack.patients.services import PatientInput, enrol_patient
from naltrack.treatment.models import AdministrationStatus

from .models import (
    CloseReason,
    Inquiry,
    InquiryStep,
    PayKind,
    PreferredContact,
    Source,
    StepKind,
    WhatFor,
)

PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
NAME_MAX = 100
NOTE_MAX = 300
REFERRER_MAX = 200
PLAIN_MAX = 100
ID_MAX = 40
# A call taken on paper may be entered a few days late, not months.
BACKDATE_DAYS = 14
# An assessment is booked within the weeks ahead, not a year out (a typo).
BOOK_AHEAD_DAYS = 90


def _choice(value: str, choices: type, name: str) -> str:
    if value not in choices.values:  # type: ignore[attr-defined]
        raise InputError(f"must be one of {', '.join(choices.values)}", name)  # type: ignore[attr-defined]
    return value


def _text(value: str, name: str, limit: int, *, required: bool = False) -> str:
    cleaned = " ".join(value.split())
    if "\x00" in value:
        raise InputError("must not contain a NUL character", name)
    if required and not cleaned:
        raise InputError("is required", name)
    if len(cleaned) > limit:
        raise InputError(f"must be at most {limit} characters", name)
    return cleaned


# --- taking an inquiry ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InquiryInput:
    source: str
    given_name: str
    family_name: str
    preferred_contact: str
    what_for: str
    phone: str = ""
    email: str = ""
    birth_date: date | None = None
    sex_at_birth: str = ""
    referrer: str = ""
    note: str = ""
    first_contact_at: datetime | None = None  # None: now


def _validated(data: InquiryInput, at: datetime) -> InquiryInput:
    today = local_day(at)
    _choice(data.source, Source, "source")
    given = _text(data.given_name, "given_name", NAME_MAX, required=True)
    family = _text(data.family_name, "family_name", NAME_MAX, required=True)
    _choice(data.preferred_contact, PreferredContact, "preferred_contact")
    _choice(data.what_for, WhatFor, "what_for")
    phone = data.phone.strip()
    if phone and not PHONE.match(phone):
        raise InputError("is not a phone number (digits, spaces, dashes, an optional +)", "phone")
    email = data.email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise InputError("is not an email address", "email") from None
    if not phone and not email:
        raise InputError("is required: a phone number or an email to reach the person", "phone")
    if data.preferred_contact in (PreferredContact.CALL, PreferredContact.TEXT) and not phone:
        raise InputError("a call or a text needs a phone number", "phone")
    if data.preferred_contact == PreferredContact.EMAIL and not email:
        raise InputError("email contact needs an email address", "email")
    if data.birth_date is not None:
        if data.birth_date > today:
            raise InputError("is in the future", "birth_date")
        if (today - data.birth_date).days > 120 * 366:
            raise InputError("gives an age over 120 years", "birth_date")
    if data.sex_at_birth:
        _choice(data.sex_at_birth, SexAtBirthChoice, "sex_at_birth")
    referrer = _text(data.referrer, "referrer", REFERRER_MAX)
    note = _text(data.note, "note", NOTE_MAX)
    first = data.first_contact_at or at
    if first > at:
        raise InputError("is in the future", "first_contact_at")
    if local_day(first) < today - timedelta(days=BACKDATE_DAYS):
        raise InputError(f"is more than {BACKDATE_DAYS} days ago", "first_contact_at")
    return InquiryInput(data.source, given, family, data.preferred_contact, data.what_for, phone,
                        email, data.birth_date, data.sex_at_birth, referrer, note, first)  # fmt: skip


def _step(inquiry: Inquiry, step: str, detail: str, actor: Actor, at: datetime) -> None:
    InquiryStep.objects.create(inquiry=inquiry, step=step, detail=detail[:500], by=actor.username, at=at)  # fmt: skip
    mrn = inquiry.patient.mrn if inquiry.patient_id else ""  # type: ignore[union-attr]
    record_by(actor, at, AuditAction.UPDATE if step != StepKind.TAKEN else AuditAction.CREATE,
              "inquiry", inquiry.pk, patient_mrn=mrn, detail=f"{step}: {detail}"[:500])  # fmt: skip


def take_inquiry(data: InquiryInput, *, actor: Actor, at: datetime) -> Inquiry:
    """Record a call or a referral with the minimum needed to reach and register the person."""
    actor.require(Action.MANAGE_INTAKE)
    data = _validated(data, at)
    assert data.first_contact_at is not None
    with transaction.atomic():
        inquiry = Inquiry.objects.create(
            first_contact_at=data.first_contact_at, first_contact_on=local_day(data.first_contact_at),
            source=data.source, referrer=data.referrer, given_name=data.given_name,
            family_name=data.family_name, birth_date=data.birth_date, sex_at_birth=data.sex_at_birth,
            phone=data.phone, email=data.email, preferred_contact=data.preferred_contact,
            what_for=data.what_for, note=data.note, taken_by=actor.username,
        )  # fmt: skip
        _step(inquiry, StepKind.TAKEN, f"{data.source}, for {data.what_for}", actor, at)
    return inquiry


# --- reading ------------------------------------------------------------------------------------


def with_first_dose(rows: QuerySet[Inquiry]) -> QuerySet[Inquiry]:
    """Inquiries with `first_dose_on`: the day of the converted patient's first dose given."""
    return rows.select_related("patient").annotate(
        first_dose_on=Min(
            "patient__administrations__given_on",
            filter=Q(patient__administrations__status=AdministrationStatus.GIVEN),
        )
    )


def stage(inquiry: Inquiry) -> Stage:
    """The inquiry's stage as the core gives it ("started" once the patient's first dose is in)."""
    first = getattr(inquiry, "first_dose_on", None)
    if first is None and inquiry.patient_id and not hasattr(inquiry, "first_dose_on"):
        first = (
            inquiry.patient.administrations.filter(status=AdministrationStatus.GIVEN)  # type: ignore[union-attr]
            .order_by("given_on")
            .values_list("given_on", flat=True)
            .first()
        )
    return stage_of(Stage(inquiry.status), first_dose_on=first)


def _get(pk: int, *, lock: bool = False) -> Inquiry:
    rows = Inquiry.objects.select_for_update() if lock else Inquiry.objects
    found = rows.filter(pk=pk).first()
    if found is None:
        raise NotFoundError(f"no inquiry {pk}", "inquiry")
    return found


def read_inquiry(pk: int, *, actor: Actor, at: datetime) -> tuple[Inquiry, list[InquiryStep]]:
    """One inquiry with its history (an audited read)."""
    actor.require(Action.MANAGE_INTAKE)
    with transaction.atomic():
        inquiry = with_first_dose(Inquiry.objects.filter(pk=pk)).first()
        if inquiry is None:
            raise NotFoundError(f"no inquiry {pk}", "inquiry")
        steps = list(inquiry.steps.all())
        mrn = inquiry.patient.mrn if inquiry.patient else ""
        record_by(actor, at, AuditAction.READ, "inquiry", inquiry.pk, patient_mrn=mrn)
    return inquiry, steps


@dataclass
class Column:
    stage: Stage
    label: str
    cards: list[Inquiry]
    total: int = 0  # every inquiry at this step; the cards are the first BOARD_LIMIT of them

    @property
    def more(self) -> int:
        """How many are at this step beyond the cards shown."""
        return self.total - len(self.cards)


BOARD_LABELS = {
    Stage.NEW: "New",
    Stage.CONTACTED: "Contacted",
    Stage.INSURANCE_CHECKED: "Insurance checked",
    Stage.ASSESSMENT_BOOKED: "Assessment booked",
    Stage.STARTED: "Started",
    Stage.CLOSED: "Closed",
}
BOARD_LIMIT = 50


def board(*, actor: Actor, at: datetime, closed_since: date | None = None,
          step: str = "") -> list[Column]:  # fmt: skip
    """The intake board: a column per stage, oldest first contact first; every open inquiry,
    the closed ones first contacted since `closed_since` (default: the first of the month) and
    the started ones whose first dose was since then (an audited read). A column shows its first
    BOARD_LIMIT cards and counts the rest (`Column.more`): none is dropped unsaid. `step` (a
    stage's value) shows that column alone, every card of it."""
    actor.require(Action.MANAGE_INTAKE)
    only = Stage(_choice(step, _Stages, "step")) if step else None
    limit = None if only else BOARD_LIMIT
    today = local_day(at)
    since = closed_since or today.replace(day=1)
    rows = with_first_dose(
        Inquiry.objects.filter(Q(status__in=OPEN_STAGES) | Q(first_contact_on__gte=since))
    ).order_by("first_contact_at", "id")
    columns = {s: Column(s, BOARD_LABELS[s], []) for s in Stage}
    policy = active_policy()
    with transaction.atomic():
        for row in rows:
            s = stage(row)
            if s is Stage.STARTED and row.first_dose_on < since:  # type: ignore[attr-defined]
                continue  # started before the period shown
            row.stage = s  # type: ignore[attr-defined]
            row.days = (today - row.first_contact_on).days  # type: ignore[attr-defined]
            row.overdue = s is Stage.NEW and contact_overdue(row.first_contact_on, today, policy)  # type: ignore[attr-defined]
            columns[s].total += 1
            if limit is None or len(columns[s].cards) < limit:
                columns[s].cards.append(row)
        record_by(actor, at, AuditAction.READ, "intake_board",
                  detail=" ".join(f"{s.value}={len(c.cards)}" + (f"/{c.total}" if c.more else "")
                                  for s, c in columns.items() if only in (None, s)))  # fmt: skip
    return [c for s, c in columns.items() if only in (None, s)]


def list_inquiries(*, actor: Actor, at: datetime, status: str = "") -> list[Inquiry]:
    """Inquiries, newest first contact first, optionally at one stage (an audited read)."""
    actor.require(Action.MANAGE_INTAKE)
    if status:
        _choice(status, _Stages, "status")
    rows = with_first_dose(Inquiry.objects.all()).order_by("-first_contact_at", "-id")[:500]
    out = [r for r in rows if not status or stage(r).value == status]
    record_by(actor, at, AuditAction.READ, "inquiry_list", detail=f"status={status or 'any'}: {len(out)}")  # fmt: skip
    return out


class _Stages:
    values = [s.value for s in Stage]


# --- steps --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepInput:
    """One step of the pipeline: `to` the stage it moves to, with what that step records."""

    to: str
    note: str = ""
    # insurance checked
    pay_kind: str = ""
    payer: str = ""
    plan: str = ""
    member_id: str = ""
    group_number: str = ""
    # assessment booked
    assessment_on: date | None = None
    assessment_time: time | None = None
    # closed
    close_reason: str = ""


STEP_TARGETS = (Stage.CONTACTED, Stage.INSURANCE_CHECKED, Stage.ASSESSMENT_BOOKED, Stage.CLOSED)


def _insurance(inquiry: Inquiry, data: StepInput) -> str:
    _choice(data.pay_kind, PayKind, "pay_kind")
    payer = _text(data.payer, "payer", PLAIN_MAX)
    plan = _text(data.plan, "plan", PLAIN_MAX)
    member = _text(data.member_id, "member_id", ID_MAX)
    group = _text(data.group_number, "group_number", ID_MAX)
    if data.pay_kind == PayKind.INSURANCE:
        if not payer:
            raise InputError("is required for insurance", "payer")
        if not member:
            raise InputError("is required for insurance", "member_id")
    elif data.pay_kind == PayKind.PROGRAM and not payer:
        raise InputError("name the program or grant", "payer")
    inquiry.pay_kind, inquiry.payer, inquiry.plan = data.pay_kind, payer, plan
    inquiry.member_id, inquiry.group_number = member, group
    parts = [payer, plan, f"member {member}" if member else "", f"group {group}" if group else ""]
    return f"{data.pay_kind}: {', '.join(p for p in parts if p) or 'no payer'}"


def _assessment(inquiry: Inquiry, data: StepInput, actor: Actor, at: datetime) -> str:
    on = data.assessment_on
    today = local_day(at)
    if on is None:
        raise InputError("is required: the day of the assessment", "assessment_on")
    if on < today:
        raise InputError("is in the past", "assessment_on")
    if on > today + timedelta(days=BOOK_AHEAD_DAYS):
        raise InputError(f"is more than {BOOK_AHEAD_DAYS} days ahead", "assessment_on")
    inquiry.assessment_on, inquiry.assessment_time = on, data.assessment_time
    if inquiry.patient_id:  # already registered: the visit goes on the patient's calendar
        inquiry.appointment = book_appointment(
            inquiry.patient, kind=AppointmentKind.ASSESSMENT, on=on, time=data.assessment_time,  # type: ignore[arg-type]
            actor=actor, at=at, note="Intake assessment",
        )  # fmt: skip
    when = f" {data.assessment_time:%H:%M}" if data.assessment_time else ""
    return f"assessment {on.isoformat()}{when}"


def take_step(pk: int, data: StepInput, *, actor: Actor, at: datetime) -> Inquiry:
    """Move the inquiry to the stage `data.to`, recording what the step needs (the payer and
    member id, the assessment day, the reason for closing); the core says whether the step may
    follow the inquiry's stage. Refused: nothing written."""
    actor.require(Action.MANAGE_INTAKE)
    _choice(data.to, _Stages, "to")
    target = Stage(data.to)
    note = _text(data.note, "note", NOTE_MAX)
    with transaction.atomic():
        inquiry = _get(pk, lock=True)
        verdict = transition(stage(inquiry), target)
        if not verdict.allowed:
            raise ConflictError(verdict.reason, "to")
        if target is Stage.INSURANCE_CHECKED:
            detail = _insurance(inquiry, data)
        elif target is Stage.ASSESSMENT_BOOKED:
            detail = _assessment(inquiry, data, actor, at)
        elif target is Stage.CLOSED:
            _choice(data.close_reason, CloseReason, "close_reason")
            if data.close_reason == CloseReason.OTHER and not note:
                raise InputError("say why the inquiry is closed", "note")
            inquiry.close_reason, inquiry.close_note = data.close_reason, note
            detail = data.close_reason
        else:
            detail = "reached"
        inquiry.status = target.value
        inquiry.save()
        _step(inquiry, target.value, f"{detail}; {note}" if note else detail, actor, at)
    return inquiry


@dataclass(frozen=True, slots=True)
class InsuranceFields:
    """What the coordinator verified at "insurance checked", for the patient's coverage."""

    pay_kind: str
    payer: str
    plan: str
    member_id: str
    group_number: str


def insurance_fields(inquiry: Inquiry) -> InsuranceFields | None:
    """The insurance checked on the inquiry (None: not checked yet)."""
    if not inquiry.pay_kind:
        return None
    return InsuranceFields(inquiry.pay_kind, inquiry.payer, inquiry.plan, inquiry.member_id,
                           inquiry.group_number)  # fmt: skip


# --- conversion ---------------------------------------------------------------------------------


def _coverage_from(inquiry: Inquiry, patient: Patient, *, actor: Actor, at: datetime) -> str:
    """The insurance checked on the inquiry becomes the patient's primary coverage from today
    (no retyping), when the converting staff member may record coverage (the coordinator); else
    it stays on the inquiry for the coordinator to record. The words for the step's history."""
    fields = insurance_fields(inquiry)
    if fields is None:
        return ""
    if not actor.can(Action.MANAGE_INSURANCE):
        return "; insurance checked but not copied (a coordinator records coverage)"
    record_coverage(patient, CoverageInput(
        kind=fields.pay_kind, valid_from=local_day(at), payer=fields.payer, plan=fields.plan,
        member_id=fields.member_id, group=fields.group_number,
    ), actor=actor, at=at)  # fmt: skip
    return f"; coverage recorded ({fields.pay_kind})"


@dataclass(frozen=True, slots=True)
class ConvertInput:
    """What registration needs that the inquiry may not hold yet (else the inquiry's own)."""

    prescriber: str = ""
    birth_date: date | None = None
    sex_at_birth: str = ""
    what_for: str = ""
    duplicate_reason: str = ""


INDICATIONS = {
    WhatFor.OUD: frozenset({Indication.OUD}),
    WhatFor.AUD: frozenset({Indication.AUD}),
    WhatFor.BOTH: frozenset({Indication.OUD, Indication.AUD}),
}


def convert(pk: int, data: ConvertInput, *, actor: Actor, at: datetime) -> Patient:
    """Turn the inquiry into a registered patient: registration (naltrack assigns the MRN; likely
    duplicates are refused with DuplicateSuspected unless `duplicate_reason` says why this is
    someone else), the first episode (OUD/AUD as the inquiry says), the booked assessment as an
    appointment, and the link, in one transaction: a refusal anywhere writes nothing."""
    actor.require(Action.MANAGE_INTAKE)
    with transaction.atomic():
        inquiry = _get(pk, lock=True)
        verdict = conversion(stage(inquiry), converted=inquiry.patient_id is not None)
        if not verdict.allowed:
            raise ConflictError(verdict.reason, "status")
        birth = data.birth_date or inquiry.birth_date
        if birth is None:
            raise InputError("is needed to register the patient", "birth_date")
        sex = data.sex_at_birth or inquiry.sex_at_birth
        if not sex:
            raise InputError("is needed to register the patient", "sex_at_birth")
        what_for = data.what_for or inquiry.what_for
        _choice(what_for, WhatFor, "what_for")
        if what_for == WhatFor.UNKNOWN:
            raise InputError("say whether the episode treats OUD, AUD or both", "what_for")
        patient = enrol_patient(
            PatientInput(mrn="", given_name=inquiry.given_name, family_name=inquiry.family_name,
                         birth_date=birth, sex_at_birth=sex, phone=inquiry.phone,
                         email=inquiry.email, preferred_reminder_channel=ReminderChannel.NONE,
                         prescriber=data.prescriber.strip()),
            INDICATIONS[WhatFor(what_for)], local_day(at), actor=actor, at=at,
            check_duplicates=True, duplicate_reason=data.duplicate_reason,
        )  # fmt: skip
        inquiry.patient = patient
        inquiry.birth_date, inquiry.sex_at_birth, inquiry.what_for = birth, sex, what_for
        booked = ""
        if inquiry.assessment_on is not None and inquiry.assessment_on >= local_day(at):
            inquiry.appointment = book_appointment(
                patient, kind=AppointmentKind.ASSESSMENT, on=inquiry.assessment_on,
                time=inquiry.assessment_time, actor=actor, at=at, note="Intake assessment",
            )  # fmt: skip
            booked = f"; assessment {inquiry.assessment_on.isoformat()} booked"
        booked += _coverage_from(inquiry, patient, actor=actor, at=at)
        inquiry.converted_at, inquiry.converted_by = at, actor.username
        inquiry.save()
        _step(inquiry, StepKind.CONVERTED, f"registered as {patient.mrn}{booked}", actor, at)
    return patient


# --- Today: inquiries to call back --------------------------------------------------------------


@dataclass
class ToContact:
    rows: list[Inquiry]
    total: int
    within_days: int  # the clinic's call-back window, as the core applies it


TODAY_LIMIT = 15


def to_contact(actor: Actor, on: date) -> ToContact | None:
    """New inquiries not yet called back whose call-back day (the clinic's
    `intake_contact_within_days`) has come, oldest first; None for a role that does no intake."""
    if not actor.can(Action.MANAGE_INTAKE):
        return None
    policy = active_policy()
    rows = Inquiry.objects.filter(
        status=Stage.NEW.value, first_contact_on__lte=contact_due_cutoff(on, policy)
    ).order_by("first_contact_at", "id")
    first = list(rows[: TODAY_LIMIT + 1])
    total = len(first) if len(first) <= TODAY_LIMIT else rows.count()
    for row in first:
        row.days = (on - row.first_contact_on).days  # type: ignore[attr-defined]
        row.overdue = contact_overdue(row.first_contact_on, on, policy)  # type: ignore[attr-defined]
    window = (contact_due_on(on, policy) - on).days  # asked of the core, not read from the policy
    return ToContact(first[:TODAY_LIMIT], total, window)


# --- the report ---------------------------------------------------------------------------------


def time_to_dose_report(start: date, end: date, *, actor: Actor, at: datetime) -> TimeToDose:
    """Days from first contact to first dose for the inquiries first contacted from `start` to
    `end`, overall and by referral source (the core computes; an audited read)."""
    actor.require(Action.VIEW_INTAKE_REPORT)
    if end < start:
        raise InputError("is before the start of the period", "end")
    if end > local_day(at):
        raise InputError("is in the future", "end")
    rows = with_first_dose(Inquiry.objects.filter(first_contact_on__gte=start, first_contact_on__lte=end))  # fmt: skip
    journeys = [Journey(r.source, r.first_contact_on, r.first_dose_on) for r in rows]  # type: ignore[attr-defined]
    report = time_to_first_dose(journeys, start, end, list(Source.values))
    record_by(actor, at, AuditAction.READ, "intake_report",
              detail=f"{start.isoformat()}..{end.isoformat()}: {report.overall.inquiries}")  # fmt: skip
    return report
