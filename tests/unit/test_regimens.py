"""Part A A5: regimens as data, schedules, refusals and the late-injection tiers."""

from __future__ import annotations

from datetime import date

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.regimens import (
    InjectionTier,
    ScheduleRequest,
    build_schedule,
    injection_timing,
    regimens,
)
from naltrack.clinical.vocab import Indication, Side
from tests.builders import days

MONDAY = date(2026, 11, 23)
OUD = frozenset({Indication.OUD})
AUD = frozenset({Indication.AUD})


def test_injection_schedule_every_28_days_alternating_from_the_last_side() -> None:
    s = build_schedule(
        ScheduleRequest("xr_injection", MONDAY, OUD, count=4, last_injection_side=Side.LEFT)
    )
    assert [d.date for d in s.doses] == [MONDAY + days(28 * i) for i in range(4)]
    assert [d.side for d in s.doses] == [Side.RIGHT, Side.LEFT, Side.RIGHT, Side.LEFT]
    assert all(d.mg == 380 for d in s.doses)
    second = s.doses[1]
    assert (second.earliest_date, second.due_date, second.overdue_from) == (
        MONDAY + days(21), MONDAY + days(28), MONDAY + days(29),
    )  # fmt: skip


def test_default_horizon_is_the_180_day_plan_target() -> None:
    s = build_schedule(ScheduleRequest("xr_injection", MONDAY, OUD))
    assert s.doses[-1].date <= MONDAY + days(179) < s.doses[-1].date + days(28)
    assert len(s.doses) == 7


def test_oral_daily_oud_induction_starts_with_25_mg() -> None:
    s = build_schedule(ScheduleRequest("oral_daily", MONDAY, OUD, count=3, induction=True))
    assert [d.mg for d in s.doses] == [25, 50, 50]
    aud = build_schedule(ScheduleRequest("oral_daily", MONDAY, AUD, count=2, induction=True))
    assert [d.mg for d in aud.doses] == [50, 50]


def test_three_times_a_week_is_100_100_150_on_mon_wed_fri() -> None:
    s = build_schedule(ScheduleRequest("oral_mwf", MONDAY, OUD, until=MONDAY + days(6)))
    assert [(d.date.strftime("%a"), d.mg) for d in s.doses] == [
        ("Mon", 100),
        ("Wed", 100),
        ("Fri", 150),
    ]
    assert s.weekly_total_mg == 350


@pytest.mark.parametrize(
    "code",
    ["oral_daily", "oral_mwf", "oral_weekdays_sat", "oral_every_other_day", "oral_every_third_day"],
)
def test_every_label_oral_schedule_totals_350_mg_a_week(code: str) -> None:
    s = build_schedule(ScheduleRequest(code, MONDAY, AUD, until=MONDAY + days(41)))  # six weeks
    assert s.weekly_total_mg == 350
    assert sum(d.mg or 0 for d in s.doses) == 6 * 350


def test_custom_schedule_not_totalling_350_is_refused_without_a_reason() -> None:
    wrong = {"mon": 50, "wed": 50, "fri": 100}  # the 200 mg error of disagreement register 7
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_custom", MONDAY, AUD, weekly_mg=wrong))
    assert err.value.field == "weekly_mg"
    ok = build_schedule(
        ScheduleRequest("oral_custom", MONDAY, AUD, weekly_mg=wrong, reason="liver: lower exposure")
    )
    assert ok.weekly_total_mg == 200
    assert "liver: lower exposure" in ok.notes[0]


def test_custom_interval_schedule_is_checked_the_same_way() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_custom", MONDAY, AUD, every_days=2, dose_mg=50))
    assert err.value.field == "dose_mg"
    s = build_schedule(
        ScheduleRequest("oral_custom", MONDAY, AUD, every_days=2, dose_mg=100, count=3)
    )
    assert [d.date for d in s.doses] == [MONDAY, MONDAY + days(2), MONDAY + days(4)]


def test_targeted_dosing_is_refused_for_oud_and_allowed_for_aud() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(
            ScheduleRequest("oral_targeted", MONDAY, frozenset({Indication.OUD, Indication.AUD}))
        )
    assert err.value.field == "regimen"
    s = build_schedule(ScheduleRequest("oral_targeted", MONDAY, AUD))
    assert s.as_needed and s.doses == ()


def test_implant_replacement_is_due_14_days_before_coverage_ends() -> None:
    s = build_schedule(ScheduleRequest("implant", MONDAY, OUD, count=2))
    first, second = s.doses
    assert first.coverage_ends == MONDAY + days(90)
    assert first.replacement_due == MONDAY + days(76)
    assert second.date == first.replacement_due


def test_unknown_regimen_and_until_before_start_are_refused() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("weekly_magic", MONDAY, OUD))
    assert err.value.field == "regimen"
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("xr_injection", MONDAY, OUD, until=MONDAY - days(1)))
    assert err.value.field == "until"


def test_every_regimen_names_its_source() -> None:
    assert all(r.source for r in regimens().values())


@pytest.mark.parametrize(
    ("day", "tier", "may_give"),
    [
        (20, InjectionTier.TOO_EARLY, False),
        (21, InjectionTier.EARLY_WINDOW, True),
        (27, InjectionTier.EARLY_WINDOW, True),
        (28, InjectionTier.DUE, True),
        (29, InjectionTier.LATE, True),
        (34, InjectionTier.LATE, True),
        (35, InjectionTier.LATE_UDS_REQUIRED, True),
        (55, InjectionTier.LATE_UDS_REQUIRED, True),
        (56, InjectionTier.RESCREEN, False),
        (57, InjectionTier.RESCREEN, False),
    ],
)
def test_late_injection_tiers(day: int, tier: InjectionTier, may_give: bool) -> None:
    timing = injection_timing(MONDAY, MONDAY + days(day))
    assert (timing.days_since, timing.tier, timing.may_give) == (day, tier, may_give)
    assert timing.action and timing.source


def test_timing_before_the_last_injection_is_refused() -> None:
    with pytest.raises(InputError):
        injection_timing(MONDAY, MONDAY - days(1))
