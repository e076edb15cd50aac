"""Time from a missed dose to contact (issue 12): of the missed-dose episodes that began in a
period, how many days passed before someone reached the patient; the median, the distribution,
by the staff member who reached them and by the week the dose was missed. Aggregates only, no
patient named; reading it is audited.

The missed-dose episodes come from the core (clinical/outreach.py missed_doses: the injection's
overdue day from regimens.injection_timing, the first uncovered day from coverage), over the
dosing record the MAR holds (given doses, implants); "reached" is the core's too (days_to_contact).
An episode's patient stopped treatment when their last episode ended (its discontinuation, else
its discharge day): no dose is missed after it."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.coverage import Administration as Dose
from naltrack.clinical.errors import InputError
from naltrack.clinical.outreach import MissedDose, days_to_contact, missed_doses
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.models import Episode, EpisodeStatus
from naltrack.treatment.models import Administration, AdministrationStatus, Discontinuation, Implant

from .models import OutreachAttempt
from .services import as_attempt

MAX_PERIOD_DAYS = 3 * 366
# The distribution's bands, in days from the missed dose to contact: (first day, label).
BANDS = ((0, "Same day"), (1, "1 day"), (2, "2 days"), (3, "3-6 days"), (7, "7-13 days"),
         (14, "14 days or more"))  # fmt: skip
NOT_REACHED = "Not reached"


def band_of(days: int | None) -> str:
    if days is None:
        return NOT_REACHED
    return [label for first, label in BANDS if days >= first][-1]


@dataclass
class Group:
    """Episodes of one week (or contacts of one staff member): how many, how many reached, and
    the days to contact of those reached."""

    episodes: int = 0
    days: list[int] = field(default_factory=list)

    @property
    def reached(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return statistics.median(self.days) if self.days else None


@dataclass
class ContactReport:
    start: date
    end: date
    policy_version: str
    overall: Group = field(default_factory=Group)
    still_open: int = 0  # not reached, episode still open today
    closed_unreached: int = 0  # not reached; a dose came (or treatment stopped) first
    bands: dict[str, int] = field(default_factory=dict)
    by_staff: dict[str, Group] = field(default_factory=dict)  # who reached the patient first
    by_week: dict[date, Group] = field(default_factory=dict)  # the Monday of the missed dose
    attempts_by_staff: dict[str, int] = field(default_factory=dict)  # attempts logged in the period

    @property
    def staff_rows(self) -> list[tuple[str, Group, int]]:
        """Each staff member: whom they reached first (and in how many days), attempts logged."""
        names = sorted(set(self.by_staff) | set(self.attempts_by_staff))
        return [(n, self.by_staff.get(n, Group()), self.attempts_by_staff.get(n, 0)) for n in names]


def _period(start: date, end: date, today: date) -> None:
    if end < start:
        raise InputError("is before the start", "end")
    if end > today:
        raise InputError("is in the future", "end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InputError("a report covers at most three years", "start")


def _doses() -> dict[int, list[Dose]]:
    doses: dict[int, list[Dose]] = defaultdict(list)
    for pk, day, form, mg in Administration.objects.filter(
        status=AdministrationStatus.GIVEN
    ).values_list("patient_id", "given_on", "formulation", "dose_mg"):
        doses[pk].append(Dose(day, Formulation(form), mg))
    for pk, day, covered, removed in Implant.objects.values_list(
        "patient_id", "inserted_on", "covered_days", "removed_on"
    ):
        doses[pk].append(Dose(day, Formulation.IMPLANT, None, covered, removed))
    return doses


def _stops() -> dict[int, date]:
    """The last day in treatment of each patient with no active episode."""
    active = set(
        Episode.objects.filter(status=EpisodeStatus.ACTIVE).values_list("patient_id", flat=True)
    )
    stops: dict[int, date] = {}
    for pk, discharged in Episode.objects.exclude(discharge_date__isnull=True).values_list(
        "patient_id", "discharge_date"
    ):
        if discharged is not None:
            stops[pk] = max(discharged, stops.get(pk, discharged))
    for pk, day in Discontinuation.objects.values_list("episode__patient_id", "stopped_on"):
        stops[pk] = max(day, stops.get(pk, day))
    return {pk: day for pk, day in stops.items() if pk not in active}


def build_contact_report(start: date, end: date, today: date) -> ContactReport:
    policy = active_policy()
    report = ContactReport(start, end, policy.version)
    attempts: dict[int, list[OutreachAttempt]] = defaultdict(list)
    for row in OutreachAttempt.objects.filter(attempted_on__gte=start).order_by(
        "attempted_on", "recorded_at", "id"
    ):
        attempts[row.patient_id].append(row)
        if row.attempted_on <= end:
            report.attempts_by_staff[row.recorded_by] = report.attempts_by_staff.get(row.recorded_by, 0) + 1  # fmt: skip
    stops = _stops()
    bands = dict.fromkeys([label for _, label in BANDS] + [NOT_REACHED], 0)
    for pk, doses in _doses().items():
        rows = attempts.get(pk, [])
        core = [as_attempt(r) for r in rows]
        for ep in missed_doses(doses, today, policy, stopped_on=stops.get(pk)):
            if not start <= ep.missed_on <= end:
                continue
            days = days_to_contact(ep, core)
            _count(report, ep, days, rows)
            bands[band_of(days)] += 1
    report.bands = bands
    report.by_week = dict(sorted(report.by_week.items()))
    report.by_staff = dict(sorted(report.by_staff.items()))
    report.attempts_by_staff = dict(sorted(report.attempts_by_staff.items()))
    return report


def _count(report: ContactReport, ep: MissedDose, days: int | None, rows: list[OutreachAttempt]) -> None:  # fmt: skip
    week = report.by_week.setdefault(ep.missed_on - timedelta(days=ep.missed_on.weekday()), Group())
    report.overall.episodes += 1
    week.episodes += 1
    if days is None:
        if ep.closed_on is None:
            report.still_open += 1
        else:
            report.closed_unreached += 1
        return
    report.overall.days.append(days)
    week.days.append(days)
    contact_day = ep.missed_on + timedelta(days=days)
    # Who reached the patient: the first attempt of that day that made contact.
    who = next(r.recorded_by for r in rows if r.attempted_on == contact_day and as_attempt(r).made_contact)  # fmt: skip
    staff = report.by_staff.setdefault(who, Group())
    staff.episodes += 1
    staff.days.append(days)


def read_contact_report(start: date, end: date, *, actor: Actor, at: datetime) -> ContactReport:
    actor.require(Action.VIEW_REPORTS)
    _period(start, end, local_day(at))
    with transaction.atomic():
        report = build_contact_report(start, end, local_day(at))
        record_by(actor, at, AuditAction.READ, "outreach_report", detail=f"{start}..{end}")
    return report
