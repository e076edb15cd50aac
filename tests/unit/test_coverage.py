"""Part A A5 coverage and PDC, and the A6 risk windows."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from naltrack.clinical.coverage import (
    Administration,
    RiskKind,
    RiskWindow,
    clip,
    coverage,
    covered_segments,
    days_covered_by,
    merge_supply,
    risk_windows,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY, Policy
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


# --- boundary tables (Part A A5 coverage, A6 risk windows) ---------------------------------------

# A clinic policy that moves every coverage and risk number, so that a rule that reads the default
# instead of the policy it was given is noticed.
CLINIC = dataclasses.replace(
    DEFAULT_POLICY,
    version="clinic-test-1",
    injection_covered_days=30,
    injection_interval_days=30,
    injection_overdue_from_day=32,
    waning_from_day=26,
    implant_coverage_days=100,
    implant_replacement_lead_days=10,
    oral_mg_per_covered_day=25,
    pdc_adherent_min=0.5,
    post_treatment_risk_days=10,
)


@pytest.mark.parametrize(
    ("admin", "policy", "covered"),
    [
        (Administration(D0, ORAL, 49), DEFAULT_POLICY, 1),
        (Administration(D0, ORAL, 99), DEFAULT_POLICY, 1),
        (Administration(D0, ORAL, 100), DEFAULT_POLICY, 2),
        (Administration(D0, ORAL, 149.9), DEFAULT_POLICY, 2),
        (Administration(D0, ORAL), DEFAULT_POLICY, 1),
        (Administration(D0, ORAL, 50), CLINIC, 2),
        (Administration(D0, ORAL, 10), CLINIC, 1),
        (Administration(D0, ORAL), CLINIC, 1),
        (Administration(D0, XR, 380), DEFAULT_POLICY, 28),
        (Administration(D0, XR, 380), CLINIC, 30),
        (Administration(D0, IMPLANT), DEFAULT_POLICY, 90),
        (Administration(D0, IMPLANT), CLINIC, 100),
        (Administration(D0, IMPLANT, covered_days=120), DEFAULT_POLICY, 120),
        (Administration(D0, XR, 380, covered_days=14), DEFAULT_POLICY, 14),
        (Administration(D0, ORAL, 50, covered_days=0), DEFAULT_POLICY, 0),
    ],
)  # fmt: skip
def test_days_covered_by_one_dose(admin: Administration, policy: Policy, covered: int) -> None:
    """A5: an oral dose one day per 50 mg (at least its own day), an injection 28 days, an implant
    its coverage days; a product's own covered days win."""
    assert days_covered_by(admin, policy) == covered


@pytest.mark.parametrize(
    ("starts", "spans", "segments"),
    [
        ([], [], []),
        ([0], [28], [(0, 28)]),
        ([0, 27], [28, 28], [(0, 56)]),  # the day before supply ends: carried forward
        ([0, 28], [28, 28], [(0, 56)]),  # the first uncovered day itself: still one run
        ([0, 29], [28, 28], [(0, 28), (29, 57)]),  # a day later: a gap of one day
        ([0, 0, 5], [1, 1, 1], [(0, 2), (5, 6)]),
        ([0, 1, 2, 10], [1, 1, 1, 3], [(0, 3), (10, 13)]),
    ],
)
def test_supply_carries_forward_until_a_day_is_uncovered(
    starts: list[int], spans: list[int], segments: list[tuple[int, int]]
) -> None:
    assert merge_supply(starts, spans) == segments


def test_doses_are_merged_in_date_order_whatever_order_they_come_in() -> None:
    assert covered_segments([oral(5), xr(0), oral(1)]) == [(D0, D0 + days(30))]
    assert covered_segments([oral(40), xr(0)], CLINIC) == [
        (D0, D0 + days(30)), (D0 + days(40), D0 + days(42)),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("segments", "first", "last", "covered", "gaps"),
    [
        ([(0, 10)], 10, 19, 0, [(10, 19)]),  # ends on the period's first day: nothing inside
        ([(0, 11)], 10, 19, 1, [(11, 19)]),
        ([(19, 25)], 10, 19, 1, [(10, 18)]),  # starts on the period's last day
        ([(20, 25)], 10, 19, 0, [(10, 19)]),  # starts the day after
        ([(10, 20)], 10, 19, 10, []),
        ([(5, 12), (12, 14), (15, 30)], 10, 19, 9, [(14, 14)]),
        ([(11, 12), (13, 14)], 10, 19, 2, [(10, 10), (12, 12), (14, 19)]),
        ([(0, 5), (8, 9)], 10, 19, 0, [(10, 19)]),
    ],
)
def test_clip_counts_covered_days_and_inclusive_gaps_inside_the_period(
    segments: list[tuple[int, int]],
    first: int,
    last: int,
    covered: int,
    gaps: list[tuple[int, int]],
) -> None:
    assert clip(segments, first, last) == (covered, gaps)


def test_a_one_day_period_is_allowed() -> None:
    report = coverage([oral(0)], D0, D0)
    assert (report.days_in_period, report.days_covered, report.pdc, report.gaps) == (1, 1, 1.0, ())


@pytest.mark.parametrize(("covered_days", "adherent"), [(14, False), (15, True), (16, True)])
def test_adherence_follows_the_clinic_pdc_threshold(covered_days: int, adherent: bool) -> None:
    # 15 of 30 days is exactly the clinic's 0.5; a 25 mg dose covers one day under its policy.
    report = coverage([oral(i, 25) for i in range(covered_days)], D0, D0 + days(29), CLINIC)
    assert report.days_covered == covered_days
    assert (report.adherent, report.policy) == (adherent, "clinic-test-1")


def test_coverage_report_as_json() -> None:
    report = coverage([xr(-10), oral(25)], D0, D0 + days(29))
    assert report.as_dict() == {
        "period_start": "2026-01-01",
        "period_end": "2026-01-30",
        "days_in_period": 30,
        "days_covered": 19,
        "pdc": 0.6333,
        "adherent": False,
        "gaps": [
            {"start": "2026-01-19", "end": "2026-01-25", "days": 7},
            {"start": "2026-01-27", "end": "2026-01-30", "days": 4},
        ],
        "coverage_ends": "2026-01-27",
        "policy": DEFAULT_POLICY.version,
    }


def test_coverage_report_as_json_without_any_dose() -> None:
    got = coverage([], D0, D0).as_dict()
    assert (got["coverage_ends"], got["pdc"], got["gaps"]) == (
        None, 0.0, [{"start": "2026-01-01", "end": "2026-01-01", "days": 1}],
    )  # fmt: skip


def test_period_end_before_start_says_so() -> None:
    with pytest.raises(InputError) as err:
        coverage([], D0, D0 - days(1))
    assert err.value.message == "is before period_start"


@pytest.mark.parametrize(
    ("start", "end", "day", "inside"),
    [(5, 7, 4, False), (5, 7, 5, True), (5, 7, 7, True), (5, 7, 8, False),
     (5, None, 4, False), (5, None, 5, True), (5, None, 500, True)],
)  # fmt: skip
def test_a_risk_window_contains_its_first_and_last_day(
    start: int, end: int | None, day: int, inside: bool
) -> None:
    window = RiskWindow(
        RiskKind.ORAL_GAP, D0 + days(start), D0 + days(end) if end is not None else None, "m"
    )
    assert window.contains(D0 + days(day)) is inside


def windows_on(admins: list[Administration], day: int, **kw: Any) -> list[dict[str, object]]:
    return [w.as_dict() for w in risk_windows(admins, D0 + days(day), **kw)]


def test_waning_and_overdue_windows_say_when_and_why() -> None:
    """A6: waning from day 25 with no injection booked by day 28; overdue from day 29."""
    assert windows_on([xr(0)], 25) == [
        {
            "kind": "blockade_waning",
            "start": "2026-01-26",
            "end": "2026-01-29",
            "message": "Injection of 2026-01-01 is wearing off (due 2026-01-29) and no next "
            "injection is booked by then.",
        }
    ]
    assert windows_on([xr(0)], 29) == [
        {
            "kind": "injection_overdue",
            "start": "2026-01-30",
            "end": None,
            "message": "Injection overdue since 2026-01-30 (last 2026-01-01): the label's "
            "high-risk time for fatal overdose.",
        }
    ]


@pytest.mark.parametrize(
    ("day", "kinds"),
    [(25, []), (26, [RiskKind.BLOCKADE_WANING]), (31, [RiskKind.BLOCKADE_WANING]),
     (32, [RiskKind.INJECTION_OVERDUE])],
)  # fmt: skip
def test_injection_risk_windows_follow_the_clinic_policy(day: int, kinds: list[RiskKind]) -> None:
    assert [w.kind for w in risk_windows([xr(0)], D0 + days(day), CLINIC)] == kinds


@pytest.mark.parametrize(("booked", "waning"), [(29, False), (30, False), (31, True)])
def test_a_booking_silences_waning_up_to_the_clinic_due_day(booked: int, waning: bool) -> None:
    windows = risk_windows([xr(0)], D0 + days(27), CLINIC, next_injection_booked=D0 + days(booked))
    assert bool(windows) is waning


def test_the_latest_dose_decides_which_windows_apply() -> None:
    # An oral dose after an injection: the oral gap applies, not the injection's overdue window.
    assert [w.kind for w in risk_windows([xr(0), oral(40)], D0 + days(45))] == [RiskKind.ORAL_GAP]
    assert [w.kind for w in risk_windows([oral(40), xr(0)], D0 + days(45))] == [RiskKind.ORAL_GAP]


def test_a_dose_given_on_the_day_itself_counts() -> None:
    assert risk_windows([xr(0), xr(30)], D0 + days(30)) == []


@pytest.mark.parametrize(("day", "active"), [(29, False), (30, True), (39, True), (40, False)])
def test_post_treatment_window_follows_the_clinic_policy(day: int, active: bool) -> None:
    windows = risk_windows([xr(0)], D0 + days(day), CLINIC, treatment_stopped=True)
    assert bool(windows) is active


def test_post_treatment_window_says_tolerance_is_gone() -> None:
    assert windows_on([xr(0)], 30, treatment_stopped=True) == [
        {
            "kind": "post_treatment",
            "start": "2026-01-29",
            "end": "2026-02-27",
            "message": "Treatment stopped; the blockade ended 2026-01-29. Tolerance is gone: "
            "a previously tolerated opioid dose can be fatal.",
        }
    ]


@pytest.mark.parametrize(
    ("day", "kinds"),
    [(75, []), (76, [RiskKind.IMPLANT_REPLACEMENT_DUE]), (89, [RiskKind.IMPLANT_REPLACEMENT_DUE]),
     (90, [RiskKind.IMPLANT_EXPIRED])],
)  # fmt: skip
def test_implant_windows_open_14_days_before_coverage_ends(day: int, kinds: list[RiskKind]) -> None:
    assert [w.kind for w in risk_windows([Administration(D0, IMPLANT)], D0 + days(day))] == kinds


def test_implant_windows_say_when_coverage_ends_and_follow_the_clinic_policy() -> None:
    implant = [Administration(D0, IMPLANT)]
    assert windows_on(implant, 76) == [
        {
            "kind": "implant_replacement_due",
            "start": "2026-03-18",
            "end": "2026-03-31",
            "message": "Implant coverage ends 2026-04-01; replacement due from 2026-03-18.",
        }
    ]
    assert windows_on(implant, 90) == [
        {
            "kind": "implant_expired",
            "start": "2026-04-01",
            "end": None,
            "message": "Implant coverage ended 2026-04-01: the blockade is waning.",
        }
    ]
    assert [w.kind for w in risk_windows(implant, D0 + days(89), CLINIC)] == []
    assert [w.kind for w in risk_windows(implant, D0 + days(90), CLINIC)] == [
        RiskKind.IMPLANT_REPLACEMENT_DUE
    ]
    assert [w.kind for w in risk_windows(implant, D0 + days(100), CLINIC)] == [
        RiskKind.IMPLANT_EXPIRED
    ]


def test_oral_gap_window_names_the_first_uncovered_day() -> None:
    assert windows_on([oral(0, 100)], 2) == [
        {
            "kind": "oral_gap",
            "start": "2026-01-03",
            "end": None,
            "message": "No oral dose covers the days since 2026-01-03.",
        }
    ]
    assert windows_on([oral(0, 50)], 1, policy=CLINIC) == []  # 50 mg covers 2 days at 25 mg/day


def test_supply_days_must_pair_with_dose_days() -> None:
    with pytest.raises(ValueError):
        merge_supply([0, 5], [28])


def test_the_care_status_window_is_the_last_90_days_never_before_the_first_dose() -> None:
    from naltrack.clinical.coverage import STATUS_WINDOW_DAYS, status_period_start

    on = date(2026, 11, 27)
    assert STATUS_WINDOW_DAYS == 90
    # 90 days ending today, both included: the first is 89 days back.
    assert status_period_start(date(2026, 1, 1), on) == date(2026, 8, 30)
    assert (on - status_period_start(date(2026, 1, 1), on)).days + 1 == 90
    # A first dose inside the window starts the period.
    assert status_period_start(date(2026, 10, 1), on) == date(2026, 10, 1)
    assert status_period_start(date(2026, 8, 31), on) == date(2026, 8, 31)
    assert status_period_start(date(2026, 8, 29), on) == date(2026, 8, 30)


# ---- retention from coverage (Part B 9; NQF 3175 style) -----------------------------------------


def _xr(*offsets: int) -> list[Administration]:
    return [Administration(D0 + days(k), XR) for k in offsets]


def test_retention_counts_coverage_not_an_open_episode() -> None:
    from naltrack.clinical.coverage import gap_allowed, retained

    assert gap_allowed(DEFAULT_POLICY) == DEFAULT_POLICY.continuity_gap_allowed_days == 7
    # Injections every 28 days cover days 0..111: retained at day 90, not at day 180.
    monthly = _xr(0, 28, 56, 84)
    assert retained(monthly, D0, 90)
    assert not retained(monthly, D0, 180)
    # One injection covers days 0..27; the window of 35 days leaves a 7-day run at its end: allowed.
    assert retained(_xr(0), D0, 35)
    # A window of 36 days leaves 8 uncovered days: continuity broken.
    assert not retained(_xr(0), D0, 36)
    # No dose at all in the window: the whole window is one gap.
    assert not retained([], D0, 30)
    assert retained([], D0, 7)
    assert not retained([], D0, 8)


def test_a_gap_inside_the_window_breaks_continuity_only_when_longer_than_allowed() -> None:
    from naltrack.clinical.coverage import retained

    # Covered 0..27, uncovered 28..34 (7 days), covered again from 35.
    assert retained(_xr(0, 35, 63, 91), D0, 90)
    # Uncovered 28..35 (8 days).
    assert not retained(_xr(0, 36, 64, 92), D0, 90)
    strict = dataclasses.replace(DEFAULT_POLICY, continuity_gap_allowed_days=0)
    assert retained(_xr(0, 28, 56, 84), D0, 90, strict)
    assert not retained(_xr(0, 29, 57, 85), D0, 90, strict)
    # After the last injection's cover (days 35..62) ends, the run to the window's end counts.
    assert retained(_xr(0, 35), D0, 70)
    assert not retained(_xr(0, 35), D0, 71)
    # The window starts at the first dose given, whatever came before it.
    assert not retained(_xr(0, 35), D0 + days(10), 70)
    assert retained(_xr(0, 35), D0 + days(10), 60)


def test_retention_needs_a_window_of_at_least_one_day() -> None:
    from naltrack.clinical.coverage import retained

    assert retained(_xr(0), D0, 1)
    with pytest.raises(InputError) as refused:
        retained(_xr(0), D0, 0)
    assert refused.value.field == "days" and refused.value.message == "must be at least 1"


def test_retention_reads_the_clinics_coverage_days() -> None:
    from naltrack.clinical.coverage import retained

    # With 31 covered days an injection (a setting), day 38's window ends 7 days after the cover.
    month = dataclasses.replace(DEFAULT_POLICY, injection_covered_days=31)
    assert retained(_xr(0), D0, 38, month)
    assert not retained(_xr(0), D0, 38)
