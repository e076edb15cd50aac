"""The program report: census, continuity, adherence and safety over a period, as aggregate rows
(no patient is named, so the CSV export is de-identified). Reading it is audited; exporting it is
audited as an export (issue 3: "every ... export").

Definitions (clinical-reference.md Part B §9):
- retention at day 90 / 180: of the episodes whose first dose was at least 90 / 180 days before the
  period's end, the share on medication through those days, measured from coverage (the core's
  `coverage.retained`: no uncovered run longer than the clinic's continuity gap, NQF 3175 style),
  not from whether the episode is still open: an episode left open after the patient stopped
  coming is not retained;
- PDC 80%: the share of active patients whose proportion of days covered over the last 90 days is at
  least 0.80 (the PQA threshold, applied to naltrexone by convention);
- on-time injection: a repeat injection given in the early window or when due, not late.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.choice.models import MedicationChoice
from naltrack.clinic import active_policy
from naltrack.clinical.coverage import gap_allowed
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import Policy
from naltrack.clinical.regimens import InjectionTier
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.monitoring.models import Observation, ObservationKind, SideEffect, SideEffectKind
from naltrack.patients.models import Episode, EpisodeStatus
from naltrack.treatment.models import (
    Administration,
    AdministrationStatus,
    FormulationChoice,
    Implant,
)

MAX_PERIOD_DAYS = 3 * 366
RETENTION_DAYS = (90, 180)  # Part B 9: retention at day 90 and 180 from the first dose
ON_TIME = (InjectionTier.EARLY_WINDOW.value, InjectionTier.DUE.value)


@dataclass(frozen=True, slots=True)
class Measure:
    section: str
    name: str
    value: int | float | None  # a count, or a share 0-1 when `of` is given
    of: int | None = None  # the denominator of a share
    note: str = ""

    @property
    def share(self) -> float | None:
        return None if self.of is None or self.of == 0 else float(self.value or 0) / self.of


@dataclass
class Report:
    start: date
    end: date
    # The clinic policy the figures were read under (care status, alerts, injection tiers).
    policy_version: str = ""
    measures: list[Measure] = field(default_factory=list)

    def sections(self) -> dict[str, list[Measure]]:
        out: dict[str, list[Measure]] = {}
        for m in self.measures:
            out.setdefault(m.section, []).append(m)
        return out


def _label(code: str) -> str:
    """BLOCKADE_WANING -> "Blockade waning"; LFT_ELEVATED -> "LFT elevated"."""
    words = code.split("_")
    head = words[0] if words[0] in ("LFT",) else words[0].capitalize()
    return " ".join([head, *(w.lower() for w in words[1:])])


def _period(start: date, end: date, today: date) -> None:
    if end < start:
        raise InputError("is before the start", "end")
    if end > today:
        raise InputError("is in the future", "end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise InputError("a report covers at most three years", "start")


def _retention(end: date, policy: Policy) -> list[Measure]:
    """Retention at day 90 and 180 from the first dose, as of the period's end: the Outcomes
    measure's own definition and expression (`outcomes.measures.retention_counts`, which is
    `coverage.retained` per episode), run on embedded DuckDB over the episodes and doses read
    now, so that this report and the Outcomes page cannot disagree."""
    from naltrack.outcomes.extract import coverage_facts
    from naltrack.outcomes.measures import duckdb_backend, register_tables, retention_counts

    con = duckdb_backend()
    register_tables(con, coverage_facts(policy))
    counts = retention_counts(con, policy=policy, as_of=end, days=RETENTION_DAYS)
    out = []
    for days in RETENTION_DAYS:
        eligible, kept = counts[days]
        out.append(Measure(
            "Continuity", f"Retained at day {days} from the first dose", kept, eligible,
            f"on medication through day {days} (gaps of at most {gap_allowed(policy)} days), of "
            f"episodes whose first dose was on or before {end - timedelta(days=days)}; an episode "
            "transferred, referred out or ended by death before then is not counted",
        ))  # fmt: skip
    return out


def build_report(start: date, end: date, today: date) -> Report:
    """The report's figures (no audit: callers go through read_report or export_report). Rows
    noted "today" read each patient's current care status, whatever the period."""
    r = Report(start, end, active_policy().version)
    add = r.measures.append
    # Census
    episodes = Episode.objects.all()
    open_at_end = episodes.filter(start_date__lte=end).filter(
        Q(discharge_date__isnull=True) | Q(discharge_date__gt=end)
    )
    add(Measure("Census", "Episodes open at the end of the period", open_at_end.count()))
    for label, q in (("OUD only", Q(treats_oud=True, treats_aud=False)),
                     ("AUD only", Q(treats_oud=False, treats_aud=True)),
                     ("OUD and AUD", Q(treats_oud=True, treats_aud=True))):  # fmt: skip
        add(Measure("Census", f"  of which {label}", open_at_end.filter(q).count()))
    add(Measure("Census", "Episodes started in the period",
                episodes.filter(start_date__range=(start, end)).count()))  # fmt: skip
    ended = episodes.filter(discharge_date__range=(start, end))
    add(Measure("Census", "Episodes ended in the period", ended.count()))
    add(Measure("Census", "  of which lost to follow-up",
                ended.filter(status=EpisodeStatus.LOST_TO_FOLLOW_UP).count()))  # fmt: skip
    # A referral out to buprenorphine or methadone (issue 15) is an outcome, not a dropout.
    referred = set(
        MedicationChoice.objects.exclude(referral_program="").values_list("episode_id", flat=True)
    )
    add(Measure("Census", "  of which referred out (buprenorphine or methadone)",
                ended.filter(pk__in=referred).count()))  # fmt: skip
    by_formulation = dict(
        CareStatus.objects.filter(active=True).values_list("formulation")
        .annotate(n=Count("id")).values_list("formulation", "n")
    )  # fmt: skip
    for value, label in FormulationChoice.choices:
        add(Measure("Census", f"Active patients on {label.lower()}", by_formulation.get(value, 0),
                    note="today"))  # fmt: skip
    # Continuity and adherence
    # Retention, measured from coverage (Part B §9) with the Outcomes page's definition.
    policy = active_policy()
    r.measures.extend(_retention(end, policy))
    # Adherent: the core's verdict on the 90-day PDC under the clinic policy (pdc_adherent_min;
    # PQA 0.80 by default, clinical-reference.md Part B §9), stored with each care status.
    pdc = CareStatus.objects.filter(active=True, adherent_90__isnull=False)
    add(Measure("Continuity", "Active patients adherent by PDC over 90 days (clinic policy threshold)",
                pdc.filter(adherent_90=True).count(), pdc.count(), "today"))  # fmt: skip
    given = Administration.objects.filter(
        status=AdministrationStatus.GIVEN, given_on__range=(start, end)
    )
    injections = given.filter(formulation=Formulation.XR_INJECTION)
    repeat = injections.filter(first_dose=False).exclude(late_tier="")  # timing known
    add(Measure("Continuity", "Injections given", injections.count()))
    add(Measure("Continuity", "Repeat injections given on time", repeat.filter(late_tier__in=ON_TIME).count(),
                repeat.count(), "early window or due, of repeats with their timing recorded"))  # fmt: skip
    add(Measure("Continuity", "First doses (any formulation)",
                given.filter(first_dose=True).count()
                + Implant.objects.filter(inserted_on__range=(start, end)).count()))  # fmt: skip
    add(Measure("Continuity", "Injections with naloxone discussed",
                injections.filter(reversal_agent_discussed=True).count(), injections.count()))  # fmt: skip
    # Monitoring and safety
    visits = Appointment.objects.filter(on__range=(start, end))
    done = visits.filter(status__in=(AppointmentStatus.KEPT, AppointmentStatus.MISSED))
    add(Measure("Safety", "Appointments missed", done.filter(status=AppointmentStatus.MISSED).count(),
                done.count(), "of those kept or missed"))  # fmt: skip
    urine = Observation.objects.filter(
        kind=ObservationKind.URINE_SCREEN, observed_on__range=(start, end)
    )
    add(Measure("Safety", "Urine screens negative for opioids", urine.exclude(band="positive").count(),
                urine.count()))  # fmt: skip
    effects = SideEffect.objects.filter(noted_on__range=(start, end))
    add(Measure("Safety", "Side effects noted", effects.count()))
    add(Measure("Safety", "  of which injection-site reactions",
                effects.filter(kind=SideEffectKind.INJECTION_SITE).count()))  # fmt: skip
    add(Measure("Safety", "  of which severe", effects.filter(severity="severe").count()))
    add(Measure("Safety", "Injections overdue today",
                CareStatus.objects.filter(active=True, formulation=Formulation.XR_INJECTION,
                                          overdue_from__lte=today).count(), note="today"))  # fmt: skip
    raised = Alert.objects.filter(raised_at__date__range=(start, end))
    counts = Counter(
        dict(raised.values_list("code").annotate(n=Count("id")).values_list("code", "n"))
    )
    add(Measure("Alerts", "Alerts raised in the period", sum(counts.values())))
    for code, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        add(Measure("Alerts", f"  {_label(code)}", n))
    add(Measure("Alerts", "Alerts still unresolved", Alert.objects.exclude(status=AlertStatus.RESOLVED).count(),
                note="today"))  # fmt: skip
    return r


def _audited(start: date, end: date, action: AuditAction, detail: str, *, actor: Actor,
             at: datetime) -> Report:  # fmt: skip
    actor.require(Action.VIEW_REPORTS)
    _period(start, end, local_day(at))
    with transaction.atomic():
        report = build_report(start, end, local_day(at))
        record_by(actor, at, action, "program_report", detail=detail)
    return report


def read_report(start: date, end: date, *, actor: Actor, at: datetime) -> Report:
    return _audited(start, end, AuditAction.READ, f"{start}..{end}", actor=actor, at=at)


def export_report(start: date, end: date, *, actor: Actor, at: datetime) -> str:
    """The report as CSV (aggregates only: de-identified), audited as an export."""
    report = _audited(start, end, AuditAction.EXPORT, f"csv {start}..{end}", actor=actor, at=at)
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(
        [
            "period_start",
            "period_end",
            "section",
            "measure",
            "value",
            "denominator",
            "share",
            "note",
            "policy_version",
        ]
    )
    for m in report.measures:
        share = "" if m.share is None else f"{m.share:.3f}"
        w.writerow(
            [
                start,
                end,
                m.section,
                m.name.strip(),
                m.value,
                "" if m.of is None else m.of,
                share,
                m.note,
                report.policy_version,
            ]
        )
    return out.getvalue()
