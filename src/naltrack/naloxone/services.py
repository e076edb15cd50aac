"""Naloxone use cases (issue 15): receive stock, hand a kit to a patient (the stock goes down in the
same transaction) or record that they have one or declined, read a patient's naloxone history, the
stock, the coverage report and Today's line. Whether a patient has naloxone on hand, whether a lot
may be handed out and whether stock is low are the core's answers (clinical/naloxone.py); this
gathers the facts: the hand-outs here and the MAR's "reversal agent on hand" at each injection."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, QuerySet, Value

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.alerts.models import CareStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.naloxone import (
    ActivePatient,
    Coverage,
    Fact,
    FactKind,
    OnHand,
    StockProblem,
    counts_from,
    coverage,
    hand_out_problem,
    lot_usable,
    needs_reorder,
    on_hand,
)
from naltrack.clinical.parsing import EARLIEST_DATE, LATEST_DATE
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient
from naltrack.treatment.models import Administration, AdministrationStatus

from .models import HandOutKind, NaloxoneHandOut, NaloxoneLot, Product, Where

LOT_MAX = 40
NOTE_MAX = 300
MAX_RECEIVED = 10_000  # kits in one delivery
MAX_PER_HAND_OUT = 5  # kits to one patient at once (for them and their household)
# A hand-out or a delivery may be recorded a few days late, not months.
BACKDATE_DAYS = 14


def day_problem(value: date) -> str | None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        return f"must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}"
    return None


def text_problem(value: str) -> str | None:
    return "must not contain a NUL character" if "\x00" in value else None


def _choice(value: str, choices: Any, field: str) -> str:
    if value not in choices.values:
        raise InputError(f"must be one of {', '.join(choices.values)}", field)
    return value


def _text(value: str, limit: int, field: str, *, required: bool = False) -> str:
    text = " ".join(value.split())
    if problem := text_problem(text):
        raise InputError(problem, field)
    if required and not text:
        raise InputError("is required", field)
    if len(text) > limit:
        raise InputError(f"must be at most {limit} characters", field)
    return text


def _recent_day(value: date | None, today: date, field: str) -> date:
    day = value or today
    if problem := day_problem(day):
        raise InputError(problem, field)
    if day > today:
        raise InputError("is in the future", field)
    if day < today - timedelta(days=BACKDATE_DAYS):
        raise InputError(f"is more than {BACKDATE_DAYS} days ago", field)
    return day


def _count(value: int | None, top: int, field: str) -> int:
    if value is None or isinstance(value, bool) or not 1 <= value <= top:
        raise InputError(f"must be a whole number from 1 to {top}", field)
    return value


# --- stock -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReceiveInput:
    product: str
    lot: str
    expires_on: date | None
    count: int | None
    received_on: date | None = None  # None: today


def receive_stock(data: ReceiveInput, *, actor: Actor, at: datetime) -> NaloxoneLot:
    """Kits received into stock. A lot already on the shelf is topped up (the same expiry only);
    an expired lot is refused."""
    actor.require(Action.MANAGE_NALOXONE_STOCK)
    today = local_day(at)
    product = _choice(data.product, Product, "product")
    lot = _text(data.lot, LOT_MAX, "lot", required=True)
    if data.expires_on is None:
        raise InputError("is required", "expires_on")
    if problem := day_problem(data.expires_on):
        raise InputError(problem, "expires_on")
    if not lot_usable(data.expires_on, today):
        raise InputError("this lot has already expired: do not put it on the shelf", "expires_on")
    count = _count(data.count, MAX_RECEIVED, "count")
    received_on = _recent_day(data.received_on, today, "received_on")
    with transaction.atomic():
        row = NaloxoneLot.objects.select_for_update().filter(product=product, lot=lot).first()
        if row is None:
            row = NaloxoneLot.objects.create(
                product=product, lot=lot, expires_on=data.expires_on, received_count=count,
                remaining=count, received_on=received_on, received_by=actor.username, recorded_at=at,
            )  # fmt: skip
        else:
            if row.expires_on != data.expires_on:
                raise InputError(f"lot {lot} is on the shelf expiring {row.expires_on:%Y-%m-%d}; "
                                 "check the box", "expires_on")  # fmt: skip
            row.received_count += count
            row.remaining += count
            row.save(update_fields=["received_count", "remaining"])
        record_by(actor, at, AuditAction.CREATE, "naloxone_stock", row.pk,
                  detail=f"received {count} x {product} lot {lot} exp {data.expires_on} on {received_on}")  # fmt: skip
    return row


@dataclass(frozen=True, slots=True)
class LotRow:
    lot: NaloxoneLot
    usable: bool


@dataclass(frozen=True, slots=True)
class Stock:
    day: date
    lots: list[LotRow]
    usable_kits: int
    reorder: bool  # the core's answer: usable kits at or below the clinic's reorder point


def read_stock(day: date, *, actor: Actor) -> Stock:
    """The lots with kits left (soonest expiry first), the usable total and the reorder warning.
    No patient's record: not audited as a read of one."""
    if not (actor.can(Action.HAND_OUT_NALOXONE) or actor.can(Action.MANAGE_NALOXONE_STOCK)):
        actor.require(Action.MANAGE_NALOXONE_STOCK)
    return _stock(day)


def _stock(day: date) -> Stock:
    rows = [LotRow(lot, lot_usable(lot.expires_on, day))
            for lot in NaloxoneLot.objects.filter(remaining__gt=0)]  # fmt: skip
    usable = sum(r.lot.remaining for r in rows if r.usable)
    return Stock(day, rows, usable, needs_reorder(usable, active_policy()))


def usable_lots(day: date) -> QuerySet[NaloxoneLot]:
    """Lots a kit may be picked from on a form (the service checks again when it is handed out)."""
    return NaloxoneLot.objects.filter(remaining__gt=0, expires_on__gte=day)


# --- hand-outs -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HandOutInput:
    kind: str
    where: str
    lot_id: int | None = None  # a hand-out only
    count: int | None = None  # a hand-out only; None: 1
    given_on: date | None = None  # None: today
    note: str = ""


STOCK_WORDS = {
    StockProblem.EXPIRED: "this lot has expired: take a kit from another lot",
    StockProblem.NOT_ENOUGH: "not enough kits left in this lot",
}


def hand_out(
    patient: Patient, data: HandOutInput, *, actor: Actor, at: datetime
) -> NaloxoneHandOut:
    """Record a kit handed to the patient (the lot's count goes down in the same transaction), or
    that they already have one, or that they declined. Bad input is refused naming the field, and
    nothing is written."""
    actor.require(Action.HAND_OUT_NALOXONE)
    today = local_day(at)
    kind = _choice(data.kind, HandOutKind, "kind")
    where = _choice(data.where, Where, "where")
    given_on = _recent_day(data.given_on, today, "given_on")
    note = _text(data.note, NOTE_MAX, "note")
    handed = kind == HandOutKind.HANDED_OUT
    if not handed and data.lot_id is not None:
        raise InputError("only a kit handed out comes from a lot", "lot_id")
    count = (
        _count(1 if data.count is None else data.count, MAX_PER_HAND_OUT, "count") if handed else 0
    )
    with transaction.atomic():
        lock_patient(patient)
        lot = None
        if handed:
            if data.lot_id is None:
                raise InputError("choose the lot the kit comes from", "lot_id")
            lot = NaloxoneLot.objects.select_for_update().filter(pk=data.lot_id).first()
            if lot is None:
                raise NotFoundError("no such lot", "lot_id")
            problem = hand_out_problem(lot.expires_on, lot.remaining, count, given_on)
            if problem is not None:
                raise InputError(f"{STOCK_WORDS[problem]} ({lot.remaining} left)", "lot_id" if problem == StockProblem.EXPIRED else "count")  # fmt: skip
            lot.remaining -= count
            lot.save(update_fields=["remaining"])
        row = NaloxoneHandOut.objects.create(
            patient=patient, kind=kind, where=where, given_on=given_on, lot=lot,
            product=lot.product if lot else "", count=count, note=note,
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        what = f"{count} x {lot.product} lot {lot.lot}" if lot else kind
        record_by(actor, at, AuditAction.CREATE, "naloxone_hand_out", row.pk, patient_mrn=patient.mrn,
                  detail=f"{what} {where} {given_on}")  # fmt: skip
    return row


def void_hand_out(patient: Patient, hand_out_id: int | None, *, reason: str, actor: Actor,
                  at: datetime) -> NaloxoneHandOut:  # fmt: skip
    """An entry made in error (the wrong patient, a kit that never left the shelf, a report the
    patient did not give): marked voided with who, when and why, and kept; a hand-out's kits go
    back to their lot in the same transaction. A voided entry counts nowhere (the core's
    on-hand answer, the coverage report, Today, the outcomes facts)."""
    actor.require(Action.HAND_OUT_NALOXONE)
    why = _text(reason, NOTE_MAX, "reason", required=True)
    if hand_out_id is None:
        raise InputError("is required", "hand_out")
    with transaction.atomic():
        lock_patient(patient)
        row = (
            NaloxoneHandOut.objects.select_for_update(of=("self",))
            .filter(pk=hand_out_id, patient=patient).first()
        )  # fmt: skip
        if row is None:
            raise NotFoundError("this patient has no naloxone entry with this id", "hand_out")
        if row.voided_at is not None:
            raise ConflictError(f"already voided by {row.voided_by}", "hand_out")
        back = ""
        if row.lot_id is not None and row.count:
            lot = NaloxoneLot.objects.select_for_update().get(pk=row.lot_id)
            lot.remaining += row.count
            lot.save(update_fields=["remaining"])
            back = f"; {row.count} x lot {lot.lot} back on the shelf ({lot.remaining} left)"
        row.voided_at, row.voided_by, row.void_reason = at, actor.username, why
        row.save(update_fields=["voided_at", "voided_by", "void_reason"])
        record_by(actor, at, AuditAction.UPDATE, "naloxone_hand_out", row.pk, patient_mrn=patient.mrn,
                  detail=f"voided ({row.kind} of {row.given_on}): {why}{back}"[:500])  # fmt: skip
    return row


def history(patient: Patient, *, actor: Actor, at: datetime, limit: int = 100) -> list[NaloxoneHandOut]:  # fmt: skip
    """The patient's naloxone hand-outs, reports and refusals, newest first, voided ones shown as
    such (an audited read)."""
    actor.require(Action.VIEW_CHART)
    with transaction.atomic():
        rows = list(patient.naloxone.select_related("lot")[:limit])
        record_by(actor, at, AuditAction.READ, "naloxone_history", patient_mrn=patient.mrn)
    return rows


def _facts(patient_ids: Iterable[int], since: date, until: date) -> dict[int, list[Fact]]:
    """Each patient's naloxone facts from `since` to `until`: the hand-outs here and each given
    injection at which the MAR recorded a reversal agent on hand (a "has one" report). One
    query whatever the number of patients."""
    ids = set(patient_ids) or {0}  # the same query when there is nobody
    facts: dict[int, list[Fact]] = defaultdict(list)
    handed = (
        NaloxoneHandOut.objects.filter(
            patient_id__in=ids, given_on__gte=since, given_on__lte=until, voided_at__isnull=True
        )
        .order_by()
        .values_list("patient_id", "kind", "given_on")
    )
    on_the_mar = Administration.objects.filter(
        patient_id__in=ids, status=AdministrationStatus.GIVEN, reversal_agent_on_hand=True,
        given_on__gte=since, given_on__lte=until,
    ).order_by().annotate(kind=Value(FactKind.HAS_ONE.value, output_field=CharField())).values_list(
        "patient_id", "kind", "given_on")  # fmt: skip
    for pid, kind, on in handed.union(on_the_mar, all=True):
        facts[pid].append(Fact(on, FactKind(kind)))
    return facts


def patient_on_hand(patient: Patient, day: date) -> OnHand:
    """The core's answer for one patient (the chart's naloxone page shows it)."""
    return on_hand(_facts([patient.pk], counts_from(day, active_policy()), day)[patient.pk], day, active_policy())  # fmt: skip


# --- coverage ------------------------------------------------------------------------------------

GROUP_LABELS = {
    Formulation.XR_INJECTION.value: "Monthly injection",
    Formulation.ORAL.value: "Tablets",
    Formulation.IMPLANT.value: "Implant",
    "": "No current formulation",
}


@dataclass(frozen=True, slots=True)
class Missing:
    """An active patient without naloxone on hand (for whoever may see names)."""

    patient: Patient
    group: str
    last: OnHand


@dataclass(frozen=True, slots=True)
class CoverageReport:
    coverage: Coverage
    policy_version: str
    groups: list[tuple[str, Any]]  # (label, Share)
    without: list[Missing] | None  # None: the role sees aggregates only
    stock: Stock


def read_coverage(day: date, *, actor: Actor, at: datetime) -> CoverageReport:
    """Naloxone coverage on `day` (clinical.naloxone.coverage: active patients with naloxone on
    hand over active patients). Active: the care status row says so (treatment current as last
    computed). The list of patients without naloxone is for the roles that see names."""
    actor.require(Action.VIEW_NALOXONE_COVERAGE)
    if problem := day_problem(day):
        raise InputError(problem, "on")
    if day > local_day(at):
        raise InputError("is in the future", "on")
    policy = active_policy()
    care = list(
        CareStatus.objects.filter(active=True).select_related("patient")
        .order_by("patient__family_name", "patient__given_name", "patient_id")
    )  # fmt: skip
    facts = _facts((c.patient_id for c in care), counts_from(day, policy), day)
    result = coverage(
        [ActivePatient(str(c.patient_id), c.formulation, tuple(facts[c.patient_id])) for c in care],
        day, policy,
    )  # fmt: skip
    without = None
    if actor.can(Action.VIEW_PATIENT_LIST):
        by_id = {str(c.patient_id): c for c in care}
        without = [
            Missing(by_id[k].patient, GROUP_LABELS.get(by_id[k].formulation, by_id[k].formulation),
                    on_hand(facts[by_id[k].patient_id], day, policy))
            for k in result.without
        ]  # fmt: skip
    groups = [(GROUP_LABELS.get(g, g), s) for g, s in result.by_group.items()]
    record_by(actor, at, AuditAction.READ, "naloxone_coverage",
              detail=f"{day.isoformat()}: {result.overall.covered}/{result.overall.active}"
                     + (f"; {len(without)} patients listed" if without is not None else ""))  # fmt: skip
    return CoverageReport(result, policy.version, groups, without, _stock(day))


# --- Today ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TodayLine:
    """Today's naloxone line: patients due an injection (today or overdue) without naloxone on hand."""

    due_without: int
    mrns: list[str]


def today_line(injections: QuerySet[CareStatus], on: date) -> TodayLine:
    """For Today (worklist.services calls it with its own scoped query of active injection
    patients): of those due an injection by `on`, who has no naloxone on hand. Two queries."""
    policy = active_policy()
    due = list(injections.filter(next_due_on__lte=on).order_by("next_due_on", "patient_id")
               .values_list("patient_id", "patient__mrn"))  # fmt: skip
    facts = _facts((pid for pid, _ in due), counts_from(on, policy), on)
    mrns = [mrn for pid, mrn in due if not on_hand(facts[pid], on, policy).on_hand]
    return TodayLine(len(mrns), mrns)
