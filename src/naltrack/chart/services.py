"""Everything the patient chart shows, read in a fixed number of queries (asserted by a test)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.alerts.snapshot import DOSING_LOOKBACK_DAYS, doses_of, episode_of
from naltrack.appointments.models import Appointment, AppointmentStatus, by_day_and_time
from naltrack.choice.models import MedicationChoice
from naltrack.choice.services import describe as describe_choice
from naltrack.clinic import active_policy
from naltrack.clinical.checkin import alert_lines
from naltrack.clinical.coverage import (
    SourcedCoverage,
    covered_segments,
    sourced_coverage,
    status_period_start,
)
from naltrack.clinical.vocab import StopReason
from naltrack.clock import local_day
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Allergy, Episode, EpisodeStatus, Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.selfreport.models import CheckIn, DoseLogEntry
from naltrack.treatment.models import Administration, Discontinuation, TreatmentPlan
from naltrack.web.plots import coverage_strip, line_plot, urine_plot

PLOT_DAYS = 180
TIMELINE_LIMIT = 40
SELF_REPORT_ROWS = 14  # the latest check-ins and dose-log entries the chart lists
CHECKIN_PLOT_DAYS = 60  # daily values: a shorter window than the visits' plots, to be readable


@dataclass
class TimelineEntry:
    on: date
    what: str
    detail: str


@dataclass
class CheckInRow:
    """One check-in as the chart lists it."""

    checkin: CheckIn
    phq2: int | None  # PHQ-2 total, when the mood questions were asked
    side_effects: str  # in words


@dataclass
class Chart:
    patient: Patient
    episode: Episode | None
    care: CareStatus | None
    alerts: list[Alert]
    plan: TreatmentPlan | None
    mar: list[Administration]
    screenings: list[ScreeningRecord]
    upcoming: list[Appointment]
    allergies: list[Allergy]
    timeline: list[TimelineEntry]
    plots: dict[str, Any]
    # What the patient reported in the portal (issue 11), kept apart from the clinic's records.
    coverage: SourcedCoverage | None = None
    checkins: list[CheckInRow] = field(default_factory=list)
    dose_log: list[DoseLogEntry] = field(default_factory=list)


def read_chart(patient: Patient, on: date) -> Chart:
    episode = episode_of(patient)
    care = CareStatus.objects.filter(patient=patient).first()
    alerts = list(Alert.objects.filter(patient=patient).exclude(status=AlertStatus.RESOLVED))
    plan = TreatmentPlan.of_episode(episode)
    mar = list(Administration.objects.filter(patient=patient).order_by("-given_at", "-id")[:30])
    screenings = list(
        ScreeningRecord.objects.filter(patient=patient).order_by("-created_at", "-id")[:10]
    )
    upcoming = list(
        Appointment.objects.filter(
            patient=patient, on__gte=on, status=AppointmentStatus.BOOKED
        ).order_by(*by_day_and_time())[:10]
    )
    first = on - timedelta(days=PLOT_DAYS)
    observations = list(
        Observation.objects.filter(
            patient=patient, observed_on__gte=first, observed_on__lte=on
        ).order_by("observed_on", "id")
    )
    # Read far enough back for any dose whose cover reaches into the plot (as the refresh does).
    doses = doses_of(patient, first - timedelta(days=DOSING_LOOKBACK_DAYS), on)
    policy = active_policy()
    lines = alert_lines(policy)
    observed_segments = covered_segments([d for d in doses if not d.self_reported], policy)
    segments = covered_segments(doses, policy)
    given = [d for d in doses if d.date <= on]
    sourced = None
    if given:
        period = status_period_start(given[0].date, on)
        # As the care status counts it: the days after a coded stop are not in the period.
        stop = (
            Discontinuation.objects.filter(episode=episode).first()
            if episode is not None and episode.status != EpisodeStatus.ACTIVE
            else None
        )
        if stop is not None and stop.stopped_on >= period:
            sourced = sourced_coverage(given, period, on, policy, stopped_on=stop.stopped_on,
                                       stop_reason=StopReason(stop.reason))  # fmt: skip
        else:
            sourced = sourced_coverage(given, period, on, policy)
    checkins = list(
        CheckIn.objects.filter(patient=patient, day__gte=first, day__lte=on).order_by("day", "id")
    )
    dose_log = list(
        DoseLogEntry.objects.filter(patient=patient).order_by("-day")[:SELF_REPORT_ROWS]
    )
    mood = [(c.day, float((c.phq2_interest or 0) + (c.phq2_mood or 0)))
            for c in checkins if c.phq2_interest is not None]  # fmt: skip
    craving = [
        (o.observed_on, o.total or 0.0) for o in observations if o.kind == ObservationKind.CRAVING
    ]
    phq9 = [(o.observed_on, o.total or 0.0) for o in observations if o.kind == ObservationKind.PHQ9]
    urine = [
        (o.observed_on, o.band == "positive")
        for o in observations if o.kind == ObservationKind.URINE_SCREEN
    ]  # fmt: skip
    plots = {
        "coverage": coverage_strip(
            f"Days covered by naltrexone, last {PLOT_DAYS} days (solid: observed doses; "
            "striped: covered only by doses the patient reported)",
            observed_segments,
            first=first,
            last=on,
            today=on,
            reported=segments,
        ),
        "checkin_craving": line_plot(
            "Craving in daily check-ins, self-reported (0-10; dashed: the alert threshold)",
            [(c.day, float(c.craving)) for c in checkins],
            first=on - timedelta(days=CHECKIN_PLOT_DAYS),
            last=on,
            top=10,
            ticks=(0, 5, 10),
            threshold=lines.craving,
            colour="#0b6e75",
        ),
        "checkin_phq2": line_plot(
            "PHQ-2 in daily check-ins, self-reported (0-6; dashed: positive screen)",
            mood,
            first=on - timedelta(days=CHECKIN_PLOT_DAYS),
            last=on,
            top=6,
            ticks=(0, 3, 6),
            threshold=lines.phq2,
            colour="#7a3ea1",
        ),
        "craving": line_plot(
            "Craving (0-10)", craving, first=first, last=on, top=10, ticks=(0, 5, 10)
        ),
        "phq9": line_plot(
            "PHQ-9 total (dashed: 10, moderate depression)",
            phq9,
            first=first,
            last=on,
            top=27,
            ticks=(0, 10, 20, 27),
            threshold=10,
            colour="#7a3ea1",
        ),
        "urine": urine_plot("Urine drug screens (opioids)", urine, first=first, last=on),
    }
    timeline = [
        TimelineEntry(a.given_on, f"Dose {a.get_status_display().lower()}", f"{a.product}{f' {a.dose_mg} mg' if a.dose_mg else ''}{f', {a.get_site_display().lower()}' if a.site != 'oral' else ''}")
        for a in mar
    ] + [
        TimelineEntry(o.observed_on, o.get_kind_display(), _obs_detail(o)) for o in observations[-TIMELINE_LIMIT:]
    ] + [
        TimelineEntry(c.day, "Check-in (self-reported)", checkin_detail(c)) for c in checkins[-TIMELINE_LIMIT:]
    ] + [
        TimelineEntry(s.as_of, "Screening", f"{s.get_decision_display()}{' (signed)' if s.signed else ' (awaiting signature)'}")
        for s in screenings
    ] + [
        TimelineEntry(local_day(m.decided_at), "Medication choice", describe_choice(m))
        for m in MedicationChoice.objects.filter(patient=patient)[:10]
    ]  # fmt: skip
    timeline.sort(key=lambda e: e.on, reverse=True)
    return Chart(
        patient,
        episode,
        care,
        alerts,
        plan,
        mar,
        screenings,
        upcoming,
        list(patient.allergies.all()),
        timeline[:TIMELINE_LIMIT],
        plots,
        sourced,
        [_row(c) for c in reversed(checkins[-SELF_REPORT_ROWS:])],
        dose_log,
    )


SIDE_EFFECT_WORDS = {
    "nausea": "nausea", "sleep": "sleep problems", "appetite": "appetite changes",
    "muscle_joint_pain": "muscle or joint pain", "headache": "headache", "toothache": "toothache",
    "injection_site": "injection-site pain or lump",
}  # fmt: skip


def _row(c: CheckIn) -> CheckInRow:
    phq2 = None if c.phq2_interest is None else c.phq2_interest + (c.phq2_mood or 0)
    words = ", ".join(SIDE_EFFECT_WORDS.get(s, s) for s in c.side_effects)
    return CheckInRow(c, phq2, words)


def checkin_detail(c: CheckIn) -> str:
    """One check-in in a line, for the timeline and the check-in table."""
    parts = [f"craving {c.craving}/10"]
    used = [w for w, yes in (("opioids", c.opioid_use), ("alcohol", c.alcohol_use)) if yes]
    parts.append(f"used {' and '.join(used)}" + (f" ({c.use_what})" if c.use_what else "")
                 if used else "no use")  # fmt: skip
    if c.phq2_interest is not None:
        parts.append(f"PHQ-2 {(c.phq2_interest or 0) + (c.phq2_mood or 0)}/6, self-harm item "
                     f"{c.phq2_self_harm}")  # fmt: skip
    if c.side_effects:
        parts.append(
            "side effects: " + ", ".join(SIDE_EFFECT_WORDS.get(s, s) for s in c.side_effects)
        )
    return "; ".join(parts)


def _obs_detail(o: Observation) -> str:
    if o.kind == ObservationKind.URINE_SCREEN:
        return ", ".join(f"{k} {v}" for k, v in o.data["results"].items())
    if o.kind == ObservationKind.LIVER:
        return f"ALT {o.data.get('alt')}, AST {o.data.get('ast')} ({o.total:g}x ULN at most)"
    if o.kind == ObservationKind.WEIGHT:
        return f"{o.data['weight_kg']:g} kg, BMI {o.data['bmi']:g}"
    if o.kind == ObservationKind.SUBSTANCE_USE:
        used = [w for w in ("opioid", "alcohol") if o.data.get(w)] + (
            [o.data["other"]] if o.data.get("other") else []
        )
        return "reported: " + ", ".join(used)
    if o.kind in (ObservationKind.PREGNANCY_TEST, ObservationKind.NALOXONE_CHALLENGE):
        return str(o.data["result"])
    total = f"{o.total:g}" if o.total is not None else ""
    return f"{total}{f' ({o.band})' if o.band else ''}"
