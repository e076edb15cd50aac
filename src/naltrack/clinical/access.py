"""May this clinician open this patient's chart now? The care team and break-the-glass, decided
as a pure function: no Django, no clock (`at` is an argument).

A Part 2 program's clinicians open the charts of the patients they treat: the patient's care team
(HIPAA's minimum necessary, 45 CFR 164.502(b) and 164.514(d); 42 CFR 2.13(a): records used only
as the rule permits). A clinician outside the care team who must open a chart (covering a shift,
an emergency on the floor) breaks the glass: states why, gets access for a limited time
(`BREAK_GLASS_HOURS`, a clinic setting), the chart shows it, the director reviews it and the
patient's accounting lists it. Roles still decide what a chart read may include (accounts/roles.py);
the care team decides whose charts.

`decide_chart_access` is the one rule; `naltrack.patients.careteam` gathers its facts and
`naltrack.patients.services.read_patient`, the one door to a chart, applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .errors import InputError

# How long a break-the-glass access lasts: a shift's worth, not a standing key. A clinic setting
# (NALTRACK_BREAK_GLASS_HOURS, 1-24).
BREAK_GLASS_HOURS = 4
BREAK_GLASS_HOURS_RANGE = (1, 24)
# The reason is a sentence a reviewer can judge ("covering Nina's shift; patient in clinic with
# chest pain"), not "urgent".
MIN_BREAK_GLASS_REASON = 15
MAX_BREAK_GLASS_REASON = 1000


class AccessBasis(StrEnum):
    NOT_RESTRICTED = "not_restricted"  # the clinic has the care-team restriction off
    CARE_TEAM = "care_team"
    BREAK_GLASS = "break_glass"


@dataclass(frozen=True, slots=True)
class ChartAccessFacts:
    """What the rule needs: is the restriction on, is the clinician on the patient's care team,
    and until when each break-the-glass access this clinician opened on this patient lasts."""

    restricted: bool
    on_care_team: bool
    break_glass_until: tuple[datetime, ...] = ()


@dataclass(frozen=True, slots=True)
class ChartAccess:
    allowed: bool
    basis: AccessBasis | None
    until: datetime | None  # the end of the break-the-glass access that lets them in
    reason: str


def decide_chart_access(facts: ChartAccessFacts, at: datetime) -> ChartAccess:
    """Allowed on the care team (or with the restriction off) or within a break-the-glass access
    still running at `at` (the latest one counts); otherwise refused: break the glass."""
    if not facts.restricted:
        return ChartAccess(True, AccessBasis.NOT_RESTRICTED, None, "care-team restriction off")
    if facts.on_care_team:
        return ChartAccess(True, AccessBasis.CARE_TEAM, None, "on the patient's care team")
    running = [end for end in facts.break_glass_until if break_glass_active(end, at)]
    if running:
        until = max(running)
        return ChartAccess(
            True,
            AccessBasis.BREAK_GLASS,
            until,
            f"break-the-glass access until {until:%Y-%m-%d %H:%M}",
        )
    return ChartAccess(
        False, None, None,
        "you are not on this patient's care team: state why you must open the chart (break the glass)",
    )  # fmt: skip


def break_glass_active(ends_at: datetime, at: datetime) -> bool:
    """An access lasts up to, not including, its end."""
    return at < ends_at


def break_glass_ends_at(opened_at: datetime, hours: int = BREAK_GLASS_HOURS) -> datetime:
    low, high = BREAK_GLASS_HOURS_RANGE
    if not low <= hours <= high:
        raise InputError(f"must be {low}-{high} hours", "break_glass_hours")
    return opened_at + timedelta(hours=hours)


def break_glass_reason_problem(reason: str) -> InputError | None:
    """A reason a reviewer can judge: a sentence, within the field's length."""
    text = reason.strip()
    if not text:
        return InputError("is required: say why you must open this chart", "reason")
    if len(text) < MIN_BREAK_GLASS_REASON:
        return InputError(
            f"say why in a sentence (at least {MIN_BREAK_GLASS_REASON} characters)", "reason"
        )
    if len(text) > MAX_BREAK_GLASS_REASON:
        return InputError(f"must be at most {MAX_BREAK_GLASS_REASON} characters", "reason")
    return None


def on_care_team(username: str, members: Iterable[str]) -> bool:
    """User names compare exactly (they are the accounts' keys)."""
    return username in set(members)


class OutsideCareTeam(InputError):
    """A clinician outside the patient's care team, with no break-the-glass access running, asked
    for the chart. The API answers 403 with the way in; pages show the break-the-glass form."""

    def __init__(self, mrn: str, decision: ChartAccess) -> None:
        super().__init__(decision.reason, "reason")
        self.mrn = mrn
        self.decision = decision
