"""Injection kits in the JSON API: the stock, a kit's history, receive a lot, move or waste a
kit, and the kits a patient may be given now (for the MAR's `kit_id`). Same error shape as /api."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.clinical.inventory import KitState
from naltrack.patients.apiutil import patient
from naltrack.patients.models import Patient
from naltrack.web.apiutil import Day, Id, In, Instant, Mrn, RequiredText, Text, actor, answers, now

from . import services
from .models import Kit, KitEvent, KitLot

router = Router(tags=["inventory"])


class KitOut(Schema):
    id: int
    lot: str
    expiry: date
    product: str
    state: KitState
    first_out_at: datetime | None
    patient_mrn: str | None  # a kit kept for one patient
    administration_id: int | None
    wasted_reason: str


class KitRowOut(KitOut):
    problems: list[str]  # why it may not be given now
    expiring_soon: bool
    nearing_limit: bool
    out_until: datetime | None


class LotOut(Schema):
    id: int
    lot: str
    expiry: date
    product: str
    received_on: date
    received_by: str
    count_received: int
    source: str
    counts: dict[str, int]


class StockOut(Schema):
    usable_clinic_stock: int
    reorder_point: int
    needs_reorder: bool
    lots: list[LotOut]
    kits: list[KitRowOut]


class KitEventOut(Schema):
    kind: str
    at: datetime
    by: str
    note: str


class KitHistoryOut(Schema):
    kit: KitOut
    events: list[KitEventOut]


class ReceiveIn(In):
    lot: Annotated[RequiredText, Field(max_length=40)]
    expiry: Day
    count: Annotated[int, Field(strict=True, ge=1, le=services.MAX_KITS_PER_RECEIPT)]
    received_on: Day
    source: Annotated[Text, Field(max_length=120)] = ""
    patient_mrn: Annotated[Text, Field(max_length=32)] = ""


class OutIn(In):
    since: Instant | None = None


class WasteIn(In):
    reason: Annotated[Text, Field(max_length=300)] = ""


def kit_out(k: Kit) -> dict[str, Any]:
    return {
        "id": k.pk, "lot": k.lot.lot, "expiry": k.lot.expiry, "product": k.lot.product, "state": k.state,
        "first_out_at": k.first_out_at, "patient_mrn": k.patient.mrn if k.patient else None,
        "administration_id": k.administration_id, "wasted_reason": k.wasted_reason,
    }  # fmt: skip


def _row(r: services.KitRow) -> dict[str, Any]:
    return kit_out(r.kit) | {"problems": list(r.problems), "expiring_soon": r.expiring_soon,
                             "nearing_limit": r.nearing_limit, "out_until": r.out_until}  # fmt: skip


def _lot(row: services.LotRow) -> dict[str, Any]:
    lot: KitLot = row.lot
    return {"id": lot.pk, "lot": lot.lot, "expiry": lot.expiry, "product": lot.product,
            "received_on": lot.received_on, "received_by": lot.received_by,
            "count_received": lot.count_received, "source": lot.source, "counts": row.counts}  # fmt: skip


def _event(e: KitEvent) -> dict[str, Any]:
    return {"kind": e.kind, "at": e.at, "by": e.by, "note": e.note}


@router.get("/inventory/kits", response=answers(200, StockOut),
            summary="The injection kit stock: lots with counts per state, kits in stock with why any may not be given")  # fmt: skip
def get_stock(request: HttpRequest) -> dict[str, Any]:
    s = services.stock(actor=actor(request), at=now())
    return {"usable_clinic_stock": s.usable_clinic_stock, "reorder_point": s.reorder_point,
            "needs_reorder": s.needs_reorder, "lots": [_lot(r) for r in s.lots],
            "kits": [_row(r) for r in s.kits]}  # fmt: skip


@router.get("/inventory/kits/{kit_id}", response=answers(200, KitHistoryOut),
            summary="One kit and its history of moves (received, out of and back in the refrigerator, dispensed, wasted)")  # fmt: skip
def get_kit(request: HttpRequest, kit_id: Id) -> dict[str, Any]:
    kit, events = services.kit_history(kit_id, actor=actor(request), at=now())
    return {"kit": kit_out(kit), "events": [_event(e) for e in events]}


@router.post("/inventory/lots", response=answers(201, LotOut, writes=True),
             summary="Receive a lot of kits (refused: already expired, a count outside 1-200)")  # fmt: skip
def receive(request: HttpRequest, data: ReceiveIn) -> Status[dict[str, Any]]:
    who = None
    if data.patient_mrn.strip():
        who = Patient.objects.filter(mrn=data.patient_mrn.strip()).first()
        if who is None:
            raise InputError("no patient with this MRN", "patient_mrn")
    row = services.receive_lot(lot=data.lot, expiry=data.expiry, count=data.count,
                               received_on=data.received_on, source=data.source, patient=who,
                               actor=actor(request), at=now())  # fmt: skip
    counts = dict.fromkeys((s.value for s in KitState), 0) | {
        KitState.REFRIGERATED.value: row.count_received
    }
    return Status(201, _lot(services.LotRow(row, counts)))


@router.post("/inventory/kits/{kit_id}/out-of-fridge", response=answers(200, KitOut, writes=True),
             summary="Take a kit out of the refrigerator (its time out counts from its first removal)")  # fmt: skip
def out_of_fridge(request: HttpRequest, kit_id: Id, data: OutIn) -> dict[str, Any]:
    return kit_out(
        services.take_out_of_fridge(kit_id, since=data.since, actor=actor(request), at=now())
    )


@router.post("/inventory/kits/{kit_id}/back-in-fridge", response=answers(200, KitOut, writes=True),
             summary="Put a kit back in the refrigerator (the time out keeps counting)")  # fmt: skip
def back_in_fridge(request: HttpRequest, kit_id: Id) -> dict[str, Any]:
    return kit_out(services.back_in_fridge(kit_id, actor=actor(request), at=now()))


@router.post("/inventory/kits/{kit_id}/waste", response=answers(200, KitOut, writes=True),
             summary="Waste a kit, saying why")  # fmt: skip
def waste(request: HttpRequest, kit_id: Id, data: WasteIn) -> dict[str, Any]:
    return kit_out(services.waste_kit(kit_id, reason=data.reason, actor=actor(request), at=now()))


@router.get("/patients/{mrn}/kits", response=answers(200, list[KitOut]),
            summary="The kits this patient may be given now, in the order to use them (own kit first, then first-expiring)")  # fmt: skip
def kits_for_patient(request: HttpRequest, mrn: Mrn) -> list[dict[str, Any]]:
    actor(request).require(Action.VIEW_INVENTORY)
    p = patient(request, mrn)
    return [kit_out(k) for k in services.usable_kits(p, now())]
