"""Injection kits (clinical/inventory.py): usable at the boundaries of expiry and time out of the
refrigerator (fact sheet 2.3: at most 7 days unrefrigerated), warnings, reorder, the pick order."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from naltrack.clinical.inventory import (
    KitFacts,
    KitRefusal,
    KitState,
    StockStatus,
    expiring_soon,
    kit_problems,
    nearing_room_temperature_limit,
    needs_reorder,
    pick_order,
    room_temperature_until,
    stock_kit_required,
    stock_status,
)
from naltrack.clinical.policy import DEFAULT_POLICY, Policy

ON = date(2026, 11, 27)
AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
P = DEFAULT_POLICY
KIT = KitFacts(kit_id=1, lot="L1", expiry=date(2027, 3, 1), state=KitState.REFRIGERATED)


def codes(kit: KitFacts, *, at: datetime = AT, on: date = ON, patient_id: int | None = 7,
          policy: Policy = P) -> set[KitRefusal]:  # fmt: skip
    return {p.code for p in kit_problems(kit, at=at, on=on, patient_id=patient_id, policy=policy)}


def test_a_fresh_refrigerated_kit_is_usable() -> None:
    assert codes(KIT) == set()


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        (ON - timedelta(days=1), {KitRefusal.EXPIRED}),  # expired the day before
        (ON, set()),  # usable on its expiry day
        (ON + timedelta(days=1), set()),
    ],
    ids=["day_before", "expiry_day", "day_after"],
)
def test_expiry_day_is_the_last_usable_day(expiry: date, expected: set[KitRefusal]) -> None:
    assert codes(replace(KIT, expiry=expiry)) == expected


def test_expired_message_names_the_kit_field_and_day() -> None:
    (problem,) = kit_problems(replace(KIT, expiry=date(2026, 11, 1)), at=AT, on=ON, patient_id=None,
                              policy=P)  # fmt: skip
    assert problem.field == "kit"
    assert problem.message == "this kit expired on 2026-11-01: do not use it"


@pytest.mark.parametrize(
    ("out_for", "expected"),
    [
        (timedelta(days=7) - timedelta(seconds=1), set()),
        (timedelta(days=7), set()),  # exactly 7 days out: still within the label's limit
        (timedelta(days=7, seconds=1), {KitRefusal.OUT_TOO_LONG}),
    ],
    ids=["just_under_7_days", "exactly_7_days", "just_over_7_days"],
)
def test_seven_days_out_of_the_refrigerator(out_for: timedelta, expected: set[KitRefusal]) -> None:
    kit = replace(KIT, state=KitState.ROOM_TEMPERATURE, first_out_at=AT - out_for)
    assert codes(kit) == expected


def test_back_in_the_refrigerator_does_not_restart_the_clock() -> None:
    kit = replace(KIT, state=KitState.REFRIGERATED, first_out_at=AT - timedelta(days=8))
    assert codes(kit) == {KitRefusal.OUT_TOO_LONG}


def test_out_too_long_message_gives_the_limit_and_since() -> None:
    kit = replace(KIT, state=KitState.ROOM_TEMPERATURE,
                  first_out_at=datetime(2026, 11, 1, 9, 30, tzinfo=UTC))  # fmt: skip
    (problem,) = kit_problems(kit, at=AT, on=ON, patient_id=None, policy=P)
    assert problem.message == (
        "this kit has been out of the refrigerator more than 7 days (since 2026-11-01 09:30): "
        "do not use it"
    )
    assert problem.field == "kit"


def test_the_limit_follows_the_policy() -> None:
    kit = replace(KIT, state=KitState.ROOM_TEMPERATURE, first_out_at=AT - timedelta(days=3))
    assert codes(kit, policy=replace(P, kit_room_temperature_max_days=2)) == {
        KitRefusal.OUT_TOO_LONG
    }
    assert room_temperature_until(kit, P) == AT + timedelta(days=4)
    assert room_temperature_until(KIT, P) is None


@pytest.mark.parametrize("state", [KitState.DISPENSED, KitState.WASTED])
def test_a_dispensed_or_wasted_kit_is_not_in_stock(state: KitState) -> None:
    (problem,) = kit_problems(replace(KIT, state=state), at=AT, on=ON, patient_id=7, policy=P)
    assert problem.code == KitRefusal.NOT_IN_STOCK
    assert problem.message == f"this kit was already {state.value}"


def test_a_kit_at_room_temperature_within_the_limit_is_in_stock() -> None:
    kit = replace(KIT, state=KitState.ROOM_TEMPERATURE, first_out_at=AT)
    assert codes(kit) == set()


def test_a_patients_own_kit_only_for_that_patient() -> None:
    own = replace(KIT, patient_id=7)
    assert codes(own, patient_id=7) == set()
    assert codes(own, patient_id=8) == {KitRefusal.OTHER_PATIENT}
    assert codes(own, patient_id=None) == {KitRefusal.OTHER_PATIENT}
    assert codes(KIT, patient_id=None) == set()  # clinic stock for anyone
    (problem,) = kit_problems(own, at=AT, on=ON, patient_id=8, policy=P)
    assert problem.message == "this kit is kept for another patient"


@pytest.mark.parametrize(
    ("days", "expected"),
    [(-1, False), (0, True), (60, True), (61, False)],
    ids=["expired", "expiry_day", "at_warning", "past_warning"],
)
def test_expiring_soon(days: int, expected: bool) -> None:
    assert expiring_soon(replace(KIT, expiry=ON + timedelta(days=days)), ON, P) is expected


def test_expiring_soon_only_in_stock() -> None:
    kit = replace(KIT, expiry=ON, state=KitState.DISPENSED)
    assert expiring_soon(kit, ON, P) is False
    assert expiring_soon(replace(kit, state=KitState.ROOM_TEMPERATURE), ON, P) is True


@pytest.mark.parametrize(
    ("out_for", "expected"),
    [
        (timedelta(days=5) - timedelta(seconds=1), False),  # 48 h and a second left
        (timedelta(days=5), True),  # exactly 48 h left
        (timedelta(days=7), True),  # the last moment
        (timedelta(days=7, seconds=1), False),  # over: refused, not "nearing"
    ],
    ids=["before_warning", "at_warning", "last_moment", "over"],
)
def test_nearing_the_room_temperature_limit(out_for: timedelta, expected: bool) -> None:
    kit = replace(KIT, state=KitState.ROOM_TEMPERATURE, first_out_at=AT - out_for)
    assert nearing_room_temperature_limit(kit, AT, P) is expected


def test_nearing_needs_a_kit_out_and_in_stock() -> None:
    assert nearing_room_temperature_limit(KIT, AT, P) is False
    out = replace(KIT, state=KitState.DISPENSED, first_out_at=AT - timedelta(days=6))
    assert nearing_room_temperature_limit(out, AT, P) is False
    assert nearing_room_temperature_limit(replace(out, state=KitState.REFRIGERATED), AT, P) is True


@pytest.mark.parametrize(("count", "expected"), [(3, True), (4, True), (5, False)])
def test_reorder_at_or_below_the_reorder_point(count: int, expected: bool) -> None:
    assert needs_reorder(count, P) is expected


def test_stock_kit_required_when_the_clinic_keeps_stock_and_the_setting_says_so() -> None:
    assert stock_kit_required(P, clinic_keeps_stock=True) is True
    assert stock_kit_required(P, clinic_keeps_stock=False) is False
    off = replace(P, mar_requires_stock_kit=False)
    assert stock_kit_required(off, clinic_keeps_stock=True) is False


def test_pick_order_own_kit_first_then_first_expiring() -> None:
    later = replace(KIT, kit_id=1, expiry=date(2027, 6, 1))
    sooner = replace(KIT, kit_id=2, expiry=date(2027, 1, 1))
    own = replace(KIT, kit_id=3, expiry=date(2027, 9, 1), patient_id=7)
    others = replace(KIT, kit_id=4, expiry=date(2026, 12, 1), patient_id=8)
    expired = replace(KIT, kit_id=5, expiry=date(2026, 11, 1))
    picked = pick_order([later, sooner, own, others, expired], at=AT, on=ON, patient_id=7, policy=P)
    assert [k.kit_id for k in picked] == [3, 2, 1]


def test_pick_order_counts_the_time_out_as_a_use_by_day() -> None:
    fridge = replace(KIT, kit_id=1, expiry=date(2026, 12, 10))
    out = replace(KIT, kit_id=2, expiry=date(2027, 6, 1), state=KitState.ROOM_TEMPERATURE,
                  first_out_at=AT - timedelta(days=1))  # usable until 2026-12-03  # fmt: skip
    assert [k.kit_id for k in pick_order([fridge, out], at=AT, on=ON, patient_id=7, policy=P)] == [
        2,
        1,
    ]


def test_pick_order_same_day_out_before_fridge_then_by_id() -> None:
    day = date(2026, 12, 3)
    fridge_b = replace(KIT, kit_id=9, expiry=day)
    fridge_a = replace(KIT, kit_id=8, expiry=day)
    out = replace(KIT, kit_id=10, expiry=date(2027, 6, 1), state=KitState.ROOM_TEMPERATURE,
                  first_out_at=AT - timedelta(days=1))  # fmt: skip
    picked = pick_order([fridge_b, out, fridge_a], at=AT, on=ON, patient_id=None, policy=P)
    assert [k.kit_id for k in picked] == [10, 8, 9]


def test_stock_status_counts_usable_clinic_kits_only() -> None:
    kits = [
        KIT,
        replace(KIT, kit_id=2, patient_id=7),  # kept for a patient
        replace(KIT, kit_id=3, expiry=ON - timedelta(days=1)),  # expired
        replace(KIT, kit_id=4, state=KitState.DISPENSED),
        replace(KIT, kit_id=5, state=KitState.ROOM_TEMPERATURE, first_out_at=AT),
    ]
    status = stock_status(kits, at=AT, on=ON, policy=P)
    assert status == StockStatus(2, 4, True, 60)
    policy = replace(P, kit_reorder_point=1, kit_expiry_warning_days=30)
    assert stock_status(kits, at=AT, on=ON, policy=policy) == StockStatus(2, 1, False, 30)


def test_a_kit_is_usable_through_its_expiry_day() -> None:
    from naltrack.clinical.inventory import expired

    day = date(2026, 11, 27)
    assert not expired(day, day)
    assert expired(day, day + timedelta(days=1))
    assert not expired(day, day - timedelta(days=1))
