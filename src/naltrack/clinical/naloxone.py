"""Naloxone kits (issue 15): does a patient have an overdose reversal agent on hand on a day, may a
kit of a lot be handed out, is the stock low, and the clinic's coverage.

Fact sheet 4.5 (VIVITROL label 2.2): at every injection, and after stopping or a missed dose,
discuss reversal agents and strongly consider recommending one; Part A A6: every injection visit
records that it was discussed and whether the patient has one. The reference is silent on how long
a kit counts as on hand and on stock levels: both are policy settings with conservative defaults
(`naloxone_on_hand_valid_days`, `naloxone_reorder_point`).

Pure: facts in, answers out; the day and the policy are arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from .policy import Policy


class FactKind(StrEnum):
    HANDED_OUT = (
        "handed_out"  # a kit handed out (at an injection, a visit, discontinuation, mailed)
    )
    HAS_ONE = "has_one"  # the patient said they already have one (also the MAR's "on hand")
    DECLINED = "declined"  # offered and declined: recorded, never counts as on hand


COUNTS_AS_ON_HAND = frozenset({FactKind.HANDED_OUT, FactKind.HAS_ONE})


@dataclass(frozen=True, slots=True)
class Fact:
    on: date
    kind: FactKind


@dataclass(frozen=True, slots=True)
class OnHand:
    """The answer for one patient on one day. `since`: the day of the hand-out or report it rests
    on (the latest one on or before the day, even when it no longer counts); `until`: the last day
    that fact counts; `declined_on`: the latest recorded refusal on or before the day."""

    on_hand: bool
    since: date | None = None
    until: date | None = None
    declined_on: date | None = None


def counts_until(fact_day: date, policy: Policy) -> date:
    """The last day a kit handed out (or reported) on `fact_day` counts as on hand: the day itself
    and `naloxone_on_hand_valid_days` days after it."""
    return fact_day + timedelta(days=policy.naloxone_on_hand_valid_days)


def counts_from(day: date, policy: Policy) -> date:
    """The earliest day a kit handed out (or reported) may still count on `day`: facts before it
    need not be read."""
    return day - timedelta(days=policy.naloxone_on_hand_valid_days)


def on_hand(facts: Iterable[Fact], day: date, policy: Policy) -> OnHand:
    """Whether the patient has naloxone on hand on `day`: the latest hand-out or "has one" report on
    or before the day counts through `counts_until`. A later refusal of another kit does not take
    away a kit the patient has; a fact dated after the day is not known yet."""
    known = [f for f in facts if f.on <= day]
    kits = [f.on for f in known if f.kind in COUNTS_AS_ON_HAND]
    refusals = [f.on for f in known if f.kind == FactKind.DECLINED]
    declined_on = max(refusals) if refusals else None
    if not kits:
        return OnHand(False, declined_on=declined_on)
    since = max(kits)
    until = counts_until(since, policy)
    return OnHand(day <= until, since, until, declined_on)


# --- stock ----------------------------------------------------------------------------------------


def lot_usable(expires_on: date, day: date) -> bool:
    """A lot may be handed out through its expiry day, not after."""
    return day <= expires_on


class StockProblem(StrEnum):
    EXPIRED = "expired"
    NOT_ENOUGH = "not_enough"


def hand_out_problem(
    expires_on: date, remaining: int, count: int, day: date
) -> StockProblem | None:
    """Why `count` kits of a lot with `remaining` kits may not be handed out on `day`, or None."""
    if not lot_usable(expires_on, day):
        return StockProblem.EXPIRED
    if count > remaining:
        return StockProblem.NOT_ENOUGH
    return None


def needs_reorder(usable_kits: int, policy: Policy) -> bool:
    """Stock is low when the usable kits fall to the reorder point or below."""
    return usable_kits <= policy.naloxone_reorder_point


# --- coverage -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ActivePatient:
    """One patient in active treatment on the day: a key to name them by (the MRN), the group they
    are counted in (their formulation), and their naloxone facts."""

    key: str
    group: str
    facts: tuple[Fact, ...]


@dataclass(frozen=True, slots=True)
class Share:
    covered: int
    active: int

    @property
    def share(self) -> float | None:
        """covered / active, None when nobody is active (no share of nobody)."""
        return self.covered / self.active if self.active else None


@dataclass(frozen=True, slots=True)
class Coverage:
    """Naloxone coverage on `day`.

    Denominator: the patients in active treatment on the day (the caller passes exactly those).
    Numerator: those of them with naloxone on hand on the day (`on_hand`: a kit handed out or a
    "has one" report within `naloxone_on_hand_valid_days`). `by_group`: the same per group, in the
    order first met; `without`: the keys of active patients without naloxone on hand, in the order
    given."""

    day: date
    overall: Share
    by_group: Mapping[str, Share]
    without: tuple[str, ...]


def coverage(patients: Iterable[ActivePatient], day: date, policy: Policy) -> Coverage:
    covered_by: dict[str, int] = {}
    active_by: dict[str, int] = {}
    without: list[str] = []
    for p in patients:
        active_by[p.group] = active_by.get(p.group, 0) + 1
        covered_by.setdefault(p.group, 0)
        if on_hand(p.facts, day, policy).on_hand:
            covered_by[p.group] += 1
        else:
            without.append(p.key)
    groups = {g: Share(covered_by[g], n) for g, n in active_by.items()}
    overall = Share(sum(covered_by.values()), sum(active_by.values()))
    return Coverage(day, overall, MappingProxyType(groups), tuple(without))
