"""Part A A5 coverage and PDC, and the A6 risk windows."""

from __future__ import annotations

from datetime import date

import pytest

from naltrack.clinical.coverage import Administration, RiskKind, coverage, risk_windows
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Formulation
from tests.builders import days

D0 = date(2026, 1, 1)
ORAL, XR, IMPLANT = Formulation.ORAL, Formulation.XR_INJECTION, Formulation.IMPLANT


def oral(day: int, mg: float = 50) -> Administration:
    return Administration(D0 + days(day), ORAL, mg)


def xr(day: int) -> Administration:
    return Administration(D0 + days(day), XR, 380)


@pytest.mark.parametrize(("mg", "covered"), [(25, 1), (50, 1), (100, 2), (150, 3)])
def test_oral_dose_covers_one_day_per_50_mg(mg: float, covered: int) -> None:
    report = coverage([oral(0, mg)], D0, D0 + days(9))
    assert report.days_covered == covered


def test_injection_covers_28_days_and_the_gap_starts_on_day_28() -> None:
    report = coverage([xr(0)], D0, D0 + days(29))
    assert report.days_covered == 28
    assert [(g.start, g.end) for g in report.gaps] == [(D0 + days(28), D0 + days(29))]
    assert report.coverage_ends == D0 + days(28)


def test_overlapping_supply_carries_forward() -> None:
    # Two daily doses on the same day cover two days; an early injection adds its days at the end.
    assert coverage([oral(0), oral(0)], D0, D0 + days(9)).days_covered == 2
    report = coverage([xr(0), xr(21)], D0, D0 + days(99))
    assert report.days_covered == 56
    assert report.coverage_ends == D0 + days(56)


def test_supply_from_before_the_period_counts_and_supply_after_it_does_not() -> None:
    report = coverage([xr(-10), xr(40)], D0, D0 + days(29))
    assert report.days_covered == 18
    assert report.pdc == pytest.approx(18 / 30)


@pytest.mark.parametrize(("covered_days", "adherent"), [(23, False), (24, True), (25, True)])
def test_pdc_of_0_80_is_adherent(covered_days: int, adherent: bool) -> None:
    # 24 of 30 days is exactly 0.80 (Part A A5: 0.80 and over counts as adherent).
    report = coverage([oral(i) for i in range(covered_days)], D0, D0 + days(29))
    assert report.pdc == pytest.approx(covered_days / 30)
    assert report.adherent is adherent


def test_gaps_are_inclusive_runs() -> None:
    report = coverage([oral(0), oral(1), oral(5)], D0, D0 + days(6))
    assert [(g.start.day, g.end.day, g.days) for g in report.gaps] == [(3, 5, 3), (7, 7, 1)]


def test_no_administrations_is_zero_coverage() -> None:
    report = coverage([], D0, D0 + days(9))
    assert (report.days_covered, report.pdc, report.coverage_ends) == (0, 0.0, None)
    assert len(report.gaps) == 1


def test_period_end_before_start_is_refused() -> None:
    with pytest.raises(InputError) as err:
        coverage([], D0, D0 - days(1))
    assert err.value.field == "period_end"


@pytest.mark.parametrize(
    ("day", "kinds"),
    [
        (24, []),
        (25, [RiskKind.BLOCKADE_WANING]),
        (28, [RiskKind.BLOCKADE_WANING]),
        (29, [RiskKind.INJECTION_OVERDUE]),
        (60, [RiskKind.INJECTION_OVERDUE]),
    ],
)
def test_injection_risk_windows(day: int, kinds: list[RiskKind]) -> None:
    assert [w.kind for w in risk_windows([xr(0)], D0 + days(day))] == kinds


@pytest.mark.parametrize(("booked", "waning"), [(28, False), (29, True), (None, True)])
def test_waning_is_silenced_only_by_a_booking_on_or_before_the_due_day(
    booked: int | None, waning: bool
) -> None:
    booking = D0 + days(booked) if booked is not None else None
    windows = risk_windows([xr(0)], D0 + days(26), next_injection_booked=booking)
    assert bool(windows) is waning


@pytest.mark.parametrize(("day", "active"), [(27, False), (28, True), (57, True), (58, False)])
def test_post_treatment_window_lasts_30_days_after_coverage_ends(day: int, active: bool) -> None:
    windows = risk_windows([xr(0)], D0 + days(day), treatment_stopped=True)
    assert [w.kind for w in windows] == ([RiskKind.POST_TREATMENT] if active else [])


def test_implant_windows() -> None:
    implant = [Administration(D0, IMPLANT)]
    assert risk_windows(implant, D0 + days(75)) == []
    assert [w.kind for w in risk_windows(implant, D0 + days(76))] == [
        RiskKind.IMPLANT_REPLACEMENT_DUE
    ]
    assert [w.kind for w in risk_windows(implant, D0 + days(90))] == [RiskKind.IMPLANT_EXPIRED]


def test_oral_gap_window_opens_when_supply_runs_out() -> None:
    assert risk_windows([oral(0)], D0) == []
    assert [w.kind for w in risk_windows([oral(0)], D0 + days(1))] == [RiskKind.ORAL_GAP]


def test_future_administrations_are_ignored_on_the_day() -> None:
    assert risk_windows([xr(40)], D0 + days(10)) == []
