"""What is due on Today's labs-and-reviews list, and how urgently (issue 12: the list held 112 of
154 demo patients in one table; grouped by what is due, most urgent first, it reads as a few
counts).

Two things fall due for a patient in treatment: the next liver test (the last one, or the first
dose, ages out of the baseline: Part A A3, A6, `liver_test_due` in clinical/alerts.py) and the
plan review. Each is overdue once its due day has passed, and due this week from
`labs_reviews_due_soon_days` before it (a program setting). The groups are ordered most urgent
first: overdue before due this week, and within each the liver test (a hepatotoxicity check of a
drug with a liver warning: Part A A3) before the plan review.

The worklist's database query asks `due_window` for each group's bounds, so that it lists exactly
the patients `due_urgency` classifies (tests/unit/test_due.py holds the two together)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .policy import Policy


class DueKind(StrEnum):
    LIVER_TESTS = "liver_tests"
    PLAN_REVIEW = "plan_review"


class DueUrgency(StrEnum):
    OVERDUE = "overdue"  # the due day has passed
    DUE_THIS_WEEK = "due_this_week"  # due today or within labs_reviews_due_soon_days


KIND_LABELS = {DueKind.LIVER_TESTS: "Liver tests", DueKind.PLAN_REVIEW: "Plan review"}
URGENCY_LABELS = {DueUrgency.OVERDUE: "overdue", DueUrgency.DUE_THIS_WEEK: "due this week"}


@dataclass(frozen=True, slots=True)
class DueGroup:
    kind: DueKind
    urgency: DueUrgency

    @property
    def key(self) -> str:
        return f"{self.kind.value}-{self.urgency.value}"

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def label(self) -> str:
        return f"{KIND_LABELS[self.kind]} {URGENCY_LABELS[self.urgency]}"


# Most urgent first: every overdue item before anything merely due, the liver before the plan.
GROUPS: tuple[DueGroup, ...] = tuple(
    DueGroup(kind, urgency) for urgency in DueUrgency for kind in DueKind
)


def due_urgency(due_on: date | None, on: date, policy: Policy) -> DueUrgency | None:
    """How urgent an item due on `due_on` is on `on`; None when nothing is due yet (or ever)."""
    if due_on is None:
        return None
    if due_on < on:
        return DueUrgency.OVERDUE
    if due_on <= on + timedelta(days=policy.labs_reviews_due_soon_days):
        return DueUrgency.DUE_THIS_WEEK
    return None


def due_window(urgency: DueUrgency, on: date, policy: Policy) -> tuple[date | None, date]:
    """The due days that `due_urgency` puts in `urgency` on `on`, as (first or None, last),
    both included: the worklist's query for a group."""
    if urgency is DueUrgency.OVERDUE:
        return None, on - timedelta(days=1)
    return on, on + timedelta(days=policy.labs_reviews_due_soon_days)


def due_until(on: date, policy: Policy) -> date:
    """The last due day the labs-and-reviews list holds on `on`."""
    return on + timedelta(days=policy.labs_reviews_due_soon_days)


def plan_review_due(written_on: date, policy: Policy) -> date:
    """The day a plan written on `written_on` is due its prescriber review (Part A A7,
    `plan_review_every_days`)."""
    return written_on + timedelta(days=policy.plan_review_every_days)
