"""The patient's protection status: whether naltrexone is blocking opioids today, until about when,
and when the next injection or tablet is due, for the patient portal and the wallet card.

It is read from the same functions the chart and the nightly refresh use (`covered_segments`,
`injection_timing`, `build_schedule`), so the portal can never give a date the chart does not:

- How long a dose blocks: an injection about 28 days, an implant its coverage days, a 50 mg tablet
  about 24 hours (100 mg 48 h, 150 mg 72 h); overlapping supply carries forward
  (clinical-reference.md Part A A5 coverage; fact sheet 2.1 blockade duration by oral dose; 4.1
  "XR-NTX blocks exogenous opioids for about 28 days").
- When the blockade is said to wane: an injection from `waning_from_day` (day 25) after it (Part A
  A6; fact sheet 4.1: fatal overdoses at the end of a dosing interval); an implant from
  `implant_replacement_lead_days` before its coverage ends (Part A A5); a tablet on the day its
  cover ends, when the next tablet is due.
- The next injection: earliest re-dose day 21, due day 28, overdue from day 29, so the last day
  that keeps the blockade without a gap is the day before it is overdue (Part A A5).
- After treatment stops, tolerance is lost: the risk lasts `post_treatment_risk_days` (30) after
  the last dose's cover ends (Part A A6; fact sheet 4.1 and 3: stopping raises overdose risk).

Pure: `on` and the policy are arguments; no clock, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .coverage import Administration, covered_segments
from .errors import InputError
from .policy import DEFAULT_POLICY, Policy
from .regimens import ScheduleRequest, build_schedule, injection_timing, regimens
from .vocab import Formulation, Indication, StopReason

SOURCE = "Part A A5-A6; fact sheet 2.1, 4.1 (clinical-reference.md)"


class Protection(StrEnum):
    """Where the patient stands today, in the order the wording gets more urgent."""

    NO_DOSE = "no_dose"  # no naltrexone given yet (or no dose recorded)
    BLOCKED = "blocked"  # the last dose is blocking opioids and is not yet wearing off
    WANING = "waning"  # still covered, but wearing off: the next dose is due soon or today
    ENDED = "ended"  # in treatment, but no dose covers today: the blockade has worn off
    STOPPED = "stopped"  # treatment stopped: tolerance is lost, for the post-treatment window
    NOT_APPLICABLE = "not_applicable"  # the patient died: nothing to tell


@dataclass(frozen=True, slots=True)
class InjectionWindow:
    """The next injection after the last one: may be given from `earliest`, is due on `due`,
    and `last_safe_day` is the last day that keeps the blockade without a gap (the day before it
    counts as overdue). `overdue_from` is the chart's "overdue from"."""

    last_injection: date
    earliest: date
    due: date
    last_safe_day: date
    overdue_from: date


@dataclass(frozen=True, slots=True)
class ProtectionStatus:
    on: date
    level: Protection
    formulation: Formulation | None  # of the last dose
    last_dose: date | None
    # The first day the last dose no longer covers ("expected to last until about"): the end of
    # the covered run that holds the last dose (covered_segments).
    blockade_until: date | None
    waning_from: date | None  # from this day the wording warns that it is wearing off
    risk_until: date | None  # STOPPED: the last day of the post-treatment risk window
    next_injection: InjectionWindow | None
    policy: str
    source: str = SOURCE

    @property
    def blocked_today(self) -> bool:
        return self.level in (Protection.BLOCKED, Protection.WANING)


def injection_window(last_injection: date, policy: Policy = DEFAULT_POLICY) -> InjectionWindow:
    """The next injection's days, from `injection_timing` (the same dates the chart shows)."""
    timing = injection_timing(last_injection, last_injection, policy)
    return InjectionWindow(
        last_injection=last_injection,
        earliest=timing.earliest_date,
        due=timing.due_date,
        last_safe_day=timing.overdue_from - timedelta(days=1),
        overdue_from=timing.overdue_from,
    )


def protection_status(
    admins: Sequence[Administration],
    on: date,
    policy: Policy = DEFAULT_POLICY,
    *,
    treatment_stopped: bool = False,
    stop_reason: StopReason | None = None,
) -> ProtectionStatus:
    """The patient's protection on `on`, from the doses given on or before it."""
    given = [a for a in admins if a.date <= on]
    if stop_reason is StopReason.DEATH:
        return ProtectionStatus(on, Protection.NOT_APPLICABLE, None, None, None, None, None, None,
                                policy.version)  # fmt: skip
    if not given:
        return ProtectionStatus(on, Protection.NO_DOSE, None, None, None, None, None, None,
                                policy.version)  # fmt: skip
    last = max(given, key=lambda a: a.date)
    ends = covered_segments(given, policy)[-1][1]  # first uncovered day of the last run
    if treatment_stopped:
        risk_until = ends + timedelta(days=policy.post_treatment_risk_days - 1)
        return ProtectionStatus(on, Protection.STOPPED, last.formulation, last.date, ends, None,
                                risk_until, None, policy.version)  # fmt: skip
    window: InjectionWindow | None = None
    if last.formulation is Formulation.XR_INJECTION:
        window = injection_window(last.date, policy)
        # Waning from day 25, but never after the cover ends (a policy with fewer covered days).
        waning_from = min(last.date + timedelta(days=policy.waning_from_day), ends)
    elif last.formulation is Formulation.IMPLANT:
        waning_from = ends - timedelta(days=policy.implant_replacement_lead_days)
    else:
        # A tablet's cover ends the day the next tablet is due: that day it is wearing off.
        waning_from = ends
    # The blockade has worn off (the A6 risk windows): an injection once it is overdue (until
    # then the chart's waning window runs), an implant when its cover ends, a tablet the day
    # after its cover ends (the day it ends, today's tablet may still be taken).
    if window is not None:
        ended_from = max(ends, window.overdue_from)
    elif last.formulation is Formulation.IMPLANT:
        ended_from = ends
    else:
        ended_from = ends + timedelta(days=1)
    if on >= ended_from:
        level = Protection.ENDED
    elif on >= waning_from:
        level = Protection.WANING
    else:
        level = Protection.BLOCKED
    return ProtectionStatus(on, level, last.formulation, last.date, ends, waning_from, None,
                            window, policy.version)  # fmt: skip


# --- tablets: the dose of a day -----------------------------------------------------------------


class DoseDay(StrEnum):
    DOSE = "dose"  # a tablet dose is scheduled this day (`mg`)
    NO_DOSE = "no_dose"  # the schedule has no dose this day (e.g. Tuesday on Mon-Wed-Fri)
    AS_NEEDED = "as_needed"  # targeted dosing: before an anticipated drinking occasion
    AS_DIRECTED = "as_directed"  # a prescriber's own schedule: as the prescriber said


@dataclass(frozen=True, slots=True)
class OralDoseDay:
    on: date
    kind: DoseDay
    mg: int | None = None


def oral_dose_on(
    regimen: str,
    first_day: date,
    on: date,
    indications: frozenset[Indication],
    policy: Policy = DEFAULT_POLICY,
) -> OralDoseDay:
    """The tablet dose a regimen schedules on `on`, counting from `first_day`: the day the active
    oral order was signed (the one anchor, treatment.facts.tablet_order), so that every-other-day
    and every-third-day schedules fall on the same days on the portal's Home, its Doses page
    (checkin.scheduled_tablets reads this function day by day) and the MAR's order check
    (mar.order_refusal). Uses `build_schedule`, the same schedule the prescriber's plan shows."""
    table = regimens()
    reg = table.get(regimen)
    if reg is None:
        raise InputError(f"unknown regimen; use one of {', '.join(table)}", "regimen")
    if reg.formulation is not Formulation.ORAL:
        raise InputError("is not a tablet regimen", "regimen")
    if on < first_day:
        return OralDoseDay(on, DoseDay.NO_DOSE)
    if reg.as_needed:
        return OralDoseDay(on, DoseDay.AS_NEEDED, reg.dose_mg)
    if reg.custom:
        return OralDoseDay(on, DoseDay.AS_DIRECTED)
    # Only the days from the last cycle start are needed: an every-N-days schedule repeats every
    # N days from the first day, a weekly pattern every 7.
    span = (on - first_day).days
    if reg.every_days:
        start = first_day + timedelta(days=span - span % reg.every_days)
    else:
        start = max(first_day, on - timedelta(days=6))
    # The plan is already signed: its weekly total was the prescriber's decision (as in
    # checkin.scheduled_tablets), so a clinic policy with another weekly total must not refuse
    # to name today's tablet.
    request = ScheduleRequest(
        regimen=regimen, start_date=start, until=on, indications=indications, reason="as ordered"
    )
    schedule = build_schedule(request, policy)
    for dose in schedule.doses:
        if dose.date == on:
            return OralDoseDay(on, DoseDay.DOSE, dose.mg)
    return OralDoseDay(on, DoseDay.NO_DOSE)
