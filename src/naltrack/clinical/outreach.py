"""Reaching a patient after a missed dose (issue 12): when a missed-dose episode opens and closes,
whether the patient has been reached in it, and how many days after the missed dose.

Part A A6 and fact sheet 4.1: the overdose risk is highest at the end of a dosing interval and
after a missed dose, so a patient in a missed-dose episode is contacted the same day and stays on
the list until someone reaches them or the episode closes.

- The missed-dose day comes from the core's own due dates, never a copy: an injection's is the day
  it becomes overdue (regimens.injection_timing, A5: day 29); a tablet's or an implant's the first
  day no dose covers (coverage.covered_segments, A5). An oral gap counts once it has lasted the
  policy's `missed_oral_days_in_a_row` (A6: 2 days), as the missed-dose alert does.
- The episode closes with the next dose, or when treatment stops (the day after its last day).
- Reached: an attempt that spoke with the patient (reached, or declined: an answer is an answer)
  made on or after the missed-dose day. A call that reached the patient while the injection was
  still only waning does not count for the dose missed after it: the missed dose is news.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .coverage import Administration, covered_segments
from .policy import DEFAULT_POLICY, Policy
from .regimens import injection_timing
from .vocab import Formulation

ONE_DAY = timedelta(days=1)


class AttemptKind(StrEnum):
    CALL = "call"
    TEXT = "text"
    LETTER = "letter"
    HOME_VISIT = "home_visit"


class Outcome(StrEnum):
    REACHED = "reached"
    MESSAGE_LEFT = "message_left"
    NO_ANSWER = "no_answer"
    WRONG_NUMBER = "wrong_number"
    DECLINED = "declined"  # reached, and declined to come back or to talk


# The outcomes in which someone spoke with the patient.
CONTACT_OUTCOMES = frozenset({Outcome.REACHED, Outcome.DECLINED})


@dataclass(frozen=True, slots=True)
class Attempt:
    """One outreach attempt as the rule needs it: its day, its outcome, the next attempt planned."""

    on: date
    outcome: Outcome
    next_attempt_on: date | None = None

    @property
    def made_contact(self) -> bool:
        return self.outcome in CONTACT_OUTCOMES


@dataclass(frozen=True, slots=True)
class MissedDose:
    """A missed-dose episode: the last dose before it, the day the dose was missed, and the day it
    closed (the next dose, or the day after treatment stopped); None while it is open."""

    last_dose_on: date
    missed_on: date
    closed_on: date | None = None


def missed_doses(
    admins: Iterable[Administration],
    until: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    stopped_on: date | None = None,
) -> list[MissedDose]:
    """Every missed-dose episode of this dosing record up to `until`, oldest first. `stopped_on`:
    the last day in treatment; no dose is missed after it, and an episode open then closes."""
    last_day = until if stopped_on is None else min(until, stopped_on)
    given = sorted((a for a in admins if a.date <= last_day), key=lambda a: a.date)
    segments = covered_segments(given, policy)
    starts = [s for s, _ in segments]
    out: list[MissedDose] = []
    for i, dose in enumerate(given):
        following = given[i + 1].date if i + 1 < len(given) else None
        if following == dose.date:
            continue  # two doses on one day: the later one decides
        if dose.formulation is Formulation.XR_INJECTION:
            missed = injection_timing(dose.date, dose.date, policy).overdue_from
        else:
            missed = segments[bisect_right(starts, dose.date) - 1][1]
        gap_ends = following if following is not None else last_day + ONE_DAY
        needed = policy.missed_oral_days_in_a_row if dose.formulation is Formulation.ORAL else 1
        if (gap_ends - missed).days >= needed:
            closed = following
            if stopped_on is not None and (closed is None or closed > stopped_on):
                closed = stopped_on + ONE_DAY
            out.append(MissedDose(dose.date, missed, closed))
    return out


def days_to_contact(missed: MissedDose, attempts: Iterable[Attempt]) -> int | None:
    """Days from the missed dose to the first attempt that reached the patient in the episode (on
    the day it closed included: reached in the morning, injected in the afternoon); None when
    nobody reached them."""
    reached = [
        a.on
        for a in attempts
        if a.made_contact
        and missed.missed_on <= a.on
        and (missed.closed_on is None or a.on <= missed.closed_on)
    ]
    return (min(reached) - missed.missed_on).days if reached else None


class Reach(StrEnum):
    TO_CONTACT = "to_contact"  # no attempt yet, or the next attempt is due
    TRY_AGAIN = "try_again"  # not reached; the next attempt is planned for a later day
    REACHED = "reached"


@dataclass(frozen=True, slots=True)
class OutreachStatus:
    reach: Reach
    since: date  # attempts from this day count
    last: Attempt | None  # the last attempt that counts
    reached_on: date | None = None


def outreach_status(
    attempts: Sequence[Attempt],
    on: date,
    *,
    last_dose_on: date,
    overdue_from: date | None,
    coverage_ends_on: date | None,
) -> OutreachStatus:
    """Where outreach stands on `on` for a patient on Today's overdue or risk-window list, from
    the care status the core computed: the missed-dose day is the injection's overdue day, else
    the first uncovered day. Before the dose is missed (a waning injection, an implant due for
    replacement), every attempt since the last dose counts. `attempts` in the order they were
    made."""
    missed = overdue_from if overdue_from is not None else coverage_ends_on
    since = missed if missed is not None and missed <= on else last_dose_on + ONE_DAY
    counted = [a for a in attempts if since <= a.on <= on]
    last = counted[-1] if counted else None
    reached = next((a.on for a in counted if a.made_contact), None)
    if reached is not None:
        return OutreachStatus(Reach.REACHED, since, last, reached)
    if last is not None and last.next_attempt_on is not None and last.next_attempt_on > on:
        return OutreachStatus(Reach.TRY_AGAIN, since, last)
    return OutreachStatus(Reach.TO_CONTACT, since, last)
