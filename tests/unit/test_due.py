"""Today's labs-and-reviews list grouped by what is due (issue 12): overdue once the due day has
passed, due this week from `labs_reviews_due_soon_days` before it; the most urgent group first.
The database query reads `due_window`, which must hold exactly the days `due_urgency` classifies."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from naltrack.clinical.due import (
    GROUPS,
    DueGroup,
    DueKind,
    DueUrgency,
    due_until,
    due_urgency,
    due_window,
    plan_review_due,
)
from naltrack.clinical.policy import DEFAULT_POLICY

ON = date(2026, 11, 27)
OVERDUE, WEEK = DueUrgency.OVERDUE, DueUrgency.DUE_THIS_WEEK


@pytest.mark.parametrize(
    ("due_on", "expected"),
    [
        (None, None),
        (ON - timedelta(days=200), OVERDUE),
        (ON - timedelta(days=1), OVERDUE),  # the day after the due day
        (ON, WEEK),  # the due day itself
        (ON + timedelta(days=6), WEEK),
        (ON + timedelta(days=7), WEEK),  # the last day of the week's window
        (ON + timedelta(days=8), None),  # the day after it
    ],
)
def test_an_item_is_overdue_after_its_day_and_due_in_the_week_before(
    due_on: date | None, expected: DueUrgency | None
) -> None:
    assert due_urgency(due_on, ON, DEFAULT_POLICY) is expected


def test_the_default_window_is_a_week() -> None:
    assert DEFAULT_POLICY.labs_reviews_due_soon_days == 7
    assert due_until(ON, DEFAULT_POLICY) == date(2026, 12, 4)


@pytest.mark.parametrize("days", [0, 1, 14])
def test_the_window_follows_the_clinics_setting(days: int) -> None:
    policy = dataclasses.replace(DEFAULT_POLICY, labs_reviews_due_soon_days=days)
    last = ON + timedelta(days=days)
    assert due_until(ON, policy) == last
    assert due_urgency(last, ON, policy) is WEEK
    assert due_urgency(last + timedelta(days=1), ON, policy) is None
    assert due_window(WEEK, ON, policy) == (ON, last)


@pytest.mark.parametrize("days", [0, 7])
def test_the_query_window_holds_exactly_the_days_classified(days: int) -> None:
    policy = dataclasses.replace(DEFAULT_POLICY, labs_reviews_due_soon_days=days)
    for offset in range(-40, 40):
        due_on = ON + timedelta(days=offset)
        inside = {
            u
            for u in DueUrgency
            if (w := due_window(u, ON, policy))[1] >= due_on and (w[0] is None or w[0] <= due_on)
        }
        got = due_urgency(due_on, ON, policy)
        assert inside == ({got} if got else set()), due_on


def test_the_overdue_window_is_every_day_before_today() -> None:
    assert due_window(OVERDUE, ON, DEFAULT_POLICY) == (None, ON - timedelta(days=1))


def test_the_groups_read_most_urgent_first() -> None:
    assert [g.key for g in GROUPS] == [
        "liver_tests-overdue",
        "plan_review-overdue",
        "liver_tests-due_this_week",
        "plan_review-due_this_week",
    ]
    assert [g.label for g in GROUPS] == [
        "Liver tests overdue",
        "Plan review overdue",
        "Liver tests due this week",
        "Plan review due this week",
    ]
    assert DueGroup(DueKind.PLAN_REVIEW, OVERDUE) == GROUPS[1]
    assert [g.kind_label for g in GROUPS[:2]] == ["Liver tests", "Plan review"]


def test_a_plan_is_due_its_review_the_clinics_number_of_days_after_it_was_written() -> None:
    written = date(2026, 8, 29)
    assert DEFAULT_POLICY.plan_review_every_days == 90
    assert plan_review_due(written, DEFAULT_POLICY) == date(2026, 11, 27)
    monthly = dataclasses.replace(DEFAULT_POLICY, plan_review_every_days=30)
    assert plan_review_due(written, monthly) == date(2026, 9, 28)
