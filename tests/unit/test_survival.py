"""Kaplan-Meier (outcomes/survival.py) checked by someone else's code: lifelines'
KaplanMeierFitter with its defaults, on the same data, to 1e-9 (issue 14)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from naltrack.clinical.errors import InputError
from naltrack.outcomes.survival import KaplanMeier, kaplan_meier

TOL = 1e-9


def assert_matches_lifelines(
    durations: Sequence[float], events: Sequence[int], alpha: float = 0.05
) -> KaplanMeier:
    ours = kaplan_meier(durations, events, alpha=alpha)
    kmf = KaplanMeierFitter(alpha=alpha).fit(durations, events)
    theirs_t = kmf.survival_function_.index.to_numpy(dtype=float)
    np.testing.assert_array_equal(np.asarray(ours.timeline), theirs_t)
    np.testing.assert_allclose(
        ours.survival, kmf.survival_function_.iloc[:, 0].to_numpy(), rtol=0, atol=TOL
    )
    ci = kmf.confidence_interval_survival_function_
    np.testing.assert_allclose(ours.lower, ci.iloc[:, 0].to_numpy(), rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.upper, ci.iloc[:, 1].to_numpy(), rtol=0, atol=TOL)
    table = kmf.event_table
    np.testing.assert_array_equal(ours.at_risk, table["at_risk"].to_numpy())
    np.testing.assert_array_equal(ours.events, table["observed"].to_numpy())
    median = kmf.median_survival_time_
    if math.isinf(median):
        assert ours.median is None
    else:
        assert ours.median == pytest.approx(median, abs=TOL)
    return ours


def test_no_censoring_steps_down_at_each_event_and_reaches_zero() -> None:
    km = assert_matches_lifelines([10, 20, 30, 40], [1, 1, 1, 1])
    assert km.timeline == (0, 10, 20, 30, 40)
    assert km.survival == pytest.approx((1, 0.75, 0.5, 0.25, 0))
    assert km.median == 20  # the first day S <= 0.5
    assert km.lower[-1] == km.upper[-1] == 0  # S = 0: the band closes at 0


def test_all_censored_stays_at_one_with_no_median() -> None:
    km = assert_matches_lifelines([5, 90, 180], [0, 0, 0])
    assert set(km.survival) == {1.0}
    assert set(km.lower) == set(km.upper) == {1.0}
    assert km.median is None
    assert km.at_risk == (3, 3, 2, 1)


def test_event_and_censoring_on_one_day_the_censored_is_still_at_risk() -> None:
    # day 30: two events and one censoring among 5 at risk -> S = 3/5; then 2 left
    km = assert_matches_lifelines([30, 30, 30, 60, 90], [1, 1, 0, 1, 0])
    assert km.at_risk == (5, 5, 2, 1)
    assert km.events == (0, 2, 1, 0)
    assert km.at(30) == pytest.approx(0.6)
    assert km.at(59) == pytest.approx(0.6)
    assert km.at(60) == pytest.approx(0.3)
    assert km.median == 60


def test_one_subject() -> None:
    assert_matches_lifelines([45], [1])
    assert_matches_lifelines([45], [0])


def test_durations_of_zero_and_ties_at_the_start() -> None:
    km = assert_matches_lifelines([0, 0, 3, 3, 3, 7], [1, 0, 1, 1, 0, 1])
    assert km.timeline[0] == 0
    assert km.at_risk[0] == 6


def test_wider_band_at_a_smaller_alpha() -> None:
    data = ([12, 40, 40, 77, 100, 130, 200, 365], [1, 0, 1, 1, 0, 1, 0, 0])
    wide = assert_matches_lifelines(*data, alpha=0.01)
    narrow = assert_matches_lifelines(*data, alpha=0.2)
    assert wide.lower[3] < narrow.lower[3] < narrow.upper[3] < wide.upper[3]


def test_milestones_and_numbers_at_risk_read_off_the_step_function() -> None:
    km = kaplan_meier([10, 30, 30, 95, 200, 400], [1, 0, 1, 1, 0, 0])
    assert km.at(0) == 1.0
    assert km.at(29) == pytest.approx(5 / 6)
    assert km.at(30) == pytest.approx(5 / 6 * 4 / 5)  # 5 at risk on day 30, one event
    assert km.at(1000) == km.survival[-1]
    assert [km.at_risk_at(d) for d in (0, 30, 90, 180, 365, 500)] == [6, 5, 3, 2, 1, 0]


def test_as_dict_round_trips_and_is_the_stored_shape() -> None:
    km = kaplan_meier([10, 30, 30, 95], [1, 0, 1, 0])
    d = km.as_dict()
    assert set(d) >= {"timeline", "survival", "lower", "upper", "at_risk", "median"}
    assert KaplanMeier.from_dict(d) == km
    assert d["median"] is None or isinstance(d["median"], float)


@pytest.mark.parametrize(
    ("durations", "events", "field"),
    [
        ([1, -2], [1, 1], "durations"),
        ([1, float("nan")], [1, 1], "durations"),
        ([], [], "durations"),
        (["a"], [1], "durations"),
        ([1, 2], [1], "events"),
        ([1, 2], [1, 2], "events"),
        ([1, 2], [1, 0.5], "events"),
    ],
)
def test_bad_input_names_the_field(durations: list[float], events: list[int], field: str) -> None:
    with pytest.raises(InputError) as caught:
        kaplan_meier(durations, events)
    assert caught.value.field == field


def test_alpha_out_of_range_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        kaplan_meier([1], [1], alpha=1.5)
    assert caught.value.field == "alpha"


subjects = st.lists(
    st.tuples(st.integers(min_value=0, max_value=400), st.sampled_from([0, 1])),
    min_size=1,
    max_size=60,
)


@settings(max_examples=40, deadline=None)
@given(subjects)
def test_matches_lifelines_on_random_programs(rows: list[tuple[int, int]]) -> None:
    durations = [float(d) for d, _ in rows]
    events = [e for _, e in rows]
    assert_matches_lifelines(durations, events)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=50, allow_nan=False).map(lambda x: round(x, 2)),
            st.booleans(),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_matches_lifelines_on_fractional_days(rows: list[tuple[float, bool]]) -> None:
    assert_matches_lifelines([d for d, _ in rows], [int(e) for _, e in rows])
