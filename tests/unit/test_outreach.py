"""Outreach after a missed dose (clinical/outreach.py): the missed-dose episodes of a dosing record
(Part A A5 due days, A6 missed oral days), days to contact, and where outreach stands on Today.
Each boundary is tested on the day before, the day of and the day after."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from naltrack.clinical.coverage import Administration
from naltrack.clinical.outreach import (
    CONTACT_OUTCOMES,
    Attempt,
    AttemptKind,
    MissedDose,
    Outcome,
    OutreachStatus,
    Reach,
    days_to_contact,
    missed_doses,
    outreach_status,
)
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation

D0 = date(2026, 1, 1)
XR, ORAL, IMPLANT = Formulation.XR_INJECTION, Formulation.ORAL, Formulation.IMPLANT


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def inj(n: int) -> Administration:
    return Administration(day(n), XR)


def tab(n: int, mg: float = 50) -> Administration:
    return Administration(day(n), ORAL, mg)


# --- the vocabulary ------------------------------------------------------------------------------


def test_words_are_stable_codes() -> None:
    assert [k.value for k in AttemptKind] == ["call", "text", "letter", "home_visit"]
    assert [o.value for o in Outcome] == [
        "reached", "message_left", "no_answer", "wrong_number", "declined",
    ]  # fmt: skip
    assert frozenset({Outcome.REACHED, Outcome.DECLINED}) == CONTACT_OUTCOMES
    assert [r.value for r in Reach] == ["to_contact", "try_again", "reached"]


@pytest.mark.parametrize(
    ("outcome", "contact"),
    [
        (Outcome.REACHED, True),
        (Outcome.DECLINED, True),
        (Outcome.MESSAGE_LEFT, False),
        (Outcome.NO_ANSWER, False),
        (Outcome.WRONG_NUMBER, False),
    ],
)
def test_only_speaking_with_the_patient_is_contact(outcome: Outcome, contact: bool) -> None:
    assert Attempt(D0, outcome).made_contact is contact
    assert Attempt(D0, outcome).next_attempt_on is None


# --- missed-dose episodes: injections (A5: overdue from day 29) ----------------------------------


def test_no_doses_no_episode() -> None:
    assert missed_doses([], day(100)) == []


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (28, []),  # due day: not missed yet
        (29, [MissedDose(day(0), day(29), None)]),  # overdue from day 29
        (30, [MissedDose(day(0), day(29), None)]),
    ],
)
def test_an_injection_is_missed_on_its_overdue_day(until: int, expected: list[MissedDose]) -> None:
    assert missed_doses([inj(0)], day(until)) == expected


@pytest.mark.parametrize(
    ("next_day", "expected"),
    [
        (28, []),  # given when due
        (29, []),  # given the day it became overdue: no day was spent missed
        (30, [MissedDose(day(0), day(29), day(30))]),
    ],
)
def test_the_next_injection_closes_the_episode(next_day: int, expected: list[MissedDose]) -> None:
    assert missed_doses([inj(0), inj(next_day)], day(40)) == expected


def test_an_early_redose_moves_the_overdue_day_with_it() -> None:
    # Day 21 re-dose: overdue from day 50 (its own day 29), whatever supply carries forward.
    assert missed_doses([inj(0), inj(21), inj(52)], day(60)) == [
        MissedDose(day(21), day(50), day(52))
    ]


def test_the_clinic_policy_sets_the_overdue_day() -> None:
    late = dataclasses.replace(DEFAULT_POLICY, injection_overdue_from_day=31)
    assert missed_doses([inj(0)], day(30), late) == []
    assert missed_doses([inj(0)], day(31), late) == [MissedDose(day(0), day(31), None)]


def test_two_doses_on_one_day_count_once() -> None:
    assert missed_doses([inj(0), inj(0)], day(30)) == [MissedDose(day(0), day(29), None)]


def test_doses_after_until_are_not_read() -> None:
    assert missed_doses([inj(0), inj(35)], day(30)) == [MissedDose(day(0), day(29), None)]


def test_unsorted_doses_are_read_in_order() -> None:
    assert missed_doses([inj(30), inj(0)], day(40)) == [MissedDose(day(0), day(29), day(30))]


# --- oral (A6: 2 uncovered days in a row) and implants -------------------------------------------


@pytest.mark.parametrize(
    ("until", "expected"),
    [
        (1, []),  # day 1 uncovered, today's tablet may still be taken
        (2, [MissedDose(day(0), day(1), None)]),  # two days in a row
        (3, [MissedDose(day(0), day(1), None)]),
    ],
)
def test_an_oral_gap_counts_from_the_policy_days_in_a_row(until: int, expected: list[MissedDose]) -> None:  # fmt: skip
    assert missed_doses([tab(0)], day(until)) == expected


@pytest.mark.parametrize(
    ("next_day", "expected"),
    [
        (1, []),  # taken the next day: covered throughout
        (2, []),  # one uncovered day only
        (3, [MissedDose(day(0), day(1), day(3))]),
    ],
)
def test_an_oral_gap_closes_with_the_next_tablet(next_day: int, expected: list[MissedDose]) -> None:
    assert missed_doses([tab(0), tab(next_day)], day(next_day + 1)) == expected


def test_an_oral_gap_counts_from_where_supply_runs_out() -> None:
    # 150 mg covers 3 days (A5): uncovered from day 3, two days in a row by day 4.
    assert missed_doses([tab(0, 150)], day(3)) == []
    assert missed_doses([tab(0, 150)], day(4)) == [MissedDose(day(0), day(3), None)]


def test_the_policy_sets_the_oral_days_in_a_row() -> None:
    three = dataclasses.replace(DEFAULT_POLICY, missed_oral_days_in_a_row=3)
    assert missed_doses([tab(0)], day(2), three) == []
    assert missed_doses([tab(0)], day(3), three) == [MissedDose(day(0), day(1), None)]


def test_an_implant_is_missed_when_its_coverage_ends() -> None:
    implant = Administration(day(0), IMPLANT, covered_days=90)
    assert missed_doses([implant], day(89)) == []
    assert missed_doses([implant], day(90)) == [MissedDose(day(0), day(90), None)]


# --- stopped treatment -----------------------------------------------------------------------------


def test_no_dose_is_missed_after_treatment_stops() -> None:
    # Stopped on day 20: the injection would be overdue on day 29, after the stop.
    assert missed_doses([inj(0)], day(60), stopped_on=day(20)) == []
    assert missed_doses([inj(0)], day(60), stopped_on=day(28)) == []


@pytest.mark.parametrize(
    ("stopped", "closed"),
    [(29, 30), (35, 36)],  # stopped on the overdue day, or later: closed the day after
)
def test_an_episode_open_when_treatment_stops_closes_the_day_after(stopped: int, closed: int) -> None:  # fmt: skip
    assert missed_doses([inj(0)], day(60), stopped_on=day(stopped)) == [
        MissedDose(day(0), day(29), day(closed))
    ]


def test_a_dose_before_the_stop_still_closes_its_episode() -> None:
    assert missed_doses([inj(0), inj(31)], day(60), stopped_on=day(40)) == [
        MissedDose(day(0), day(29), day(31))
    ]


def test_doses_after_the_stop_are_not_read() -> None:
    assert missed_doses([inj(0), inj(31)], day(60), stopped_on=day(30)) == [
        MissedDose(day(0), day(29), day(31))
    ]


# --- days to contact ------------------------------------------------------------------------------


def test_days_to_contact_counts_from_the_missed_day() -> None:
    ep = MissedDose(day(0), day(29), day(40))
    tries = [Attempt(day(29), Outcome.NO_ANSWER), Attempt(day(31), Outcome.REACHED),
             Attempt(day(33), Outcome.REACHED)]  # fmt: skip
    assert days_to_contact(ep, tries) == 2


@pytest.mark.parametrize(
    ("contact_day", "expected"),
    [
        (28, None),  # before the missed day: not this episode's contact
        (29, 0),  # the same day
        (40, 11),  # on the day it closed
        (41, None),  # after it closed
    ],
)
def test_contact_counts_only_inside_the_episode(contact_day: int, expected: int | None) -> None:
    ep = MissedDose(day(0), day(29), day(40))
    assert days_to_contact(ep, [Attempt(day(contact_day), Outcome.DECLINED)]) == expected


def test_an_open_episode_counts_any_later_contact() -> None:
    assert days_to_contact(MissedDose(day(0), day(29)), [Attempt(day(90), Outcome.REACHED)]) == 61


def test_no_contact_no_days() -> None:
    ep = MissedDose(day(0), day(29))
    assert days_to_contact(ep, []) is None
    assert days_to_contact(ep, [Attempt(day(30), Outcome.WRONG_NUMBER)]) is None


# --- where outreach stands on Today ---------------------------------------------------------------


def status(attempts: list[Attempt], on: int, *, overdue: int | None = 29,
           ends: int | None = 28) -> OutreachStatus:  # fmt: skip
    return outreach_status(
        attempts, day(on), last_dose_on=day(0),
        overdue_from=None if overdue is None else day(overdue),
        coverage_ends_on=None if ends is None else day(ends),
    )  # fmt: skip


def test_nobody_tried_yet() -> None:
    assert status([], 30) == OutreachStatus(Reach.TO_CONTACT, day(29), None)


@pytest.mark.parametrize(
    ("reached_day", "reach"),
    [(28, Reach.TO_CONTACT), (29, Reach.REACHED), (30, Reach.REACHED), (31, Reach.TO_CONTACT)],
)
def test_reached_counts_from_the_missed_day_up_to_today(reached_day: int, reach: Reach) -> None:
    # Day 28: reached while only waning, then the dose was missed; day 31: a later entry.
    assert status([Attempt(day(reached_day), Outcome.REACHED)], 30).reach is reach


def test_reached_keeps_the_first_contact_day_and_the_last_attempt() -> None:
    tries = [Attempt(day(29), Outcome.REACHED), Attempt(day(30), Outcome.NO_ANSWER)]
    assert status(tries, 30) == OutreachStatus(Reach.REACHED, day(29), tries[1], day(29))


@pytest.mark.parametrize(
    ("next_day", "reach"),
    [(None, Reach.TO_CONTACT), (30, Reach.TO_CONTACT), (31, Reach.TRY_AGAIN)],
)
def test_not_reached_waits_only_for_a_later_planned_attempt(next_day: int | None, reach: Reach) -> None:  # fmt: skip
    planned = None if next_day is None else day(next_day)
    last = Attempt(day(30), Outcome.NO_ANSWER, planned)
    assert status([last], 30) == OutreachStatus(reach, day(29), last)


def test_the_last_attempt_decides_what_is_planned() -> None:
    tries = [Attempt(day(29), Outcome.NO_ANSWER, day(35)), Attempt(day(30), Outcome.MESSAGE_LEFT)]
    assert status(tries, 30).reach is Reach.TO_CONTACT


@pytest.mark.parametrize(
    ("on", "since"),
    [
        (27, 1),  # waning, not missed yet: every attempt since the last dose
        (28, 1),
        (29, 29),  # missed: from the missed day
    ],
)
def test_before_the_dose_is_missed_attempts_since_the_last_dose_count(on: int, since: int) -> None:
    assert status([], on).since == day(since)


def test_without_an_overdue_day_the_first_uncovered_day_is_the_missed_day() -> None:
    # An oral gap or stopped treatment: the coverage's end.
    assert status([], 10, overdue=None, ends=5).since == day(5)
    assert status([], 4, overdue=None, ends=5).since == day(1)
    assert status([], 4, overdue=None, ends=None).since == day(1)


def test_a_reach_before_the_last_dose_does_not_count() -> None:
    assert status([Attempt(day(0), Outcome.REACHED)], 20).reach is Reach.TO_CONTACT
    assert status([Attempt(day(1), Outcome.REACHED)], 20).reach is Reach.REACHED


def test_a_dose_on_the_last_day_read_closes_the_episode() -> None:
    assert missed_doses([inj(0), inj(30)], day(30)) == [MissedDose(day(0), day(29), day(30))]


def test_a_dose_on_the_day_treatment_stops_closes_the_episode_that_day() -> None:
    assert missed_doses([inj(0), inj(31)], day(60), stopped_on=day(31)) == [
        MissedDose(day(0), day(29), day(31))
    ]


def test_the_policy_sets_an_implants_coverage() -> None:
    short = dataclasses.replace(DEFAULT_POLICY, implant_coverage_days=60)
    implant = Administration(day(0), IMPLANT)
    assert missed_doses([implant], day(59), short) == []
    assert missed_doses([implant], day(60), short) == [MissedDose(day(0), day(60), None)]
