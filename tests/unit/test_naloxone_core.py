"""Naloxone kits (clinical/naloxone.py): on hand on a day (the day before / of / after the last
day a kit counts), whether a lot may be handed out, the reorder point, and the coverage figure on a
small known set."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from naltrack.clinical.naloxone import (
    ActivePatient,
    Fact,
    FactKind,
    OnHand,
    Share,
    StockProblem,
    counts_from,
    counts_until,
    coverage,
    hand_out_problem,
    lot_usable,
    needs_reorder,
    on_hand,
)
from naltrack.clinical.policy import DEFAULT_POLICY

D0 = date(2026, 1, 1)
OUT, HAS, NO = FactKind.HANDED_OUT, FactKind.HAS_ONE, FactKind.DECLINED
P30 = dataclasses.replace(DEFAULT_POLICY, naloxone_on_hand_valid_days=30, version="t")


def test_default_settings() -> None:
    assert DEFAULT_POLICY.naloxone_on_hand_valid_days == 365
    assert DEFAULT_POLICY.naloxone_reorder_point == 10


def test_counts_until_the_valid_days_after_the_fact() -> None:
    assert counts_until(D0, P30) == D0 + timedelta(days=30)
    assert counts_until(D0, DEFAULT_POLICY) == D0 + timedelta(days=365)


def test_counts_from_is_the_first_day_that_still_counts() -> None:
    day = D0 + timedelta(days=100)
    assert counts_from(day, P30) == day - timedelta(days=30)
    assert on_hand([Fact(counts_from(day, P30), OUT)], day, P30).on_hand is True
    assert (
        on_hand([Fact(counts_from(day, P30) - timedelta(days=1), OUT)], day, P30).on_hand is False
    )


@pytest.mark.parametrize(("after", "expected"), [(0, True), (29, True), (30, True), (31, False)])
@pytest.mark.parametrize("kind", [OUT, HAS], ids=str)
def test_a_kit_counts_through_the_last_valid_day(
    kind: FactKind, after: int, expected: bool
) -> None:
    got = on_hand([Fact(D0, kind)], D0 + timedelta(days=after), P30)
    assert got == OnHand(expected, D0, D0 + timedelta(days=30), None)


def test_nothing_recorded_is_not_on_hand() -> None:
    assert on_hand([], D0, P30) == OnHand(False, None, None, None)


def test_a_refusal_never_counts_and_is_reported() -> None:
    assert on_hand([Fact(D0, NO)], D0, P30) == OnHand(False, None, None, D0)


def test_a_later_refusal_keeps_the_kit_the_patient_has() -> None:
    got = on_hand([Fact(D0, OUT), Fact(D0 + timedelta(days=3), NO)], D0 + timedelta(days=5), P30)
    assert got == OnHand(True, D0, D0 + timedelta(days=30), D0 + timedelta(days=3))


def test_the_latest_kit_counts_whatever_the_order_given() -> None:
    late = D0 + timedelta(days=20)
    facts = [Fact(late, HAS), Fact(D0, OUT), Fact(D0 - timedelta(days=5), NO), Fact(D0, NO)]
    got = on_hand(facts, D0 + timedelta(days=40), P30)
    assert got == OnHand(True, late, late + timedelta(days=30), D0)


def test_a_fact_after_the_day_is_not_known_yet() -> None:
    facts = [Fact(D0 + timedelta(days=1), OUT), Fact(D0 + timedelta(days=1), NO)]
    assert on_hand(facts, D0, P30) == OnHand(False, None, None, None)
    assert on_hand(facts, D0 + timedelta(days=1), P30).on_hand is True


def test_an_old_kit_still_names_its_day() -> None:
    got = on_hand([Fact(D0, OUT)], D0 + timedelta(days=31), P30)
    assert (got.on_hand, got.since, got.until) == (False, D0, D0 + timedelta(days=30))


@pytest.mark.parametrize(("after", "expected"), [(-1, True), (0, True), (1, False)])
def test_a_lot_is_usable_through_its_expiry_day(after: int, expected: bool) -> None:
    assert lot_usable(D0, D0 + timedelta(days=after)) is expected


@pytest.mark.parametrize(
    ("day_after", "remaining", "count", "expected"),
    [
        (0, 2, 2, None),
        (0, 2, 1, None),
        (0, 2, 3, StockProblem.NOT_ENOUGH),
        (0, 0, 1, StockProblem.NOT_ENOUGH),
        (1, 5, 1, StockProblem.EXPIRED),
        (1, 0, 1, StockProblem.EXPIRED),  # expired is said first
    ],
)
def test_hand_out_problem(
    day_after: int, remaining: int, count: int, expected: StockProblem | None
) -> None:
    assert hand_out_problem(D0, remaining, count, D0 + timedelta(days=day_after)) == expected


@pytest.mark.parametrize(("kits", "expected"), [(9, True), (10, True), (11, False), (0, True)])
def test_reorder_at_or_below_the_point(kits: int, expected: bool) -> None:
    assert needs_reorder(kits, DEFAULT_POLICY) is expected


def test_share_of_nobody_is_none() -> None:
    assert Share(0, 0).share is None
    assert Share(1, 4).share == 0.25
    assert Share(3, 3).share == 1.0


def test_coverage_on_a_known_set() -> None:
    day = D0 + timedelta(days=40)
    patients = [
        ActivePatient("A", "xr_injection", (Fact(D0 + timedelta(days=20), OUT),)),  # on hand
        ActivePatient("B", "xr_injection", (Fact(D0, OUT),)),  # counted through day 30: not
        ActivePatient("C", "oral", (Fact(day, HAS),)),  # reported today: on hand
        ActivePatient("D", "oral", (Fact(day, NO),)),  # declined: not
        ActivePatient("E", "xr_injection", ()),  # nothing: not
        ActivePatient("F", "xr_injection", (Fact(day - timedelta(days=30), HAS),)),  # the last day
    ]
    got = coverage(patients, day, P30)
    assert got.day == day
    assert got.overall == Share(3, 6)
    assert got.overall.share == 0.5
    assert dict(got.by_group) == {"xr_injection": Share(2, 4), "oral": Share(1, 2)}
    assert list(got.by_group) == ["xr_injection", "oral"]
    assert got.without == ("B", "D", "E")


def test_coverage_of_nobody() -> None:
    got = coverage([], D0, P30)
    assert got.overall == Share(0, 0)
    assert dict(got.by_group) == {}
    assert got.without == ()


def test_a_group_with_nobody_covered_still_shows() -> None:
    got = coverage([ActivePatient("A", "implant", ())], D0, P30)
    assert dict(got.by_group) == {"implant": Share(0, 1)}
