"""Reading one patient's record into the core's inputs: the dosing record, the observations the
alert rules read, and the plan's formulation. Queries only; no writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from naltrack.clinical.alerts import (
    LiverTest,
    PatientSnapshot,
    Phq9Result,
    TreatmentStatus,
    observations_since,
)
from naltrack.clinical.coverage import Administration as Dose
from naltrack.clinical.policy import Policy
from naltrack.clinical.vocab import Formulation, StopReason
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import (
    Administration,
    AdministrationStatus,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Discontinuation,
    Implant,
    TreatmentPlan,
)

# How far back the dosing record is read: enough for the 90-day coverage figure and for the
# last dose that any risk window can start from (an implant covers up to a few months).
DOSING_LOOKBACK_DAYS = 400


@dataclass(frozen=True, slots=True)
class Record:
    """What refresh needs beyond the core snapshot."""

    snapshot: PatientSnapshot
    episode: Episode | None
    plan: TreatmentPlan | None
    doses: tuple[Dose, ...]
    last_liver_test: date | None
    stopped_on: date | None = None  # the episode's last day in treatment, when it stopped


def episode_of(patient: Patient) -> Episode | None:
    """The active episode, else the most recent one."""
    return (
        patient.episodes.order_by("-start_date", "-id").filter(status=EpisodeStatus.ACTIVE).first()
        or patient.episodes.order_by("-start_date", "-id").first()
    )


def doses_of(patient: Patient, since: date) -> list[Dose]:
    rows = Administration.objects.filter(
        patient=patient, status=AdministrationStatus.GIVEN, given_on__gte=since
    ).values_list("given_on", "formulation", "dose_mg")
    doses = [Dose(day, Formulation(form), mg) for day, form, mg in rows]
    # An implant removed early covers only until its removal (the core reads `removed_on`).
    for inserted, covered, removed in Implant.objects.filter(
        patient=patient, inserted_on__gte=since
    ).values_list("inserted_on", "covered_days", "removed_on"):
        doses.append(Dose(inserted, Formulation.IMPLANT, None, covered, removed))
    doses.sort(key=lambda d: d.date)
    return doses


def read_record(patient: Patient, on: date, policy: Policy) -> Record:
    episode = episode_of(patient)
    plan = TreatmentPlan.of_episode(episode)
    status = TreatmentStatus.ACTIVE
    stop = (
        Discontinuation.objects.filter(episode=episode).values_list("stopped_on", "reason").first()
        if episode is not None and episode.status != EpisodeStatus.ACTIVE
        else None
    )
    if episode is None or episode.status == EpisodeStatus.DISCHARGED:
        status = TreatmentStatus.STOPPED
    elif episode.status == EpisodeStatus.LOST_TO_FOLLOW_UP:
        status = TreatmentStatus.LOST_TO_FOLLOW_UP
    doses = doses_of(patient, on - timedelta(days=DOSING_LOOKBACK_DAYS))
    booked = (
        Appointment.objects.filter(
            patient=patient,
            kind=AppointmentKind.INJECTION,
            status=AppointmentStatus.BOOKED,
            on__gte=on,
        )
        .order_by("on")
        .values_list("on", flat=True)
        .first()
    )
    since = observations_since(on, policy)
    observations = list(
        Observation.objects.filter(patient=patient, observed_on__gte=since, observed_on__lte=on)
        .filter(
            kind__in=(
                ObservationKind.SUBSTANCE_USE,
                ObservationKind.URINE_SCREEN,
                ObservationKind.LIVER,
                ObservationKind.PHQ9,
                ObservationKind.PREGNANCY_TEST,
            )
        )
        .order_by("observed_on", "id")
        .values_list("kind", "observed_on", "data", "total", "band")
    )
    use = tuple(
        d for k, d, data, _, _ in observations if k == "substance_use" and data.get("opioid")
    )
    # Every analyte a urine screen records is an opioid one (screening_facts.Analyte); the band
    # set when it was recorded says whether any was positive.
    positive = tuple(
        d for k, d, _, _, band in observations if k == "urine_screen" and band == "positive"
    )
    liver = tuple(
        LiverTest(d, data.get("alt"), data.get("ast"), data["alt_uln"], data["ast_uln"])
        for k, d, data, _, _ in observations
        if k == "liver"
    )
    phq9 = tuple(
        Phq9Result(d, int(total or 0), int(data["items"][8]))
        for k, d, data, total, _ in observations
        if k == "phq9"
    )
    pregnancy = [data.get("result") for k, _, data, _, _ in observations if k == "pregnancy_test"]
    last_given = (
        Administration.objects.filter(patient=patient, status=AdministrationStatus.GIVEN)
        .order_by("-given_at")
        .values_list("formulation", "reversal_agent_discussed")
        .first()
    )
    surgery = (
        ScreeningRecord.objects.filter(patient=patient)
        .order_by("-created_at")
        .values_list("facts", flat=True)
        .first()
        or {}
    ).get("planned_surgery_date")
    formulation = Formulation(plan.formulation) if plan else None
    snapshot = PatientSnapshot(
        as_of=on,
        indications=episode.indications if episode else frozenset(),
        formulation=formulation,
        administrations=tuple(doses),
        treatment_status=status,
        stop_reason=StopReason(stop[1]) if stop else None,
        next_injection_booked=booked,
        opioid_use_reports=use,
        positive_opioid_screens=positive,
        liver_tests=liver,
        phq9=phq9,
        pregnant=(pregnancy[-1] == "positive") if pregnancy else None,
        planned_surgery_date=date.fromisoformat(surgery) if surgery else None,
        reversal_agent_discussed_at_last_injection=(
            last_given[1] if last_given and last_given[0] == Formulation.XR_INJECTION else None
        ),
    )
    return Record(
        snapshot,
        episode,
        plan,
        tuple(doses),
        max((t.date for t in liver), default=None),
        stop[0] if stop else None,
    )
