"""The intake pipeline's rules (clinical/intake.py): every hand transition allowed and refused,
conversion, the call-back window and the days from first contact to first dose."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from naltrack.clinical.intake import (
    ALLOWED_FROM,
    OPEN_STAGES,
    Journey,
    Stage,
    Summary,
    contact_due_cutoff,
    contact_due_on,
    contact_overdue,
    conversion,
    median,
    stage_of,
    time_to_first_dose,
    transition,
    words,
)
from naltrack.clinical.policy import DEFAULT_POLICY

S = Stage
ALLOWED = {
    (S.NEW, S.CONTACTED),
    (S.CONTACTED, S.INSURANCE_CHECKED),
    (S.INSURANCE_CHECKED, S.ASSESSMENT_BOOKED),
    (S.NEW, S.CLOSED),
    (S.CONTACTED, S.CLOSED),
    (S.INSURANCE_CHECKED, S.CLOSED),
    (S.ASSESSMENT_BOOKED, S.CLOSED),
}
PAIRS = [(a, b) for a in Stage for b in Stage]


@pytest.mark.parametrize("pair", PAIRS, ids=lambda p: f"{p[0].value}-to-{p[1].value}")
def test_every_transition_is_allowed_or_refused_as_the_table_says(
    pair: tuple[Stage, Stage],
) -> None:
    current, target = pair
    verdict = transition(current, target)
    assert verdict.allowed is (pair in ALLOWED)
    assert verdict.reason


def test_a_stage_in_words() -> None:
    assert words(S.ASSESSMENT_BOOKED) == "assessment booked"


def test_the_table_matches_the_pipeline() -> None:
    assert {(a, t) for t, froms in ALLOWED_FROM.items() for a in froms} == ALLOWED
    assert OPEN_STAGES == (S.NEW, S.CONTACTED, S.INSURANCE_CHECKED, S.ASSESSMENT_BOOKED)


@pytest.mark.parametrize(
    ("current", "target", "reason"),
    [
        (S.NEW, S.STARTED, "started is reached when the patient's first dose is recorded"),
        (S.CLOSED, S.STARTED, "started is reached when the patient's first dose is recorded"),
        (S.CONTACTED, S.NEW, "an inquiry is new only when it is taken"),
        (S.STARTED, S.CLOSED, "the patient has started treatment: the inquiry is finished"),
        (
            S.CLOSED,
            S.CONTACTED,
            "the inquiry is closed: take a new inquiry if the person calls again",
        ),
        (S.CLOSED, S.CLOSED, "the inquiry is closed: take a new inquiry if the person calls again"),
        (S.CONTACTED, S.CONTACTED, "the inquiry is already contacted"),
        (S.ASSESSMENT_BOOKED, S.ASSESSMENT_BOOKED, "the inquiry is already assessment booked"),
        (S.NEW, S.INSURANCE_CHECKED, "insurance checked follows contacted, not new"),
        (S.NEW, S.ASSESSMENT_BOOKED, "assessment booked follows insurance checked, not new"),
        (S.ASSESSMENT_BOOKED, S.CONTACTED, "contacted follows new, not assessment booked"),
        (S.NEW, S.CONTACTED, "contacted follows new"),
        (S.CONTACTED, S.INSURANCE_CHECKED, "insurance checked follows contacted"),
        (S.INSURANCE_CHECKED, S.ASSESSMENT_BOOKED, "assessment booked follows insurance checked"),
        (
            S.CONTACTED,
            S.ASSESSMENT_BOOKED,
            "assessment booked follows insurance checked, not contacted",
        ),
        (S.INSURANCE_CHECKED, S.INSURANCE_CHECKED, "the inquiry is already insurance checked"),
        (S.NEW, S.CLOSED, "an open inquiry may be closed with a reason"),
    ],
)
def test_each_verdict_gives_its_reason(current: Stage, target: Stage, reason: str) -> None:
    assert transition(current, target).reason == reason


def test_stage_is_started_once_the_converted_patient_has_a_first_dose() -> None:
    day = date(2026, 11, 2)
    assert stage_of(S.ASSESSMENT_BOOKED, first_dose_on=day) is S.STARTED
    assert stage_of(S.CONTACTED, first_dose_on=day) is S.STARTED
    assert stage_of(S.ASSESSMENT_BOOKED, first_dose_on=None) is S.ASSESSMENT_BOOKED
    assert stage_of(S.CLOSED, first_dose_on=day) is S.CLOSED


@pytest.mark.parametrize(
    ("current", "converted", "allowed", "reason"),
    [
        (S.NEW, False, False, "contact the person first: a new inquiry has not been reached"),
        (S.CONTACTED, False, True, "the person has been reached and is not registered yet"),
        (S.INSURANCE_CHECKED, False, True, "the person has been reached and is not registered yet"),
        (S.ASSESSMENT_BOOKED, False, True, "the person has been reached and is not registered yet"),
        (S.CLOSED, False, False, "the inquiry is closed"),
        (S.ASSESSMENT_BOOKED, True, False, "the inquiry is already linked to a registered patient"),
        (S.CLOSED, True, False, "the inquiry is already linked to a registered patient"),
    ],
)
def test_conversion(current: Stage, converted: bool, allowed: bool, reason: str) -> None:
    verdict = conversion(current, converted=converted)
    assert (verdict.allowed, verdict.reason) == (allowed, reason)


# --- the call back: the day before, the day of, the day after --------------------------------


def test_call_back_window_with_the_default_of_one_day() -> None:
    first = date(2026, 11, 2)
    assert DEFAULT_POLICY.intake_contact_within_days == 1
    assert contact_due_on(first) == date(2026, 11, 3)
    assert contact_overdue(first, date(2026, 11, 2)) is False
    assert contact_overdue(first, date(2026, 11, 3)) is False
    assert contact_overdue(first, date(2026, 11, 4)) is True
    assert contact_due_cutoff(date(2026, 11, 3)) == first


def test_call_back_window_follows_the_clinic_policy() -> None:
    policy = replace(DEFAULT_POLICY, intake_contact_within_days=3)
    first = date(2026, 11, 2)
    assert contact_due_on(first, policy) == date(2026, 11, 5)
    assert contact_overdue(first, date(2026, 11, 5), policy) is False
    assert contact_overdue(first, date(2026, 11, 6), policy) is True
    assert contact_due_cutoff(date(2026, 11, 5), policy) == first


# --- days from first contact to first dose ------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([5], 5.0), ([9, 1], 5.0), ([7, 1, 3], 3.0), ([4, 1, 10, 2], 3.0), ([2, 3], 2.5)],
)
def test_median(values: list[int], expected: float | None) -> None:
    assert median(values) == expected


def test_median_of_an_odd_count_is_a_float() -> None:
    assert isinstance(median([1, 2, 4]), float)


def d(day: int) -> date:
    return date(2026, 10, day)


def test_time_to_first_dose_overall_and_by_source() -> None:
    journeys = [
        Journey("self", d(1), d(11)),  # 10 days
        Journey("self", d(5), d(9)),  # 4 days
        Journey("self", d(6), None),  # not started
        Journey("hospital", d(10), d(12)),  # 2 days
        Journey("court", d(31), d(31)),  # the period's last day, 0 days
        Journey("self", date(2026, 9, 30), date(2026, 10, 2)),  # the day before the period
        Journey("self", date(2026, 11, 1), date(2026, 11, 2)),  # the day after the period
    ]
    report = time_to_first_dose(journeys, d(1), d(31), ["self", "hospital", "court", "family"])
    assert report.overall == Summary(inquiries=5, started=4, median_days=3.0)
    assert report.by_source == {
        "self": Summary(3, 2, 7.0),
        "hospital": Summary(1, 1, 2.0),
        "court": Summary(1, 1, 0.0),
        "family": Summary(0, 0, None),
    }
    assert list(report.by_source) == ["self", "hospital", "court", "family"]
