"""Injection kit use cases: receive a lot, take a kit out of the refrigerator (or put it back),
waste a kit, show the stock; and the two calls the MAR makes to give a kit in the dose's own
transaction. Every yes/no about a kit is the core's (clinical/inventory.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import Acting, record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.clinical.inventory import (
    IN_STOCK,
    KitFacts,
    KitRefusal,
    KitState,
    expired,
    expiring_soon,
    kit_problems,
    nearing_room_temperature_limit,
    pick_order,
    room_temperature_until,
    stock_kit_required,
    stock_status,
)
from naltrack.clinical.policy import Policy
from naltrack.clock import local_day
from naltrack.patients.models import Patient

from .models import INJECTION_PRODUCT, Kit, KitEvent, KitEventKind, KitLot

MAX_KITS_PER_RECEIPT = 200


def facts(kit: Kit) -> KitFacts:
    out = timezone.localtime(kit.first_out_at) if kit.first_out_at else None
    return KitFacts(kit.pk, kit.lot.lot, kit.lot.expiry, KitState(kit.state), out, kit.patient_id)


def _event(kit: Kit, kind: str, actor: Acting, at: datetime, note: str = "") -> None:
    KitEvent.objects.create(kit=kit, kind=kind, at=at, by=actor.username, note=note[:300])
    mrn = kit.patient.mrn if kit.patient_id and kit.patient else ""
    record_by(actor, at, AuditAction.UPDATE if kind != KitEventKind.RECEIVED else AuditAction.CREATE,
              "kit", kit.pk, patient_mrn=mrn, detail=f"{kind} lot {kit.lot.lot} {note}"[:500])  # fmt: skip


def _locked_kit(kit_id: int | None) -> Kit:
    if kit_id is None:
        raise InputError("choose a kit", "kit")
    kit = (
        Kit.objects.select_for_update(of=("self",))
        .select_related("lot", "patient")
        .filter(pk=kit_id)
        .first()
    )  # only the kit row: the patient is a nullable join
    if kit is None:
        raise NotFoundError(f"no kit {kit_id}", "kit")
    return kit


def receive_lot(*, lot: str, expiry: date, count: int, received_on: date, actor: Actor,
                at: datetime, source: str = "", product: str = INJECTION_PRODUCT,
                patient: Patient | None = None) -> KitLot:  # fmt: skip
    """Record a delivery of `count` kits of one lot, each in the refrigerator. A specialty
    pharmacy's kits for one patient name the patient. An already expired lot is refused."""
    actor.require(Action.MANAGE_INVENTORY)
    lot = lot.strip()
    if not lot:
        raise InputError("the lot number is required", "lot")
    if received_on > local_day(at):
        raise InputError("is in the future", "received_on")
    if expired(expiry, received_on):
        raise InputError(f"this lot expired on {expiry}, before it was received: do not accept it",
                         "expiry")  # fmt: skip
    if not 1 <= count <= MAX_KITS_PER_RECEIPT:
        raise InputError(f"must be 1-{MAX_KITS_PER_RECEIPT} kits", "count")
    with transaction.atomic():
        row = KitLot.objects.create(
            product=product.strip() or INJECTION_PRODUCT, lot=lot, expiry=expiry,
            received_on=received_on, received_by=actor.username, count_received=count,
            source=source.strip(), recorded_at=at,
        )  # fmt: skip
        for _ in range(count):
            kit = Kit.objects.create(lot=row, patient=patient, updated_at=at)
            _event(kit, KitEventKind.RECEIVED, actor, at, source.strip())
    return row


def take_out_of_fridge(kit_id: int | None, *, actor: Actor, at: datetime,
                       since: datetime | None = None) -> Kit:  # fmt: skip
    """The kit leaves the refrigerator at `since` (default now). Its time out counts from the first
    removal (a kit put back keeps its clock): one already out too long is refused (waste it)."""
    actor.require(Action.MANAGE_INVENTORY)
    since = since or at
    if since > at:
        raise InputError("is in the future", "since")
    with transaction.atomic():
        kit = _locked_kit(kit_id)
        if kit.state != KitState.REFRIGERATED:
            raise InputError(
                f"this kit is not in the refrigerator ({kit.get_state_display()})", "kit"
            )
        first = kit.first_out_at or since
        probe = KitFacts(kit.pk, kit.lot.lot, kit.lot.expiry, KitState.ROOM_TEMPERATURE,
                         timezone.localtime(first), None)  # fmt: skip
        _refuse(probe, at, active_policy(), "since")
        kit.state, kit.first_out_at, kit.updated_at = KitState.ROOM_TEMPERATURE, first, at
        kit.save(update_fields=["state", "first_out_at", "updated_at"])
        _event(
            kit,
            KitEventKind.OUT_OF_FRIDGE,
            actor,
            at,
            f"since {timezone.localtime(since):%Y-%m-%d %H:%M}",
        )
    return kit


def _refuse(kit: KitFacts, at: datetime, policy: Policy, field: str) -> None:
    """Refuse a move of a kit that can no longer be given (expired, out too long): waste it."""
    problems = kit_problems(kit, at=at, on=local_day(at), patient_id=kit.patient_id, policy=policy)
    if problems:
        first = problems[0]
        named = field if first.code == KitRefusal.OUT_TOO_LONG else first.field
        raise InputError(f"{first.message} (waste it)", named)


def back_in_fridge(kit_id: int | None, *, actor: Actor, at: datetime) -> Kit:
    """A kit at room temperature goes back in the refrigerator. The reference is silent on
    returning: the time out keeps counting from the first removal (clinical/inventory.py)."""
    actor.require(Action.MANAGE_INVENTORY)
    with transaction.atomic():
        kit = _locked_kit(kit_id)
        if kit.state != KitState.ROOM_TEMPERATURE:
            raise InputError(
                f"this kit is not out of the refrigerator ({kit.get_state_display()})", "kit"
            )
        _refuse(facts(kit), at, active_policy(), "kit")
        kit.state, kit.updated_at = KitState.REFRIGERATED, at
        kit.save(update_fields=["state", "updated_at"])
        _event(
            kit,
            KitEventKind.BACK_IN_FRIDGE,
            actor,
            at,
            "time out keeps counting from the first removal",
        )
    return kit


def waste_kit(kit_id: int | None, *, reason: str, actor: Actor, at: datetime) -> Kit:
    actor.require(Action.MANAGE_INVENTORY)
    reason = reason.strip()
    if not reason:
        raise InputError("say why the kit is wasted", "reason")
    with transaction.atomic():
        kit = _locked_kit(kit_id)
        if kit.state not in IN_STOCK:
            raise InputError(f"this kit was already {kit.get_state_display()}", "kit")
        kit.state, kit.wasted_reason, kit.updated_at = KitState.WASTED, reason[:300], at
        kit.save(update_fields=["state", "wasted_reason", "updated_at"])
        _event(kit, KitEventKind.WASTED, actor, at, reason)
    return kit


# --- the MAR ------------------------------------------------------------------------------------


def clinic_keeps_stock() -> bool:
    return KitLot.objects.exists()


def usable_kits(patient: Patient, at: datetime) -> list[Kit]:
    """The kits this patient may be given now, in the order to use them (the core's pick order):
    the patient's own kit first, then first-expiring-first-out. For the MAR's kit select."""
    mine_or_clinic = Q(patient__isnull=True) | Q(patient=patient)
    kits = {k.pk: k for k in Kit.objects.select_related("lot")
            .filter(mine_or_clinic, state__in=list(IN_STOCK))}  # fmt: skip
    order = pick_order([facts(k) for k in kits.values()], at=timezone.localtime(at),
                       on=local_day(at), patient_id=patient.pk, policy=active_policy())  # fmt: skip
    return [kits[f.kit_id] for f in order]


def kit_for_dose(patient: Patient, kit_id: int | None, *, at: datetime) -> Kit | None:
    """Inside the MAR's transaction: lock the chosen kit and check the core allows it for this
    patient at the moment of the dose; None when no kit was chosen and none is required (no stock
    is kept, or the clinic allows typed lots). Refusals name the field `kit`."""
    policy = active_policy()
    if kit_id is None:
        if stock_kit_required(policy, clinic_keeps_stock=clinic_keeps_stock()):
            raise InputError(
                "choose the kit from the stock (the clinic keeps an injection stock)", "kit"
            )
        return None
    kit = _locked_kit(kit_id)
    problems = kit_problems(facts(kit), at=timezone.localtime(at), on=local_day(at),
                            patient_id=patient.pk, policy=policy)  # fmt: skip
    if problems:
        raise InputError(problems[0].message, problems[0].field)
    return kit


def dispense_kit(kit: Kit, administration_id: int, *, actor: Acting, at: datetime) -> None:
    """The kit locked by `kit_for_dose` is dispensed to the administration just recorded (same
    transaction: a refused or failed dose leaves it in stock)."""
    kit.state, kit.administration_id, kit.updated_at = KitState.DISPENSED, administration_id, at
    kit.save(update_fields=["state", "administration", "updated_at"])
    _event(kit, KitEventKind.DISPENSED, actor, at, f"administration {administration_id}")


# --- the stock page and Today ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KitRow:
    kit: Kit
    problems: tuple[str, ...]  # why it may not be given now (expired, out too long)
    expiring_soon: bool
    nearing_limit: bool
    out_until: datetime | None


@dataclass(frozen=True, slots=True)
class LotRow:
    lot: KitLot
    counts: dict[str, int]  # state -> kits


@dataclass(frozen=True, slots=True)
class Stock:
    kits: list[KitRow]  # in stock
    lots: list[LotRow]
    usable_clinic_stock: int
    reorder_point: int
    needs_reorder: bool
    expiring_soon: list[KitRow]
    nearing_limit: list[KitRow]
    unusable: list[KitRow]
    warning_days: int


def _rows(kits: list[Kit], at: datetime, policy: Policy) -> list[KitRow]:
    local, day = timezone.localtime(at), local_day(at)
    rows = []
    for k in kits:
        f = facts(k)
        problems = kit_problems(f, at=local, on=day, patient_id=f.patient_id, policy=policy)
        rows.append(KitRow(k, tuple(p.message for p in problems), expiring_soon(f, day, policy),
                           nearing_room_temperature_limit(f, local, policy),
                           room_temperature_until(f, policy)))  # fmt: skip
    return rows


def stock(*, actor: Actor, at: datetime) -> Stock:
    """The stock page: lots with counts per state, kits in stock, what to watch (audited read)."""
    actor.require(Action.VIEW_INVENTORY)
    record_by(actor, at, AuditAction.READ, "kit_stock")
    return _stock(at)


def _stock(at: datetime) -> Stock:
    policy = active_policy()
    kits = list(Kit.objects.select_related("lot", "patient").filter(state__in=list(IN_STOCK)))
    rows = _rows(kits, at, policy)
    status = stock_status([facts(k) for k in kits], at=timezone.localtime(at), on=local_day(at),
                          policy=policy)  # fmt: skip
    lots = []
    for lot in KitLot.objects.order_by("expiry", "lot", "id"):
        counts = dict.fromkeys((s.value for s in KitState), 0)
        for k in lot.kits.all():
            counts[k.state] += 1
        lots.append(LotRow(lot, counts))
    return Stock(
        kits=rows, lots=lots, usable_clinic_stock=status.usable_clinic_stock,
        reorder_point=status.reorder_point, needs_reorder=status.needs_reorder,
        expiring_soon=[r for r in rows if r.expiring_soon and not r.problems],
        nearing_limit=[r for r in rows if r.nearing_limit and not r.problems],
        unusable=[r for r in rows if r.problems], warning_days=status.expiry_warning_days,
    )  # fmt: skip


def kit_history(kit_id: int, *, actor: Actor, at: datetime) -> tuple[Kit, list[KitEvent]]:
    actor.require(Action.VIEW_INVENTORY)
    kit = Kit.objects.select_related("lot", "patient", "administration").filter(pk=kit_id).first()
    if kit is None:
        raise NotFoundError(f"no kit {kit_id}", "kit")
    mrn = kit.patient.mrn if kit.patient else ""
    record_by(actor, at, AuditAction.READ, "kit", kit.pk, patient_mrn=mrn)
    return kit, list(kit.events.all())


@dataclass(frozen=True, slots=True)
class TodayKits:
    expiring_soon: list[KitRow]
    nearing_limit: list[KitRow]
    unusable: list[KitRow]
    usable_clinic_stock: int
    reorder_point: int
    needs_reorder: bool

    @property
    def empty(self) -> bool:
        return not (self.expiring_soon or self.nearing_limit or self.unusable or self.needs_reorder)


def today_kits(actor: Actor, at: datetime) -> TodayKits | None:
    """The Today page's kit section (None for a role that may not see the stock, or a clinic that
    keeps none): kits expiring soon, out of the refrigerator nearing the limit, no longer usable,
    and stock at or below the reorder point."""
    if not actor.can(Action.VIEW_INVENTORY) or not clinic_keeps_stock():
        return None
    s = _stock(at)
    return TodayKits(s.expiring_soon, s.nearing_limit, s.unusable, s.usable_clinic_stock,
                     s.reorder_point, s.needs_reorder)  # fmt: skip
