"""Outreach use cases (issue 12): log an attempt to reach a patient, read a patient's log, where
outreach stands for the patients on Today's overdue and risk-window lists (the core decides:
clinical/outreach.py), and how to reach them: the patient's phone and their support people, each
shown as reachable only when the patient's consent allows it (the consent filter decides:
disclosure.services.consent_allows, clinical/consent.py).

Contact details are for the roles that see them (accounts/roles.py: VIEW_PATIENT_LIST, "names,
MRNs, contact details"); the log is written by the roles that do outreach (RECORD_OUTREACH)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.consent import Recipient
from naltrack.clinical.errors import InputError
from naltrack.clinical.outreach import (
    Attempt,
    AttemptKind,
    Outcome,
    OutreachStatus,
    Reach,
    outreach_status,
)
from naltrack.clock import local_day
from naltrack.disclosure.services import consent_decisions
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient
from naltrack.reminders.models import SupportPerson
from naltrack.reminders.support import NOTICE_PURPOSE, NOTICE_RECORDS

from .models import KIND_LABELS, OUTCOME_LABELS, OutreachAttempt

NEXT_STEP_MAX = 300
# An attempt may be logged a few days late (the letter sent on Friday, logged on Monday), not
# months; the next attempt is planned within the weeks a missed-dose episode lasts.
BACKDATE_DAYS = 14
PLAN_AHEAD_DAYS = 60


@dataclass(frozen=True, slots=True)
class AttemptInput:
    kind: str
    outcome: str
    next_step: str = ""
    next_attempt_on: date | None = None
    attempted_on: date | None = None  # None: today


def _validated(data: AttemptInput, today: date) -> AttemptInput:
    if data.kind not in {k.value for k in AttemptKind}:
        raise InputError(f"must be one of {', '.join(k.value for k in AttemptKind)}", "kind")
    if data.outcome not in {o.value for o in Outcome}:
        raise InputError(f"must be one of {', '.join(o.value for o in Outcome)}", "outcome")
    step = " ".join(data.next_step.split())
    if len(step) > NEXT_STEP_MAX:
        raise InputError(f"must be at most {NEXT_STEP_MAX} characters", "next_step")
    on = data.attempted_on or today
    if on > today:
        raise InputError("is in the future", "attempted_on")
    if on < today - timedelta(days=BACKDATE_DAYS):
        raise InputError(f"is more than {BACKDATE_DAYS} days ago", "attempted_on")
    planned = data.next_attempt_on
    if planned is not None and planned < on:
        raise InputError("is before the attempt", "next_attempt_on")
    if planned is not None and planned > on + timedelta(days=PLAN_AHEAD_DAYS):
        raise InputError(f"is more than {PLAN_AHEAD_DAYS} days after the attempt", "next_attempt_on")  # fmt: skip
    if planned is not None and not step:
        raise InputError("say what the next attempt is (call again, a letter, a home visit...)", "next_step")  # fmt: skip
    return AttemptInput(data.kind, data.outcome, step, planned, on)


def record_attempt(patient: Patient, data: AttemptInput, *, actor: Actor, at: datetime) -> OutreachAttempt:  # fmt: skip
    """Log one attempt to reach the patient: how, what came of it, the next step and when. Bad
    input is refused naming the field, and nothing is written."""
    actor.require(Action.RECORD_OUTREACH)
    data = _validated(data, local_day(at))
    assert data.attempted_on is not None
    with transaction.atomic():
        lock_patient(patient)
        row = OutreachAttempt.objects.create(
            patient=patient, kind=data.kind, outcome=data.outcome, attempted_on=data.attempted_on,
            next_step=data.next_step, next_attempt_on=data.next_attempt_on,
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        planned = f"; next {data.next_attempt_on}" if data.next_attempt_on else ""
        record_by(actor, at, AuditAction.CREATE, "outreach_attempt", row.pk, patient_mrn=patient.mrn,
                  detail=f"{data.kind} {data.attempted_on}: {data.outcome}{planned}")  # fmt: skip
    return row


def outreach_log(patient: Patient, *, actor: Actor, at: datetime, limit: int = 100) -> list[OutreachAttempt]:  # fmt: skip
    """The patient's outreach attempts, newest first (an audited read)."""
    actor.require(Action.VIEW_PATIENT_LIST)
    with transaction.atomic():
        rows = list(patient.outreach.order_by("-attempted_on", "-recorded_at", "-id")[:limit])
        record_by(actor, at, AuditAction.READ, "outreach_log", patient_mrn=patient.mrn)
    return rows


def _read_anyway(ids: set[int]) -> set[int]:
    """Patient ids for a query that runs even when there are none (0 names no patient; an empty
    list would skip the query): Today makes the same queries whatever it shows."""
    return ids or {0}


def as_attempt(row: OutreachAttempt) -> Attempt:
    return Attempt(row.attempted_on, Outcome(row.outcome), row.next_attempt_on)


# --- where outreach stands, for Today's rows and the chart header ------------------------------


@dataclass(frozen=True, slots=True)
class Standing:
    """Outreach for one patient on Today: the core's status and the last attempt that counts
    (with who logged it and when)."""

    status: OutreachStatus
    last: OutreachAttempt | None
    attempts: int  # attempts that count

    @property
    def reached(self) -> bool:
        return self.status.reach is Reach.REACHED

    @property
    def to_contact(self) -> bool:
        return self.status.reach is Reach.TO_CONTACT

    @property
    def last_words(self) -> str:
        return describe(self.last) if self.last is not None else ""

    @property
    def words(self) -> str:
        s = self.status
        if s.reach is Reach.REACHED:
            return f"Reached {s.reached_on:%Y-%m-%d}"
        if s.reach is Reach.TRY_AGAIN and s.last is not None and s.last.next_attempt_on:
            return f"Not reached; next attempt {s.last.next_attempt_on:%Y-%m-%d}"
        return "Not reached yet: contact today" if self.last is None else "Not reached: try again today"  # fmt: skip


def describe(row: OutreachAttempt) -> str:
    """ "Phone call: no answer" as the pages show an attempt."""
    return f"{KIND_LABELS[AttemptKind(row.kind)]}: {OUTCOME_LABELS[Outcome(row.outcome)].lower()}"


def standings(cares: Sequence[Any], on: date) -> dict[int, Standing]:
    """Outreach for the patients of these care status rows (Today's overdue and risk-window rows,
    or the chart's), by patient id: one query for all of them."""
    wanted = [c for c in cares if c.last_dose_on is not None]
    since = min((c.last_dose_on for c in wanted), default=on)
    by_patient: dict[int, list[OutreachAttempt]] = defaultdict(list)
    for row in OutreachAttempt.objects.filter(
        patient_id__in=_read_anyway({c.patient_id for c in wanted}),
        attempted_on__gt=since,
        attempted_on__lte=on,
    ).order_by("attempted_on", "recorded_at", "id"):
        by_patient[row.patient_id].append(row)
    out: dict[int, Standing] = {}
    for c in wanted:
        rows = by_patient.get(c.patient_id, [])
        status = outreach_status([as_attempt(r) for r in rows], on, last_dose_on=c.last_dose_on,
                                 overdue_from=c.overdue_from, coverage_ends_on=c.coverage_ends_on)  # fmt: skip
        counted = [r for r in rows if r.attempted_on >= status.since]
        out[c.patient_id] = Standing(status, counted[-1] if counted else None, len(counted))
    return out


# --- how to reach the patient --------------------------------------------------------------------


def tel(phone: str) -> str:
    """A phone number as a tel: link takes it: the digits and a leading +."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return ("+" if phone.strip().startswith("+") else "") + digits


@dataclass(frozen=True, slots=True)
class SupportContact:
    name: str
    relationship: str
    phone: str
    may_contact: bool  # the patient's consent allows telling them about the patient
    why: str  # the consent filter's reason

    @property
    def tel(self) -> str:
        return tel(self.phone)


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str
    email: str
    support: list[SupportContact] = field(default_factory=list)

    @property
    def tel(self) -> str:
        return tel(self.phone)

    @property
    def reachable_support(self) -> list[SupportContact]:
        return [s for s in self.support if s.may_contact]


def _named(patient: Patient, people: Iterable[SupportPerson]) -> list[tuple[str, str, str]]:
    named = [(p.name, p.relationship, p.phone) for p in people]
    legacy = patient.support_person_name.strip()
    if legacy and all(n.casefold() != legacy.casefold() for n, _, _ in named):
        # The support person named at registration, before issue 11's support people.
        named.append((legacy, "named at registration", patient.support_person_phone))
    return named


def contacts(patients: Sequence[Patient], *, actor: Actor, on: date) -> dict[int, Contact]:
    """How to reach each patient, by patient id: their phone and email, and their support people,
    each marked with whether the patient's consent allows telling them about the patient (the
    same request as a support notice: who the patient is and their visits). Nothing at all for a
    role that may not see contact details. Two queries however many patients (one when no
    support person is named); the reads are
    those of the page that shows them (audited there)."""
    if not actor.can(Action.VIEW_PATIENT_LIST):
        return {}
    people: dict[int, list[SupportPerson]] = defaultdict(list)
    for person in SupportPerson.objects.filter(
        patient_id__in=_read_anyway({p.pk for p in patients}), removed_at__isnull=True
    ).order_by("name", "id"):
        people[person.patient_id].append(person)
    named = {p.pk: _named(p, people.get(p.pk, [])) for p in patients}
    asks = [(p, Recipient(n)) for p in patients for n, _, _ in named[p.pk]]
    decisions = iter(consent_decisions(asks, NOTICE_PURPOSE, NOTICE_RECORDS, on))
    out = {}
    for p in patients:
        support = [SupportContact(n, rel, phone, (d := next(decisions)).allowed, d.reason)
                   for n, rel, phone in named[p.pk]]  # fmt: skip
        out[p.pk] = Contact(p.phone, p.email, support)
    return out


@dataclass(frozen=True, slots=True)
class Reaching:
    """What the chart header shows: how to reach the patient, and where outreach stands while
    they are overdue or in a risk window (None otherwise)."""

    contact: Contact | None
    standing: Standing | None


def reaching(patient: Patient, care: Any, *, actor: Actor, on: date) -> Reaching:
    """The chart header's outreach line for `patient` with their care status row (or None)."""
    at_risk = care is not None and (
        bool(care.risk_window) or (care.overdue_from is not None and care.overdue_from <= on)
    )
    standing = standings([care], on).get(patient.pk) if at_risk else None
    return Reaching(contacts([patient], actor=actor, on=on).get(patient.pk), standing)
