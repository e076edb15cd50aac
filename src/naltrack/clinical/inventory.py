"""Injection kits: may this kit be given now, to this patient; which kit first; what to watch.

Facts in, decisions out (no clock, no database). A kit is usable on its expiry day and not after
(as the MAR's lot check, clinical/mar.py), and while its time out of the refrigerator is within
`kit_room_temperature_max_days` (fact sheet 2.3: unrefrigerated at most 25 C for at most 7 days).
The reference says nothing of a kit put back in the refrigerator: naltrack counts the time out from
the first removal and never restarts it (the conservative reading; a return is recorded as a move).
A kit kept for one patient (a specialty pharmacy's) is given to that patient only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .policy import Policy


class KitState(StrEnum):
    REFRIGERATED = "refrigerated"
    ROOM_TEMPERATURE = "room_temperature"
    DISPENSED = "dispensed"
    WASTED = "wasted"


IN_STOCK = frozenset({KitState.REFRIGERATED, KitState.ROOM_TEMPERATURE})


class KitRefusal(StrEnum):
    NOT_IN_STOCK = "kit_not_in_stock"
    EXPIRED = "kit_expired"
    OUT_TOO_LONG = "kit_out_too_long"
    OTHER_PATIENT = "kit_other_patient"


# What refuses a kit at the MAR, for the rules document (docs/clinical-rules.md).
KIT_RULES: dict[KitRefusal, str] = {
    KitRefusal.NOT_IN_STOCK: "the kit was already dispensed or wasted",
    KitRefusal.EXPIRED: "after the kit's expiry day (it may be given on the day itself)",
    KitRefusal.OUT_TOO_LONG: "more than `kit_room_temperature_max_days` after the kit first left "
    "the refrigerator (putting it back does not restart the clock); fact sheet 2.3",
    KitRefusal.OTHER_PATIENT: "a specialty pharmacy's kit kept for another patient",
}


@dataclass(frozen=True, slots=True)
class KitFacts:
    """One kit as the record has it. `first_out_at`: when it first left the refrigerator (None if
    never); `patient_id`: the patient a specialty pharmacy's kit is kept for (None: clinic stock)."""

    kit_id: int
    lot: str
    expiry: date
    state: KitState
    first_out_at: datetime | None = None
    patient_id: int | None = None


@dataclass(frozen=True, slots=True)
class KitProblem:
    code: KitRefusal
    message: str
    field: str = "kit"


def room_temperature_until(kit: KitFacts, policy: Policy) -> datetime | None:
    """The moment the kit's time out of the refrigerator runs out (None: never out)."""
    if kit.first_out_at is None:
        return None
    return kit.first_out_at + timedelta(days=policy.kit_room_temperature_max_days)


def expired(expiry: date, on: date) -> bool:
    """A kit (or a lot) is usable through its expiry day and expired from the day after."""
    return expiry < on


def kit_problems(
    kit: KitFacts, *, at: datetime, on: date, patient_id: int | None, policy: Policy
) -> tuple[KitProblem, ...]:
    """Why this kit may not be given at `at` (local day `on`) to `patient_id`; () if it may.
    `patient_id` None asks about clinic use in general (any patient-specific kit is refused)."""
    out: list[KitProblem] = []
    if kit.state not in IN_STOCK:
        out.append(KitProblem(KitRefusal.NOT_IN_STOCK, f"this kit was already {kit.state.value}"))
    if expired(kit.expiry, on):
        out.append(
            KitProblem(KitRefusal.EXPIRED, f"this kit expired on {kit.expiry}: do not use it")
        )
    until = room_temperature_until(kit, policy)
    if until is not None and at > until:
        out.append(
            KitProblem(
                KitRefusal.OUT_TOO_LONG,
                f"this kit has been out of the refrigerator more than "
                f"{policy.kit_room_temperature_max_days} days (since {kit.first_out_at:%Y-%m-%d %H:%M}): "
                "do not use it",
            )
        )
    if kit.patient_id is not None and kit.patient_id != patient_id:
        out.append(KitProblem(KitRefusal.OTHER_PATIENT, "this kit is kept for another patient"))
    return tuple(out)


def expiring_soon(kit: KitFacts, on: date, policy: Policy) -> bool:
    """In stock, not yet expired, and expiring within `kit_expiry_warning_days` of `on`."""
    return (
        kit.state in IN_STOCK
        and on <= kit.expiry
        and (kit.expiry - on).days <= policy.kit_expiry_warning_days
    )


def nearing_room_temperature_limit(kit: KitFacts, at: datetime, policy: Policy) -> bool:
    """In stock, out of the refrigerator, its time out not yet over but ending within
    `kit_room_temperature_warning_hours`."""
    until = room_temperature_until(kit, policy)
    if until is None or kit.state not in IN_STOCK or at > until:
        return False
    return until - at <= timedelta(hours=policy.kit_room_temperature_warning_hours)


def needs_reorder(usable_clinic_stock: int, policy: Policy) -> bool:
    """The clinic's usable stock (kits kept for no one patient) is at or below the reorder point."""
    return usable_clinic_stock <= policy.kit_reorder_point


def stock_kit_required(policy: Policy, *, clinic_keeps_stock: bool) -> bool:
    """Whether an injection must be given from a kit in stock (else lot and expiry are typed)."""
    return policy.mar_requires_stock_kit and clinic_keeps_stock


def _use_by(kit: KitFacts, policy: Policy) -> date:
    until = room_temperature_until(kit, policy)
    return kit.expiry if until is None else min(kit.expiry, until.date())


def pick_order(
    kits: Iterable[KitFacts], *, at: datetime, on: date, patient_id: int | None, policy: Policy
) -> list[KitFacts]:
    """The kits this patient may be given now, in the order to use them: the patient's own kit
    first, then first-expiring-first-out (the earlier of the expiry and the end of the time out
    of the refrigerator), a kit already out of the refrigerator before one still in it."""
    usable = [
        k for k in kits if not kit_problems(k, at=at, on=on, patient_id=patient_id, policy=policy)
    ]
    return sorted(
        usable,
        key=lambda k: (k.patient_id is None, _use_by(k, policy), k.first_out_at is None, k.kit_id),
    )


@dataclass(frozen=True, slots=True)
class StockStatus:
    """The stock as the clinic watches it: usable clinic kits (kept for no one patient), the
    reorder point and whether to reorder, and the expiry warning window in days (for the page)."""

    usable_clinic_stock: int
    reorder_point: int
    needs_reorder: bool
    expiry_warning_days: int


def stock_status(
    kits: Iterable[KitFacts], *, at: datetime, on: date, policy: Policy
) -> StockStatus:
    usable = sum(
        1 for k in kits if not kit_problems(k, at=at, on=on, patient_id=None, policy=policy)
    )
    return StockStatus(
        usable,
        policy.kit_reorder_point,
        needs_reorder(usable, policy),
        policy.kit_expiry_warning_days,
    )
