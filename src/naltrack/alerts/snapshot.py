"""Reading patients' records into the core's inputs: the dosing record, the observations the
alert rules read, and the plan's formulation. Queries only; no writes. One patient or many: the
same queries, batched by patient id, and the same assembly (`_record`)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Min, OuterRef, Subquery

from naltrack.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from naltrack.clinical.alerts import (
    LiverTest,
    PatientSnapshot,
    Phq9Result,
    TreatmentStatus,
    observations_since,
)
from naltrack.clinical.checkin import CheckIn
from naltrack.clinical.coverage import Administration as Dose
from naltrack.clinical.coverage import with_self_reported
from naltrack.clinical.policy import Policy
from naltrack.clinical.protection import ProtectionStatus, protection_status
from naltrack.clinical.vocab import Formulation, StopReason
from naltrack.monitoring.models import Observation, ObservationKind
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.screening.models import ScreeningRecord
from naltrack.selfreport.records import checkins_of, taken_tablets_of
from naltrack.treatment.models import (
    Administration,
    AdministrationStatus,
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


def doses_of(patient: Patient, since: date, on: date | None = None) -> list[Dose]:
    """The dosing record from `since`: doses given (a self-reported MAR entry marked so),
    implants, and, up to `on`, the tablets the patient logged as taken in the portal."""
    rows = Administration.objects.filter(
        patient=patient, status=AdministrationStatus.GIVEN, given_on__gte=since
    ).values_list("given_on", "formulation", "dose_mg", "observed")
    doses = [
        Dose(day, Formulation(form), mg, self_reported=not observed)
        for day, form, mg, observed in rows
    ]
    # An implant removed early covers only until its removal (the core reads `removed_on`).
    for inserted, covered, removed in Implant.objects.filter(
        patient=patient, inserted_on__gte=since
    ).values_list("inserted_on", "covered_days", "removed_on"):
        doses.append(Dose(inserted, Formulation.IMPLANT, None, covered, removed))
    if on is not None:
        doses = with_self_reported(doses, taken_tablets_of([patient.pk], since, on)[patient.pk])
    doses.sort(key=lambda d: d.date)
    return doses


def read_record(patient: Patient, on: date, policy: Policy) -> Record:
    return read_records([patient.pk], on, policy)[patient.pk]


def record_protection(record: Record, on: date, policy: Policy) -> ProtectionStatus:
    """The core's protection status of a record read above: treatment counts as stopped when the
    record's episode is not active and naltrexone was given (the portal's home and the CDS Hooks
    cards read it here, so they cannot disagree)."""
    in_treatment = record.episode is not None and record.episode.status == EpisodeStatus.ACTIVE
    return protection_status(record.doses, on, policy,
                             treatment_stopped=not in_treatment and bool(record.doses),
                             stop_reason=record.snapshot.stop_reason)  # fmt: skip


def _grouped(rows: Iterable[tuple[Any, ...]]) -> dict[int, list[tuple[Any, ...]]]:
    """Rows whose first column is the patient id, grouped by it (order kept)."""
    out: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in rows:
        out[row[0]].append(row[1:])
    return out


def read_records(patient_ids: Sequence[int], on: date, policy: Policy) -> dict[int, Record]:
    """The records of many patients in a fixed number of queries (the nightly refresh reads a
    clinic in chunks with this; one patient's refresh is a chunk of one), so that the same facts
    reach the core whichever way a patient is refreshed."""
    ids = list(patient_ids)
    episodes: dict[int, Episode] = {}
    for ep in Episode.objects.filter(patient_id__in=ids).order_by(
        "patient_id", "-start_date", "-id"
    ):
        # The active episode, else the most recent one (episode_of).
        chosen = episodes.get(ep.patient_id)
        if chosen is None or (
            ep.status == EpisodeStatus.ACTIVE and chosen.status != EpisodeStatus.ACTIVE
        ):
            episodes[ep.patient_id] = ep
    plans: dict[int, TreatmentPlan] = {}
    for plan in TreatmentPlan.objects.filter(
        episode_id__in=[e.pk for e in episodes.values()]
    ).order_by("episode_id", "-version"):
        plans.setdefault(plan.episode_id, plan)  # TreatmentPlan.of_episode: the latest version
    since_doses = on - timedelta(days=DOSING_LOOKBACK_DAYS)
    given = _grouped(
        Administration.objects.filter(
            patient_id__in=ids, status=AdministrationStatus.GIVEN, given_on__gte=since_doses
        ).values_list("patient_id", "given_on", "formulation", "dose_mg", "observed")
    )
    # The tablets patients logged as taken in the portal: self-reported doses (issue 11).
    taken = taken_tablets_of(ids, since_doses, on)
    implants = _grouped(
        Implant.objects.filter(patient_id__in=ids, inserted_on__gte=since_doses).values_list(
            "patient_id", "inserted_on", "covered_days", "removed_on"
        )
    )
    booked = dict(
        Appointment.objects.filter(
            patient_id__in=ids,
            kind=AppointmentKind.INJECTION,
            status=AppointmentStatus.BOOKED,
            on__gte=on,
        )
        .order_by()
        .values("patient_id")
        .annotate(first=Min("on"))
        .values_list("patient_id", "first")
    )
    # When and why a stopped episode stopped (coded: the core leaves out the days after it).
    stops = {
        episode_id: (stopped_on, reason)
        for episode_id, stopped_on, reason in Discontinuation.objects.filter(
            episode_id__in=[e.pk for e in episodes.values() if e.status != EpisodeStatus.ACTIVE]
        ).values_list("episode_id", "stopped_on", "reason")
    }
    since = observations_since(on, policy)
    observations = _grouped(
        Observation.objects.filter(patient_id__in=ids, observed_on__gte=since, observed_on__lte=on)
        .filter(kind__in=OBSERVED_KINDS)
        .order_by("patient_id", "observed_on", "id")
        .values_list("patient_id", "kind", "observed_on", "data", "total", "band")
    )
    checkins = checkins_of(ids, since, on)
    given_at_patient = Administration.objects.filter(
        patient=OuterRef("pk"), status=AdministrationStatus.GIVEN
    ).order_by("-given_at")
    last_given = {
        pk: (form, discussed)
        for pk, form, discussed in Patient.objects.filter(pk__in=ids)
        .annotate(
            last_form=Subquery(given_at_patient.values("formulation")[:1]),
            last_discussed=Subquery(given_at_patient.values("reversal_agent_discussed")[:1]),
        )
        .values_list("pk", "last_form", "last_discussed")
        if form is not None
    }
    surgery: dict[int, object] = {}
    for pk, facts in (
        ScreeningRecord.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "-created_at")
        .values_list("patient_id", "facts")
    ):
        surgery.setdefault(pk, (facts or {}).get("planned_surgery_date"))
    return {
        pk: _record(
            on, episodes.get(pk), None if pk not in episodes else plans.get(episodes[pk].pk),
            given.get(pk, []), implants.get(pk, []), booked.get(pk), observations.get(pk, []),
            last_given.get(pk), surgery.get(pk),
            stops.get(episodes[pk].pk) if pk in episodes else None,
            taken.get(pk, []), checkins.get(pk, []),
        )
        for pk in ids
    }  # fmt: skip


OBSERVED_KINDS = (
    ObservationKind.SUBSTANCE_USE,
    ObservationKind.URINE_SCREEN,
    ObservationKind.LIVER,
    ObservationKind.PHQ9,
    ObservationKind.PREGNANCY_TEST,
)


def _record(
    on: date,
    episode: Episode | None,
    plan: TreatmentPlan | None,
    given: list[tuple[Any, ...]],
    implants: list[tuple[Any, ...]],
    booked: date | None,
    observations: list[tuple[Any, ...]],
    last_given: tuple[str, bool] | None,
    surgery: object,
    stop: tuple[date, str] | None,
    taken: list[tuple[date, float | None]],
    checkins: list[CheckIn],
) -> Record:
    """One patient's rows, as read by read_records, into the core's snapshot."""
    status = TreatmentStatus.ACTIVE
    if episode is None or episode.status == EpisodeStatus.DISCHARGED:
        status = TreatmentStatus.STOPPED
    elif episode.status == EpisodeStatus.LOST_TO_FOLLOW_UP:
        status = TreatmentStatus.LOST_TO_FOLLOW_UP
    doses = [
        Dose(day, Formulation(form), mg, self_reported=not observed)
        for day, form, mg, observed in given
    ]
    # An implant removed early covers only until its removal (the core reads `removed_on`).
    for inserted, covered, removed in implants:
        doses.append(Dose(inserted, Formulation.IMPLANT, None, covered, removed))
    # Tablets the patient logged as taken: self-reported doses, never on a day the MAR has one.
    doses = with_self_reported(doses, taken)
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
        planned_surgery_date=date.fromisoformat(str(surgery)) if surgery else None,
        reversal_agent_discussed_at_last_injection=(
            last_given[1] if last_given and last_given[0] == Formulation.XR_INJECTION else None
        ),
        checkins=tuple(checkins),
    )
    return Record(
        snapshot,
        episode,
        plan,
        tuple(doses),
        max((t.date for t in liver), default=None),
        stop[0] if stop else None,
    )
