"""Time on treatment, the Kaplan-Meier input of retention (Part B §9; clinical.outcomes): every
boundary of the policy's continuity gap, of the end of follow-up and of censoring."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naltrack.clinical.coverage import Administration, retained
from naltrack.clinical.errors import InputError
from naltrack.clinical.outcomes import adherence_threshold, age_band, time_on_treatment
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation

D0 = date(2026, 1, 1)
ALLOWED = DEFAULT_POLICY.continuity_gap_allowed_days  # 7
COVERED = DEFAULT_POLICY.injection_covered_days  # 28


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def xr(n: int) -> Administration:
    return Administration(day(n), Formulation.XR_INJECTION)


def test_a_first_dose_on_the_last_day_of_follow_up_is_one_day() -> None:
    assert time_on_treatment([xr(0)], D0, D0) == (1, False)


def test_covered_through_follow_up_is_censored_at_its_last_day() -> None:
    assert time_on_treatment([xr(0)], D0, day(COVERED - 1)) == (COVERED, False)


@pytest.mark.parametrize(
    ("trailing", "expected"),
    [
        (ALLOWED - 1, (COVERED + ALLOWED - 1, False)),
        (ALLOWED, (COVERED + ALLOWED, False)),  # a run of 7 days so far: not yet discontinued
        (
            ALLOWED + 1,
            (COVERED + ALLOWED + 1, True),
        ),  # 8 days: discontinued on the day the run passed 7
    ],
)
def test_a_run_still_going_at_the_end_counts_once_longer_than_the_gap(
    trailing: int, expected: tuple[int, bool]
) -> None:
    assert time_on_treatment([xr(0)], D0, day(COVERED + trailing - 1)) == expected


@pytest.mark.parametrize(
    ("next_dose", "expected"),
    [
        (COVERED + ALLOWED, (2 * COVERED + ALLOWED, False)),  # a 7-day gap is allowed
        (
            COVERED + ALLOWED + 1,
            (COVERED + ALLOWED + 1, True),
        ),  # an 8-day gap: discontinued on its 8th day
    ],
)
def test_a_gap_between_injections(next_dose: int, expected: tuple[int, bool]) -> None:
    as_of = day(next_dose + COVERED - 1)
    assert time_on_treatment([xr(0), xr(next_dose)], D0, as_of) == expected


def test_a_dose_on_the_last_day_of_follow_up_covers_that_day() -> None:
    # The run before it is 7 days (28..34); with the dose of day 35 unread it would be 8.
    assert time_on_treatment([xr(0), xr(35)], D0, day(35)) == (36, False)


def test_the_first_long_gap_decides_not_a_later_one() -> None:
    admins = [xr(0), xr(COVERED + ALLOWED + 1), xr(3 * COVERED)]
    assert time_on_treatment(admins, D0, day(200)) == (COVERED + ALLOWED + 1, True)


def test_an_uncovered_start_longer_than_the_gap_is_zero_days() -> None:
    assert time_on_treatment([xr(ALLOWED + 1)], D0, day(60)) == (ALLOWED + 1, True)


def test_overlapping_supply_carries_forward() -> None:
    # Two injections a day apart cover 56 days from the first.
    assert time_on_treatment([xr(0), xr(1)], D0, day(2 * COVERED + ALLOWED - 1)) == (
        2 * COVERED + ALLOWED,
        False,
    )
    assert time_on_treatment([xr(0), xr(1)], D0, day(2 * COVERED + ALLOWED)) == (
        2 * COVERED + ALLOWED + 1,
        True,
    )


@pytest.mark.parametrize(
    ("censored", "expected"),
    [
        (day(30), (31, False)),  # transferred on day 30, a 3-day run: censored
        (
            day(COVERED + ALLOWED),
            (COVERED + ALLOWED + 1, True),
        ),  # the run passed 7 days by the transfer
        (day(COVERED + ALLOWED - 1), (COVERED + ALLOWED, False)),
        (day(400), (COVERED + ALLOWED + 1, True)),  # a censoring after as_of changes nothing
        (D0, (1, False)),
    ],
)
def test_censoring_ends_follow_up_when_earlier_than_as_of(
    censored: date, expected: tuple[int, bool]
) -> None:
    assert time_on_treatment([xr(0)], D0, day(300), censored_on=censored) == expected


def test_as_of_before_the_first_dose_is_refused() -> None:
    with pytest.raises(InputError) as err:
        time_on_treatment([xr(0)], D0, day(-1))
    assert (err.value.field, err.value.message) == ("as_of", "is before the first dose")


def test_censoring_before_the_first_dose_is_refused() -> None:
    with pytest.raises(InputError) as err:
        time_on_treatment([xr(0)], D0, day(10), censored_on=day(-1))
    assert (err.value.field, err.value.message) == ("censored_on", "is before the first dose")


def test_as_of_before_the_first_dose_names_as_of_even_with_a_later_censoring() -> None:
    with pytest.raises(InputError) as err:
        time_on_treatment([xr(0)], D0, day(-1), censored_on=day(-1))
    assert err.value.field == "as_of"


def test_the_gap_and_covered_days_come_from_the_policy() -> None:
    clinic = dataclasses.replace(
        DEFAULT_POLICY, version="t", continuity_gap_allowed_days=2, injection_covered_days=10
    )
    assert time_on_treatment([xr(0), xr(12)], D0, day(23), clinic) == (24, False)
    assert time_on_treatment([xr(0), xr(13)], D0, day(23), clinic) == (
        13,
        True,
    )  # the run from day 10 passes 2 days on day 13


def test_no_dose_at_all_is_discontinued_from_the_start() -> None:
    assert time_on_treatment([], D0, day(ALLOWED)) == (ALLOWED + 1, True)
    assert time_on_treatment([], D0, day(ALLOWED - 1)) == (ALLOWED, False)


def test_adherence_threshold_is_the_policy_s() -> None:
    assert adherence_threshold(DEFAULT_POLICY) == 0.80
    clinic = dataclasses.replace(DEFAULT_POLICY, version="t", pdc_adherent_min=0.9)
    assert adherence_threshold(clinic) == 0.9


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, "under 18"), (17, "under 18"), (18, "18-25"), (25, "18-25"), (26, "26-34"),
     (34, "26-34"), (35, "35-44"), (44, "35-44"), (45, "45-54"), (54, "45-54"), (55, "55-64"),
     (64, "55-64"), (65, "65+"), (104, "65+")],
)  # fmt: skip
def test_age_bands_at_each_edge(age: int, band: str) -> None:
    assert age_band(age) == band


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=200), min_size=1, max_size=8),
    st.integers(min_value=1, max_value=220),
)
def test_kaplan_meier_s_retained_at_day_m_is_the_continuity_window_s(
    offsets: list[int], m: int
) -> None:
    """Without censoring, "still on treatment after day m" (days > m) is exactly `retained` at
    day m: the curve's day-30/90/180/365 values and the windowed retention are one definition."""
    admins = [xr(o) for o in sorted({0, *offsets})]
    days, discontinued = time_on_treatment(admins, D0, day(400))
    assert retained(admins, D0, m) == (not discontinued or days > m)
