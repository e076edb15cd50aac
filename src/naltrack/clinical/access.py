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


# ---- Whose patients a worklist shows (Today, the alert inbox) ---------------------------------
#
# Minimum necessary (45 CFR 164.502(b), 164.514(d)(2)): a clinic identifies which of its workforce
# need which records, and limits each to those. A clinician's Today and alert inbox list names and
# clinical messages (an overdose risk, an overdue injection), so, with the care-team restriction
# on, a clinician's lists hold by default *their* patients: those whose care team they are on, and
# those whose chart they opened with a break-the-glass access still running.
#
# Safety limits the narrowing: a patient with nobody on their care team (just registered, or whose
# only clinicians have left and their accounts were disabled) is on every clinician's list, marked
# as having no care team. An overdue injection that nobody is assigned to notice is the overdose
# risk (clinical-reference.md: past day 28 is "the label's high-risk time for fatal overdose"; S1
# 5.1: the risk is highest after a missed dose), so narrowing never hides
# such a patient from everyone; the mark asks the prescriber or the coordinator to assign a team.
#
# Roles whose job is the whole clinic see it: the coordinator, who keeps every patient's schedule
# (and reads schedules and contact details only, never the clinical sections), always; the
# prescriber, who leads treatment and assigns care teams, on asking for the clinic's list, a
# clearly labelled view whose every read is audited with its scope. Nurses and counselors see their
# patients and the unassigned ones; any other patient's chart is behind break-the-glass. The
# director has no Today or alert inbox (the program report and the audit trail are theirs).


class WorklistScope(StrEnum):
    MY_PATIENTS = "mine"
    CLINIC = "clinic"


@dataclass(frozen=True, slots=True)
class WorklistFacts:
    """`restricted`: the clinic's care-team restriction; `joins_care_teams`: the role reads charts,
    so its members are on care teams; `sees_clinic`: the role's job spans the whole clinic (the role
    table says which); `asked`: the list asked for (None: the default)."""

    restricted: bool
    joins_care_teams: bool
    sees_clinic: bool
    asked: WorklistScope | None = None


@dataclass(frozen=True, slots=True)
class WorklistView:
    scope: WorklistScope
    may_choose: bool  # the page offers the other list
    label: str  # what the list holds, as the page heads it


MY_PATIENTS_LABEL = (
    "Your patients: those whose care team you are on, those you opened with break-the-glass, "
    "and every patient with no care team yet (marked), so that nobody is missed"
)
CLINIC_LABEL = "Whole clinic: every patient's items (the clinic-wide safety list)"


def decide_worklist_scope(facts: WorklistFacts) -> WorklistView:
    """Which patients a worklist holds for this role. The role table refuses a role that asks for
    the clinic's list without holding it before this is asked; asked anyway, the answer is the
    role's own list."""
    if not facts.restricted:
        return WorklistView(WorklistScope.CLINIC, False, "Whole clinic (the care-team restriction is off)")  # fmt: skip
    if not facts.joins_care_teams:
        # The coordinator is on no care team (care teams name clinicians): their list is the
        # clinic's schedules, which is their job.
        return WorklistView(WorklistScope.CLINIC, False, "Whole clinic: schedules and contacts")
    if facts.asked is WorklistScope.CLINIC and facts.sees_clinic:
        return WorklistView(WorklistScope.CLINIC, True, CLINIC_LABEL)
    return WorklistView(WorklistScope.MY_PATIENTS, facts.sees_clinic, MY_PATIENTS_LABEL)


def on_my_list(
    scope: WorklistScope, *, on_team: bool, break_glass_running: bool, staffed_members: int
) -> bool:
    """Is a patient on a clinician's list in this scope? `staffed_members`: how many current
    members of the patient's care team have an active account. The database query that fills the
    lists (patients.access.worklist_filter) is tested against this."""
    if scope is WorklistScope.CLINIC:
        return True
    return on_team or break_glass_running or staffed_members == 0
