"""Part A A5: regimens as data, schedules, refusals and the late-injection tiers."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.regimens import (
    TIER_SOURCE,
    InjectionTier,
    ScheduleRequest,
    build_schedule,
    injection_timing,
    regimens,
)
from naltrack.clinical.vocab import Formulation, Indication, Side
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


# --- boundary tables (Part A A5): the day before, of and after every threshold ------------------

LAST = date(2026, 3, 2)


def on_day(n: int) -> date:
    return LAST + days(n)


EARLY_ACTION = "Do not inject yet; the next injection may be given from 2026-03-23."
LATE_ACTION = (
    "Give the injection; do a urine screen first if the patient reports opioid use. A positive "
    "screen needs the prescriber (or a naloxone challenge)."
)
UDS_ACTION = (
    "A negative urine drug screen is required first; a positive result holds the injection "
    "and the prescriber decides."
)
RESCREEN_ACTION = (
    "The prescriber re-screens as for a first dose (opioid-free interval, urine screen) before "
    "any injection."
)


@pytest.mark.parametrize(
    ("day", "tier", "may_give", "message", "action"),
    [
        (0, InjectionTier.TOO_EARLY, False,
         "Day 0 after the last injection: before the earliest re-dose day (21).", EARLY_ACTION),
        (20, InjectionTier.TOO_EARLY, False,
         "Day 20 after the last injection: before the earliest re-dose day (21).", EARLY_ACTION),
        (21, InjectionTier.EARLY_WINDOW, True,
         "Day 21 after the last injection: inside the early window (due on day 28).",
         "The injection may be given now."),
        (27, InjectionTier.EARLY_WINDOW, True,
         "Day 27 after the last injection: inside the early window (due on day 28).",
         "The injection may be given now."),
        (28, InjectionTier.DUE, True, "Day 28: the injection is due today.",
         "Give the injection today."),
        (29, InjectionTier.LATE, True,
         "Day 29: the injection is overdue; the blockade is waning.", LATE_ACTION),
        (34, InjectionTier.LATE, True,
         "Day 34: the injection is overdue; the blockade is waning.", LATE_ACTION),
        (35, InjectionTier.LATE_UDS_REQUIRED, True,
         "Day 35: the injection is well overdue; opioid use may have resumed.", UDS_ACTION),
        (55, InjectionTier.LATE_UDS_REQUIRED, True,
         "Day 55: the injection is well overdue; opioid use may have resumed.", UDS_ACTION),
        (56, InjectionTier.RESCREEN, False,
         "Day 56: more than 55 days since the last injection.", RESCREEN_ACTION),
    ],
)  # fmt: skip
def test_each_late_tier_tells_the_nurse_what_to_do_on_its_first_and_last_day(
    day: int, tier: InjectionTier, may_give: bool, message: str, action: str
) -> None:
    """Part A A5: re-dose from day 21, due day 28, overdue from 29; 29-34 give (screen if use is
    reported), 35-55 a negative screen first, from 56 re-screen as for a first dose."""
    timing = injection_timing(LAST, on_day(day))
    assert (timing.tier, timing.may_give, timing.days_since) == (tier, may_give, day)
    assert (timing.message, timing.action) == (message, action)
    assert (timing.earliest_date, timing.due_date, timing.overdue_from) == (
        on_day(21), on_day(28), on_day(29),
    )  # fmt: skip
    assert (timing.last_injection, timing.on, timing.source) == (LAST, on_day(day), TIER_SOURCE)


def test_the_day_of_the_last_injection_is_too_early_not_an_error() -> None:
    # The nurse asking on the injection day itself (day 0) gets "too early", not a refusal.
    assert injection_timing(LAST, LAST).tier is InjectionTier.TOO_EARLY


def test_timing_the_day_before_the_last_injection_names_the_field() -> None:
    with pytest.raises(InputError) as err:
        injection_timing(LAST, on_day(-1))
    assert (err.value.field, err.value.message) == ("on", "is before the last injection")


def test_injection_timing_as_json_carries_every_field_a_nurse_reads() -> None:
    assert injection_timing(LAST, on_day(30)).as_dict() == {
        "last_injection": "2026-03-02",
        "on": "2026-04-01",
        "days_since": 30,
        "tier": "late",
        "may_give": True,
        "message": "Day 30: the injection is overdue; the blockade is waning.",
        "action": LATE_ACTION,
        "earliest_date": "2026-03-23",
        "due_date": "2026-03-30",
        "overdue_from": "2026-03-31",
        "source": TIER_SOURCE,
    }


# A clinic policy that moves every A5 number, so that a rule reading the default instead of the
# policy it was given is noticed.
CLINIC = dataclasses.replace(
    DEFAULT_POLICY,
    version="clinic-test-1",
    injection_interval_days=30,
    injection_earliest_redose_day=24,
    injection_overdue_from_day=32,
    late_uds_if_reported_until_day=40,
    late_uds_required_until_day=60,
    implant_coverage_days=100,
    implant_replacement_lead_days=10,
    plan_target_days=61,
)


@pytest.mark.parametrize(
    ("day", "tier"),
    [
        (23, InjectionTier.TOO_EARLY), (24, InjectionTier.EARLY_WINDOW),
        (29, InjectionTier.EARLY_WINDOW), (30, InjectionTier.DUE), (31, InjectionTier.DUE),
        (32, InjectionTier.LATE), (40, InjectionTier.LATE), (41, InjectionTier.LATE_UDS_REQUIRED),
        (60, InjectionTier.LATE_UDS_REQUIRED), (61, InjectionTier.RESCREEN),
    ],
)  # fmt: skip
def test_late_tiers_follow_the_clinic_policy(day: int, tier: InjectionTier) -> None:
    timing = injection_timing(LAST, on_day(day), CLINIC)
    assert timing.tier is tier
    assert (timing.earliest_date, timing.due_date, timing.overdue_from) == (
        on_day(24), on_day(30), on_day(32),
    )  # fmt: skip


def test_clinic_policy_numbers_appear_in_the_tier_messages() -> None:
    assert injection_timing(LAST, on_day(3), CLINIC).message == (
        "Day 3 after the last injection: before the earliest re-dose day (24)."
    )
    assert injection_timing(LAST, on_day(25), CLINIC).message == (
        "Day 25 after the last injection: inside the early window (due on day 30)."
    )
    assert injection_timing(LAST, on_day(70), CLINIC).message == (
        "Day 70: more than 60 days since the last injection."
    )


# --- injection schedules (A5) ------------------------------------------------------------------


@pytest.mark.parametrize(("until_day", "doses"), [(27, 1), (28, 2), (29, 2), (55, 2), (56, 3)])
def test_injection_schedule_includes_a_dose_that_falls_on_its_last_day(
    until_day: int, doses: int
) -> None:
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD, until=on_day(until_day)))
    assert [d.date for d in s.doses] == [on_day(28 * i) for i in range(doses)]


def test_a_schedule_of_one_day_has_one_dose() -> None:
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD, until=LAST))
    assert [d.date for d in s.doses] == [LAST]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_injection_schedule_stops_at_the_requested_count(count: int) -> None:
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD, count=count))
    assert [d.number for d in s.doses] == list(range(1, count + 1))


def test_first_injection_starts_left_without_a_last_side_and_is_due_on_its_day() -> None:
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD, count=3))
    assert [d.side for d in s.doses] == [Side.LEFT, Side.RIGHT, Side.LEFT]
    first = s.doses[0]
    assert first.as_dict() == {
        "number": 1,
        "date": "2026-03-02",
        "mg": 380,
        "route": "intramuscular (gluteal)",
        "side": "left",
        "earliest_date": "2026-03-02",
        "due_date": "2026-03-02",
    }
    assert s.doses[1].as_dict() == {
        "number": 2,
        "date": "2026-03-30",
        "mg": 380,
        "route": "intramuscular (gluteal)",
        "side": "right",
        "earliest_date": "2026-03-23",
        "due_date": "2026-03-30",
        "overdue_from": "2026-03-31",
    }


def test_injection_schedule_follows_the_clinic_interval_and_redose_days() -> None:
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD, count=3), CLINIC)
    assert [d.date for d in s.doses] == [LAST, on_day(30), on_day(60)]
    third = s.doses[2]
    assert (third.earliest_date, third.due_date, third.overdue_from) == (
        on_day(54), on_day(60), on_day(62),
    )  # fmt: skip
    assert s.policy == "clinic-test-1"


@pytest.mark.parametrize(("target", "doses"), [(60, 2), (61, 3), (62, 3)])
def test_default_horizon_is_the_plan_target_counting_the_start_day(target: int, doses: int) -> None:
    # Part A A7: a 61-day plan from day 0 ends on day 60, the day of the third 30-day injection.
    policy = dataclasses.replace(CLINIC, plan_target_days=target)
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD), policy)
    assert len(s.doses) == doses


def test_schedule_as_json_names_the_regimen_title_source_and_policy() -> None:
    s = build_schedule(ScheduleRequest("xr_injection", LAST, OUD, count=1))
    reg = regimens()["xr_injection"]
    assert s.as_dict() == {
        "regimen": "xr_injection",
        "title": reg.title,
        "formulation": "xr_injection",
        "as_needed": False,
        "weekly_total_mg": None,
        "doses": [s.doses[0].as_dict()],
        "notes": [],
        "source": reg.source,
        "policy": DEFAULT_POLICY.version,
    }


# --- implants (A5) -------------------------------------------------------------------------------


def test_implant_schedule_as_json_shows_coverage_end_and_replacement() -> None:
    s = build_schedule(ScheduleRequest("implant", LAST, OUD, count=2, implant_mg=1700))
    assert [d.as_dict() for d in s.doses] == [
        {"number": 1, "date": "2026-03-02", "mg": 1700, "route": "subcutaneous implant",
         "due_date": "2026-03-02", "coverage_ends": "2026-05-31", "replacement_due": "2026-05-17"},
        {"number": 2, "date": "2026-05-17", "mg": 1700, "route": "subcutaneous implant",
         "due_date": "2026-05-17", "coverage_ends": "2026-08-15", "replacement_due": "2026-08-01"},
    ]  # fmt: skip
    assert s.weekly_total_mg is None and s.formulation is Formulation.IMPLANT


@pytest.mark.parametrize(("until_day", "implants"), [(75, 1), (76, 2), (77, 2)])
def test_implant_schedule_includes_a_replacement_on_its_last_day(
    until_day: int, implants: int
) -> None:
    s = build_schedule(ScheduleRequest("implant", LAST, OUD, until=on_day(until_day)))
    assert len(s.doses) == implants


def test_implant_coverage_and_lead_days_follow_the_clinic_policy() -> None:
    s = build_schedule(ScheduleRequest("implant", LAST, OUD, until=on_day(120), count=5), CLINIC)
    first, second = s.doses
    assert (first.coverage_ends, first.replacement_due, second.date) == (
        on_day(100), on_day(90), on_day(90),
    )  # fmt: skip


# --- oral schedules (A5) -------------------------------------------------------------------------


@pytest.mark.parametrize(("until_day", "doses"), [(3, 2), (4, 3), (5, 3)])
def test_every_other_day_schedule_includes_a_dose_on_its_last_day(
    until_day: int, doses: int
) -> None:
    s = build_schedule(ScheduleRequest("oral_every_other_day", LAST, AUD, until=on_day(until_day)))
    assert [(d.date, d.mg, d.due_date) for d in s.doses] == [
        (on_day(2 * i), 100, on_day(2 * i)) for i in range(doses)
    ]


@pytest.mark.parametrize(("until_day", "doses"), [(1, 1), (2, 2), (3, 2)])
def test_weekly_schedule_includes_a_dose_on_its_last_day(until_day: int, doses: int) -> None:
    # LAST is a Monday: the three-times-a-week schedule doses on day 0 (Mon) and day 2 (Wed).
    s = build_schedule(ScheduleRequest("oral_mwf", LAST, AUD, until=on_day(until_day)))
    assert len(s.doses) == doses


def test_oral_dose_as_json_has_no_injection_fields() -> None:
    s = build_schedule(ScheduleRequest("oral_daily", LAST, AUD, count=1))
    assert s.doses[0].as_dict() == {
        "number": 1, "date": "2026-03-02", "mg": 50, "route": "oral", "due_date": "2026-03-02",
    }  # fmt: skip
    assert s.as_dict()["weekly_total_mg"] == 350


def test_a_custom_week_skips_the_days_without_a_dose() -> None:
    week = {"mon": 150, "tue": 0, "wed": 100, "fri": 100}
    s = build_schedule(
        ScheduleRequest("oral_custom", LAST, AUD, until=on_day(6), weekly_mg=week, count=10)
    )
    assert [(d.number, d.date, d.mg) for d in s.doses] == [
        (1, LAST, 150), (2, on_day(2), 100), (3, on_day(4), 100),
    ]  # fmt: skip


def test_oud_induction_gives_25_mg_only_as_the_very_first_dose_of_the_daily_schedule() -> None:
    s = build_schedule(ScheduleRequest("oral_daily", LAST, OUD, count=3, induction=True))
    assert [d.mg for d in s.doses] == [25, 50, 50]
    assert s.notes == ()
    plain = build_schedule(ScheduleRequest("oral_daily", LAST, OUD, count=2))
    assert [d.mg for d in plain.doses] == [50, 50]


def test_induction_on_a_schedule_without_a_25_mg_start_adds_a_note() -> None:
    s = build_schedule(ScheduleRequest("oral_mwf", LAST, OUD, count=2, induction=True))
    assert [d.mg for d in s.doses] == [100, 100]
    assert s.notes == ("Induction on this schedule: start with 25 mg daily tablets first (label).",)
    assert build_schedule(ScheduleRequest("oral_mwf", LAST, OUD, count=2)).notes == ()


@pytest.mark.parametrize(
    ("every_days", "dose_mg", "weekly"),
    [(1, 50, 350), (2, 100, 350), (3, 150, 350), (4, 100, 175), (7, 100, 100)],
)
def test_custom_interval_weekly_total_is_dose_times_7_over_the_interval(
    every_days: int, dose_mg: int, weekly: float
) -> None:
    s = build_schedule(
        ScheduleRequest(
            "oral_custom", LAST, AUD, every_days=every_days, dose_mg=dose_mg, count=1, reason="r"
        )
    )
    assert s.weekly_total_mg == weekly


def test_a_custom_interval_off_350_names_the_weekly_total_and_dose_field() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_custom", LAST, AUD, every_days=4, dose_mg=100))
    assert err.value.field == "dose_mg"
    assert err.value.message == (
        "this schedule gives 175 mg a week, not the 350 mg of 50 mg daily; record a reason to use it"
    )
    s = build_schedule(
        ScheduleRequest(
            "oral_custom", LAST, AUD, every_days=4, dose_mg=100, count=1, reason="liver"
        )
    )
    assert s.notes == ("Weekly total 175 mg instead of 350 mg. Reason: liver",)


def test_the_weekly_total_is_checked_against_the_clinic_policy() -> None:
    policy = dataclasses.replace(CLINIC, oral_weekly_total_mg=175)
    s = build_schedule(
        ScheduleRequest("oral_custom", LAST, AUD, every_days=4, dose_mg=100, count=1), policy
    )
    assert s.notes == ()
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_daily", LAST, AUD, count=1), policy)
    assert "not the 175 mg" in err.value.message


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"weekly_mg": {"mon": 350}, "every_days": 1},
         "give either weekly_mg or every_days with dose_mg, not both"),
        ({"weekly_mg": {"mon": 350}, "dose_mg": 50},
         "give either weekly_mg or every_days with dose_mg, not both"),
        ({}, "a custom oral schedule needs weekly_mg, or every_days with dose_mg"),
        ({"every_days": 1}, "a custom oral schedule needs weekly_mg, or every_days with dose_mg"),
        ({"dose_mg": 50}, "a custom oral schedule needs weekly_mg, or every_days with dose_mg"),
    ],
)  # fmt: skip
def test_a_custom_schedule_needs_exactly_one_pattern(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_custom", LAST, AUD, **fields))
    assert (err.value.field, err.value.message) == ("weekly_mg", message)


def test_a_label_schedule_ignores_custom_pattern_fields() -> None:
    s = build_schedule(ScheduleRequest("oral_daily", LAST, AUD, count=2, every_days=3, dose_mg=150))
    assert [(d.date, d.mg) for d in s.doses] == [(LAST, 50), (on_day(1), 50)]


def test_targeted_dosing_as_json_has_no_doses_and_says_how_to_take_it() -> None:
    s = build_schedule(ScheduleRequest("oral_targeted", LAST, AUD))
    reg = regimens()["oral_targeted"]
    assert s.as_dict() == {
        "regimen": "oral_targeted",
        "title": reg.title,
        "formulation": "oral",
        "as_needed": True,
        "weekly_total_mg": None,
        "doses": [],
        "notes": [
            "As needed: no dated doses. Take 50 mg about an hour before an anticipated drinking occasion."
        ],
        "source": reg.source,
        "policy": DEFAULT_POLICY.version,
    }


def test_targeted_dosing_refusal_explains_the_continuous_blockade() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_targeted", LAST, OUD))
    assert err.value.message == (
        "targeted (as-needed) dosing is for alcohol use disorder only; it is refused for a "
        "patient with an OUD indication, who needs a continuous blockade"
    )


def test_unknown_regimen_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("weekly_magic", LAST, OUD))
    assert err.value.message == "unknown regimen; use one of " + ", ".join(regimens())
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("xr_injection", LAST, OUD, until=on_day(-1)))
    assert err.value.message == "is before start_date"


def test_regimen_interval_comes_from_the_policy_or_the_regimen() -> None:
    table = regimens()
    assert table["xr_injection"].interval(CLINIC) == 30
    assert table["implant"].interval(CLINIC) == 100
    assert table["oral_every_third_day"].interval(CLINIC) == 3
    assert table["oral_mwf"].interval(CLINIC) is None


def test_a_weekly_total_within_a_milligram_of_350_is_still_refused_without_a_reason() -> None:
    # 399 mg every 8 days is 349.125 mg a week: close, but not the A5 total.
    with pytest.raises(InputError) as err:
        build_schedule(ScheduleRequest("oral_custom", LAST, AUD, every_days=8, dose_mg=399))
    assert err.value.message.startswith("this schedule gives 349.125 mg a week")


# --- a plan that starts inside the re-dose interval of the last injection (issue 9) ------------


@pytest.mark.parametrize(
    ("since", "first"),
    [(20, 1), (21, 0), (22, 0)],  # the day before, of and after the earliest re-dose day
)
def test_the_first_injection_moves_to_the_earliest_re_dose_day_and_says_why(
    since: int, first: int
) -> None:
    last = MONDAY - days(since)
    s = build_schedule(
        ScheduleRequest("xr_injection", MONDAY, OUD, count=2, last_injection_date=last)
    )
    assert s.doses[0].date == MONDAY + days(first)
    if first:
        assert s.notes == (
            f"The first injection moves from {MONDAY.isoformat()} to "
            f"{(MONDAY + days(first)).isoformat()}: the earliest re-dose day after the last "
            f"injection of {last.isoformat()} (day 21; Part A A5).",
        )
    else:
        assert s.notes == ()


@pytest.mark.parametrize(("until", "fits"), [(0, False), (1, True)])
def test_a_moved_first_injection_must_still_fit_before_until(until: int, fits: bool) -> None:
    last = MONDAY - days(20)  # the first injection moves to MONDAY + 1
    req = ScheduleRequest(
        "xr_injection", MONDAY, OUD, until=MONDAY + days(until), last_injection_date=last
    )
    if fits:
        assert [d.date for d in build_schedule(req).doses] == [MONDAY + days(1)]
        return
    with pytest.raises(InputError) as err:
        build_schedule(req)
    assert (err.value.field, err.value.message) == (
        "until",
        f"no injection fits before {MONDAY.isoformat()}: the earliest re-dose day after the last "
        f"injection is {(MONDAY + days(1)).isoformat()}",
    )
