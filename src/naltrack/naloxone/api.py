"""Naloxone kits as JSON (issue 15): the stock and receiving kits, a patient's hand-outs and
recording one, and the coverage figure. The same services as the pages; errors in the API's one
shape."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.clock import local_day
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import Day, Id, In, Mrn, RequiredText, Text, actor, answers, now

from .models import HandOutKind, NaloxoneHandOut, NaloxoneLot, Product, Where
from .services import (
    LOT_MAX,
    MAX_PER_HAND_OUT,
    MAX_RECEIVED,
    NOTE_MAX,
    HandOutInput,
    ReceiveInput,
    hand_out,
    history,
    patient_on_hand,
    read_coverage,
    read_stock,
    receive_stock,
    void_hand_out,
)

router = Router(tags=["naloxone"])


class NaloxoneLotOut(Schema):
    id: int
    product: Product
    lot: str
    expires_on: date
    received_count: int
    remaining: int
    received_on: date
    received_by: str
    usable: bool  # the core's answer on the day: not expired


class NaloxoneStockOut(Schema):
    on: date
    usable_kits: int
    reorder: bool  # usable kits at or below the clinic's reorder point
    lots: list[NaloxoneLotOut]


def lot_out(lot: NaloxoneLot, usable: bool) -> dict[str, Any]:
    return {"id": lot.pk, "product": lot.product, "lot": lot.lot, "expires_on": lot.expires_on,
            "received_count": lot.received_count, "remaining": lot.remaining,
            "received_on": lot.received_on, "received_by": lot.received_by, "usable": usable}  # fmt: skip


@router.get("/naloxone/stock", response=answers(200, NaloxoneStockOut),
            summary="Naloxone kits on the shelf by lot, the usable total and the reorder warning")  # fmt: skip
def stock(request: HttpRequest) -> dict[str, Any]:
    s = read_stock(local_day(now()), actor=actor(request))
    return {"on": s.day, "usable_kits": s.usable_kits, "reorder": s.reorder,
            "lots": [lot_out(r.lot, r.usable) for r in s.lots]}  # fmt: skip


class NaloxoneReceiveIn(In):
    product: Product
    lot: Annotated[RequiredText, Field(max_length=LOT_MAX)]
    expires_on: Day
    count: Annotated[int, Field(strict=True, ge=1, le=MAX_RECEIVED)]
    received_on: Day | None = None


@router.post("/naloxone/stock", response=answers(201, NaloxoneLotOut, writes=True),
             summary="Receive naloxone kits into stock (nurse); an expired lot is refused")  # fmt: skip
def receive(request: HttpRequest, data: NaloxoneReceiveIn) -> Status[dict[str, Any]]:
    lot = receive_stock(ReceiveInput(data.product.value, data.lot, data.expires_on, data.count,
                                     data.received_on), actor=actor(request), at=now())  # fmt: skip
    return Status(201, lot_out(lot, True))


class HandOutOut(Schema):
    id: int
    kind: HandOutKind
    where: Where
    given_on: date
    lot_id: int | None
    lot: str
    product: Product | None
    count: int
    note: str
    recorded_by: str
    voided_at: datetime | None  # entered in error: kept, counted nowhere
    voided_by: str
    void_reason: str


def hand_out_out(r: NaloxoneHandOut) -> dict[str, Any]:
    return {"id": r.pk, "kind": r.kind, "where": r.where, "given_on": r.given_on, "lot_id": r.lot_id,
            "lot": r.lot.lot if r.lot else "", "product": r.product or None, "count": r.count,
            "note": r.note, "recorded_by": r.recorded_by, "voided_at": r.voided_at,
            "voided_by": r.voided_by, "void_reason": r.void_reason}  # fmt: skip


class PatientNaloxoneOut(Schema):
    on: date
    on_hand: bool  # the core's answer for the day
    since: date | None  # the hand-out or report it rests on
    until: date | None  # the last day it counts
    declined_on: date | None
    history: list[HandOutOut]


@router.get("/patients/{mrn}/naloxone", response=answers(200, PatientNaloxoneOut),
            summary="Whether the patient has naloxone on hand today, and their hand-outs (audited)")  # fmt: skip
def patient_naloxone(request: HttpRequest, mrn: Mrn) -> dict[str, Any]:
    p = patient(request, mrn)
    day = local_day(now())
    status = patient_on_hand(p, day)
    rows = history(p, actor=actor(request), at=now())
    return {"on": day, "on_hand": status.on_hand, "since": status.since, "until": status.until,
            "declined_on": status.declined_on, "history": [hand_out_out(r) for r in rows]}  # fmt: skip


class HandOutIn(In):
    kind: HandOutKind
    where: Where
    lot_id: Id | None = None
    count: Annotated[int, Field(strict=True, ge=1, le=MAX_PER_HAND_OUT)] | None = None
    given_on: Day | None = None
    note: Annotated[Text, Field(max_length=NOTE_MAX)] = ""


@router.post("/patients/{mrn}/naloxone", response=answers(201, HandOutOut, writes=True),
             summary="Hand out a naloxone kit (the lot's count goes down), or record 'has one' or 'declined'")  # fmt: skip
def record_hand_out(request: HttpRequest, mrn: Mrn, data: HandOutIn) -> Status[dict[str, Any]]:
    row = hand_out(patient(request, mrn), HandOutInput(data.kind.value, data.where.value, data.lot_id, data.count,
                                                       data.given_on, data.note), actor=actor(request), at=now())  # fmt: skip
    return Status(201, hand_out_out(row))


class VoidIn(In):
    reason: Annotated[RequiredText, Field(max_length=NOTE_MAX)]


@router.post("/patients/{mrn}/naloxone/{hand_out_id}/void", response=answers(200, HandOutOut, writes=True),
             summary="Void a naloxone entry made in error (kept, counted nowhere; a kit handed out goes back to its lot)")  # fmt: skip
def void_naloxone(request: HttpRequest, mrn: Mrn, hand_out_id: Id, data: VoidIn) -> dict[str, Any]:
    row = void_hand_out(
        patient(request, mrn), hand_out_id, reason=data.reason, actor=actor(request), at=now()
    )
    return hand_out_out(row)


class ShareOut(Schema):
    group: str
    with_naloxone: int
    active: int
    share: float | None


class MissingOut(Schema):
    mrn: str
    group: str
    last_on: date | None
    declined_on: date | None


class NaloxoneCoverageOut(Schema):
    on: date
    policy_version: str
    with_naloxone: int  # numerator: active patients with naloxone on hand on the day
    active: int  # denominator: patients in active treatment on the day
    share: float | None
    by_group: list[ShareOut]
    without: list[MissingOut] | None  # null: the role sees aggregates only


@router.get("/reports/naloxone", response=answers(200, NaloxoneCoverageOut),
            summary="Naloxone coverage: the share of active patients with naloxone on hand on a day (audited)")  # fmt: skip
def naloxone_coverage(request: HttpRequest, on: Day | None = None) -> dict[str, Any]:
    r = read_coverage(on or local_day(now()), actor=actor(request), at=now())
    c = r.coverage
    return {
        "on": c.day, "policy_version": r.policy_version, "with_naloxone": c.overall.covered,
        "active": c.overall.active, "share": c.overall.share,
        "by_group": [{"group": g, "with_naloxone": s.covered, "active": s.active, "share": s.share}
                     for g, s in c.by_group.items()],
        "without": None if r.without is None else [
            {"mrn": m.patient.mrn, "group": m.group, "last_on": m.last.since, "declined_on": m.last.declined_on}
            for m in r.without],
    }  # fmt: skip
