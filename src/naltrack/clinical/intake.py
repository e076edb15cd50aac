"""The intake pipeline (issue 15): which step of an inquiry may follow which, when an inquiry may
be turned into a registered patient, when a new inquiry is due a first call back, and the days
from first contact to first dose (median, by referral source).

The clinical reference is silent on intake (Part A and Part B cover treatment from the first dose
on); the pipeline follows the product brief's coordinator (capability 13): new -> contacted ->
insurance checked -> assessment booked -> started, or closed with a reason from any open step.
"Started" is never set by hand: it is reached when the converted patient's first dose is recorded
(`stage_of`). A closed inquiry stays closed (a person who calls again is a new inquiry, so the
report counts each contact from its own first day).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .policy import DEFAULT_POLICY, Policy


class Stage(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    INSURANCE_CHECKED = "insurance_checked"
    ASSESSMENT_BOOKED = "assessment_booked"
    STARTED = "started"
    CLOSED = "closed"


OPEN_STAGES = (Stage.NEW, Stage.CONTACTED, Stage.INSURANCE_CHECKED, Stage.ASSESSMENT_BOOKED)

# Each forward step the coordinator takes by hand and the one stage it follows. Closing is allowed
# from every open stage; "started" is derived from the first dose, never taken by hand.
FOLLOWS: dict[Stage, Stage] = {
    Stage.CONTACTED: Stage.NEW,
    Stage.INSURANCE_CHECKED: Stage.CONTACTED,
    Stage.ASSESSMENT_BOOKED: Stage.INSURANCE_CHECKED,
}
ALLOWED_FROM: dict[Stage, frozenset[Stage]] = {
    **{step: frozenset({before}) for step, before in FOLLOWS.items()},
    Stage.CLOSED: frozenset(OPEN_STAGES),
}


def words(stage: Stage) -> str:
    """A stage as a sentence says it: "insurance checked"."""
    return stage.value.replace("_", " ")


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    reason: str


def stage_of(stored: Stage, *, first_dose_on: date | None) -> Stage:
    """The stage an inquiry is at: its stored stage, or "started" once the patient it was
    converted to has a first dose (a closed inquiry stays closed)."""
    if first_dose_on is not None and stored is not Stage.CLOSED:
        return Stage.STARTED
    return stored


def transition(current: Stage, target: Stage) -> Verdict:
    """May an inquiry at `current` (as `stage_of` gives it) move to `target` by hand, and why."""
    if target is Stage.STARTED:
        return Verdict(False, "started is reached when the patient's first dose is recorded")
    if target is Stage.NEW:
        return Verdict(False, "an inquiry is new only when it is taken")
    if current is Stage.STARTED:
        return Verdict(False, "the patient has started treatment: the inquiry is finished")
    if current is Stage.CLOSED:
        return Verdict(False, "the inquiry is closed: take a new inquiry if the person calls again")
    if current is target:
        return Verdict(False, f"the inquiry is already {words(current)}")
    if target is Stage.CLOSED:
        return Verdict(True, "an open inquiry may be closed with a reason")
    before = FOLLOWS[target]
    if current is not before:
        return Verdict(False, f"{words(target)} follows {words(before)}, not {words(current)}")
    return Verdict(True, f"{words(target)} follows {words(current)}")


def conversion(current: Stage, *, converted: bool) -> Verdict:
    """May the inquiry be turned into a registered patient: once the person has been reached
    (contacted or later), not yet converted, not closed."""
    if converted:
        return Verdict(False, "the inquiry is already linked to a registered patient")
    if current is Stage.CLOSED:
        return Verdict(False, "the inquiry is closed")
    if current is Stage.NEW:
        return Verdict(False, "contact the person first: a new inquiry has not been reached")
    return Verdict(True, "the person has been reached and is not registered yet")


# --- the first call back ------------------------------------------------------------------------


def contact_due_on(first_contact_on: date, policy: Policy = DEFAULT_POLICY) -> date:
    """The last day a new inquiry should be called back by (`intake_contact_within_days`)."""
    return first_contact_on + timedelta(days=policy.intake_contact_within_days)


def contact_due_cutoff(today: date, policy: Policy = DEFAULT_POLICY) -> date:
    """The latest first-contact day of the new inquiries due a call back by `today`: a new
    inquiry first contacted on or before this day belongs on Today's list."""
    return today - timedelta(days=policy.intake_contact_within_days)


def contact_overdue(first_contact_on: date, today: date, policy: Policy = DEFAULT_POLICY) -> bool:
    """A new inquiry not called back by its due day."""
    return today > contact_due_on(first_contact_on, policy)


# --- days from first contact to first dose ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Journey:
    """One inquiry as the report sees it: its referral source, the day of first contact and the
    day of the converted patient's first dose (None: not started)."""

    source: str
    first_contact_on: date
    first_dose_on: date | None


@dataclass(frozen=True, slots=True)
class Summary:
    inquiries: int  # first contacted in the period
    started: int  # of those, with a first dose
    median_days: float | None  # first contact to first dose, over those started; None: none


@dataclass(frozen=True, slots=True)
class TimeToDose:
    overall: Summary
    by_source: dict[str, Summary]  # every source asked for, in the order asked


def median(values: Sequence[int]) -> float | None:
    """The median of whole days: the middle one, or the mean of the two middle ones."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def _summary(journeys: Sequence[Journey]) -> Summary:
    days = [
        (j.first_dose_on - j.first_contact_on).days for j in journeys if j.first_dose_on is not None
    ]
    return Summary(len(journeys), len(days), median(days))


def time_to_first_dose(
    journeys: Iterable[Journey], start: date, end: date, sources: Sequence[str]
) -> TimeToDose:
    """Days from first contact to first dose for the inquiries first contacted from `start` to
    `end` (both included), overall and per referral source."""
    cohort = [j for j in journeys if start <= j.first_contact_on <= end]
    return TimeToDose(
        _summary(cohort),
        {s: _summary([j for j in cohort if j.source == s]) for s in sources},
    )
