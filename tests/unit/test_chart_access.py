"""The care-team rule (clinical/access.py): who opens a chart, and break-the-glass, with the minute
before, of and after the end of an access."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from naltrack.clinical.access import (
    BREAK_GLASS_HOURS,
    MAX_BREAK_GLASS_REASON,
    MIN_BREAK_GLASS_REASON,
    AccessBasis,
    ChartAccessFacts,
    OutsideCareTeam,
    WorklistFacts,
    WorklistScope,
    break_glass_ends_at,
    break_glass_reason_problem,
    decide_chart_access,
    decide_worklist_scope,
    on_care_team,
    on_my_list,
)
from naltrack.clinical.errors import InputError

AT = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
ENDS = AT + timedelta(hours=4)
MINUTE = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("facts", "at", "allowed", "basis"),
    [
        (ChartAccessFacts(False, False), AT, True, AccessBasis.NOT_RESTRICTED),
        (ChartAccessFacts(True, True), AT, True, AccessBasis.CARE_TEAM),
        (ChartAccessFacts(True, False), AT, False, None),
        (ChartAccessFacts(True, False, (ENDS,)), ENDS - MINUTE, True, AccessBasis.BREAK_GLASS),
        (ChartAccessFacts(True, False, (ENDS,)), ENDS, False, None),
        (ChartAccessFacts(True, False, (ENDS,)), ENDS + MINUTE, False, None),
        # the care team wins over a break-the-glass access: nothing to review
        (ChartAccessFacts(True, True, (ENDS,)), AT, True, AccessBasis.CARE_TEAM),
    ],
    ids=["restriction off", "on the care team", "outside, no access", "minute before the end",
         "the end", "after the end", "team and access"],
)  # fmt: skip
def test_who_opens_a_chart(
    facts: ChartAccessFacts, at: datetime, allowed: bool, basis: AccessBasis | None
) -> None:
    decision = decide_chart_access(facts, at)
    assert decision.allowed is allowed
    assert decision.basis is basis
    assert decision.reason


def test_a_refusal_says_how_to_get_in() -> None:
    decision = decide_chart_access(ChartAccessFacts(True, False), AT)
    assert "break the glass" in decision.reason and decision.until is None


def test_the_latest_running_access_counts() -> None:
    later = ENDS + timedelta(hours=2)
    decision = decide_chart_access(ChartAccessFacts(True, False, (AT - MINUTE, ENDS, later)), AT)
    assert decision.until == later


@pytest.mark.parametrize(("hours", "ends"), [(1, AT + timedelta(hours=1)), (24, AT + timedelta(hours=24))])  # fmt: skip
def test_an_access_is_time_limited(hours: int, ends: datetime) -> None:
    assert break_glass_ends_at(AT, hours) == ends
    assert break_glass_ends_at(AT) == AT + timedelta(hours=BREAK_GLASS_HOURS)


@pytest.mark.parametrize("hours", [0, 25, -4])
def test_the_access_window_is_bounded(hours: int) -> None:
    with pytest.raises(InputError) as err:
        break_glass_ends_at(AT, hours)
    assert err.value.field == "break_glass_hours"


@pytest.mark.parametrize(
    ("reason", "problem"),
    [("", "is required"), ("   ", "is required"), ("urgent", "in a sentence"),
     ("x" * (MIN_BREAK_GLASS_REASON - 1), "in a sentence"), ("y" * 1001, "at most 1000")],
)  # fmt: skip
def test_a_reason_a_reviewer_can_judge(reason: str, problem: str) -> None:
    found = break_glass_reason_problem(reason)
    assert found is not None and problem in found.message and found.field == "reason"


def test_a_sentence_is_a_reason() -> None:
    assert break_glass_reason_problem("Covering Nina's shift; the patient is here now.") is None
    assert break_glass_reason_problem("x" * MIN_BREAK_GLASS_REASON) is None


def test_care_team_names_compare_exactly() -> None:
    assert on_care_team("nina.nurse", ["pat.prescriber", "nina.nurse"])
    assert not on_care_team("Nina.Nurse", ["nina.nurse"])


# ---- whose patients a worklist holds (Today, the alert inbox) ----------------------------------

MINE, CLINIC = WorklistScope.MY_PATIENTS, WorklistScope.CLINIC


@pytest.mark.parametrize(
    ("facts", "scope", "may_choose"),
    [
        # restriction off: everyone sees the clinic, nothing to choose
        (WorklistFacts(False, True, False), CLINIC, False),
        (WorklistFacts(False, True, True, MINE), CLINIC, False),
        # the coordinator (on no care team): the clinic's schedules
        (WorklistFacts(True, False, True), CLINIC, False),
        (WorklistFacts(True, False, True, MINE), CLINIC, False),
        # a nurse or counselor: their patients, no other list
        (WorklistFacts(True, True, False), MINE, False),
        (WorklistFacts(True, True, False, CLINIC), MINE, False),
        # the prescriber: their patients by default, the clinic on asking
        (WorklistFacts(True, True, True), MINE, True),
        (WorklistFacts(True, True, True, MINE), MINE, True),
        (WorklistFacts(True, True, True, CLINIC), CLINIC, True),
    ],
    ids=["off", "off, asks own", "coordinator", "coordinator asks own", "nurse",
         "nurse asks clinic", "prescriber", "prescriber asks own", "prescriber asks clinic"],
)  # fmt: skip
def test_whose_patients_a_worklist_holds(
    facts: WorklistFacts, scope: WorklistScope, may_choose: bool
) -> None:
    view = decide_worklist_scope(facts)
    assert (view.scope, view.may_choose) == (scope, may_choose)
    assert view.label


@pytest.mark.parametrize(
    ("facts", "label"),
    [
        (WorklistFacts(False, True, True), "Whole clinic (the care-team restriction is off)"),
        (WorklistFacts(True, False, True), "Whole clinic: schedules and contacts"),
        (WorklistFacts(True, True, True, CLINIC),
         "Whole clinic: every patient's items (the clinic-wide safety list)"),
        (WorklistFacts(True, True, False),
         "Your patients: those whose care team you are on, those you opened with break-the-glass, "
         "and every patient with no care team yet (marked), so that nobody is missed"),
    ],
    ids=["restriction off", "coordinator", "prescriber asks clinic", "nurse"],
)  # fmt: skip
def test_the_worklist_is_headed_with_what_it_holds(facts: WorklistFacts, label: str) -> None:
    assert decide_worklist_scope(facts).label == label


@pytest.mark.parametrize(
    ("on_team", "glass", "staffed", "listed"),
    [
        (True, False, 1, True),
        (False, True, 1, True),
        (False, False, 1, False),
        (False, False, 3, False),
        # nobody (with an active account) on the team: on every clinician's list, never hidden
        (False, False, 0, True),
    ],
    ids=["on the team", "break-the-glass", "someone else's", "others' team", "no care team"],
)
def test_who_is_on_a_clinicians_own_list(on_team: bool, glass: bool, staffed: int, listed: bool) -> None:  # fmt: skip
    assert (
        on_my_list(MINE, on_team=on_team, break_glass_running=glass, staffed_members=staffed)
        is listed
    )
    assert on_my_list(CLINIC, on_team=on_team, break_glass_running=glass, staffed_members=staffed)


# What the chart page and the API show a clinician, word for word.
@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (ChartAccessFacts(False, False), "care-team restriction off"),
        (ChartAccessFacts(True, True), "on the patient's care team"),
        (ChartAccessFacts(True, False, (ENDS,)), "break-the-glass access until 2026-11-21 13:30"),
        (
            ChartAccessFacts(True, False),
            "you are not on this patient's care team: state why you must open the chart "
            "(break the glass)",
        ),
    ],
    ids=["restriction off", "care team", "break the glass", "refused"],
)
def test_the_reason_a_clinician_reads(facts: ChartAccessFacts, reason: str) -> None:
    assert decide_chart_access(facts, AT).reason == reason


@pytest.mark.parametrize("hours", [0, 25])
def test_an_access_outside_the_window_names_the_window(hours: int) -> None:
    with pytest.raises(InputError) as err:
        break_glass_ends_at(AT, hours)
    assert err.value.message == "must be 1-24 hours"


# The reason's length: one short of the minimum, the minimum; the maximum, one over it.
@pytest.mark.parametrize(
    ("length", "problem"),
    [
        (MIN_BREAK_GLASS_REASON - 1, "say why in a sentence (at least 15 characters)"),
        (MIN_BREAK_GLASS_REASON, None),
        (MAX_BREAK_GLASS_REASON, None),
        (MAX_BREAK_GLASS_REASON + 1, "must be at most 1000 characters"),
    ],
)
def test_a_reason_at_each_length_bound(length: int, problem: str | None) -> None:
    found = break_glass_reason_problem("r" * length)
    assert (found.message if found else None) == problem


def test_an_empty_reason_says_what_is_required() -> None:
    found = break_glass_reason_problem("  ")
    assert found is not None
    assert (found.field, found.message) == (
        "reason",
        "is required: say why you must open this chart",
    )


def test_a_refusal_carries_the_chart_and_the_decision() -> None:
    decision = decide_chart_access(ChartAccessFacts(True, False), AT)
    refused = OutsideCareTeam("MRN-1", decision)
    assert (refused.field, refused.message) == ("reason", decision.reason)
    assert refused.mrn == "MRN-1" and refused.decision is decision
