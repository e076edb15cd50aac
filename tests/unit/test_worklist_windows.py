"""The two program windows that the app layer used to hold as numbers (issue 9: the policy object
is the only carrier of numbers): Today's due-soon window and an injection-site reaction's first
follow-up (Part A A5, A6; VIVITROL label 5.2)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from naltrack.clinical.alerts import injection_due_soon_until, injection_site_follow_up_due
from naltrack.clinical.policy import DEFAULT_POLICY

ON = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("days", "last_listed"),
    [(0, date(2026, 11, 21)), (2, date(2026, 11, 23)), (14, date(2026, 12, 5))],
)
def test_today_lists_injections_due_up_to_the_clinics_window(days: int, last_listed: date) -> None:
    policy = dataclasses.replace(DEFAULT_POLICY, injection_due_soon_days=days)
    assert injection_due_soon_until(ON, policy) == last_listed


def test_the_default_due_soon_window_is_two_days() -> None:
    assert DEFAULT_POLICY.injection_due_soon_days == 2
    assert injection_due_soon_until(ON, DEFAULT_POLICY) == date(2026, 11, 23)


@pytest.mark.parametrize(("days", "due"), [(1, date(2026, 11, 22)), (7, date(2026, 11, 28))])
def test_an_injection_site_reaction_is_followed_up_after_the_clinics_days(
    days: int, due: date
) -> None:
    policy = dataclasses.replace(DEFAULT_POLICY, injection_site_follow_up_days=days)
    assert injection_site_follow_up_due(ON, policy) == due


def test_the_default_first_follow_up_is_a_week_inside_the_labels_two_weeks() -> None:
    assert injection_site_follow_up_due(ON, DEFAULT_POLICY) == date(2026, 11, 28)
