"""Everything the patient chart shows, read in a fixed number of queries (asserted by a test)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from naltrack.alerts.models import Alert, AlertStatus, CareStatus
from naltrack.alerts.snapshot import DOSING_LOOKBACK_DAYS, doses_of, episode_of
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.clinic import active_policy
from naltrack.clinical.coverage import covered_segments
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Allergy, Episode, Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import Administration, TreatmentPlan
from naltrack.web.plots import coverage_strip, line_plot, urine_plot

PLOT_DAYS = 180
TIMELINE_LIMIT = 40


@dataclass
class TimelineEntry:
    on: date
    what: str
    detail: str


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
        ).order_by("on")[:10]
    )
    first = on - timedelta(days=PLOT_DAYS)
    observations = list(
        Observation.objects.filter(
            patient=patient, observed_on__gte=first, observed_on__lte=on
        ).order_by("observed_on", "id")
    )
    # Read far enough back for any dose whose cover reaches into the plot (as the refresh does).
    doses = doses_of(patient, first - timedelta(days=DOSING_LOOKBACK_DAYS))
    segments = covered_segments(doses, active_policy())
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
            f"Days covered by naltrexone, last {PLOT_DAYS} days",
            segments,
            first=first,
            last=on,
            today=on,
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
        TimelineEntry(s.as_of, "Screening", f"{s.get_decision_display()}{' (signed)' if s.signed else ' (awaiting signature)'}")
        for s in screenings
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
    )


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
