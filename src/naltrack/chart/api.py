"""Patients, episodes, assessments, medication list, allergies, observations, side effects and
counselling sessions in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from naltrack.alerts.models import CareStatus
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Indication
from naltrack.counselling.services import read_sessions, record_session
from naltrack.monitoring.models import Observation, SideEffect
from naltrack.monitoring.services import (
    follow_up_side_effect,
    record_observation,
    record_side_effect,
)
from naltrack.patients.apiutil import list_records, patient
from naltrack.patients.models import Patient
from naltrack.patients.records import (
    AssessmentInput,
    add_allergy,
    add_medication,
    record_assessment,
    search_patients,
    stop_medication,
)
from naltrack.patients.services import PatientInput, open_episode, register_patient
from naltrack.web.apiutil import PageOut, actor, now, page

router = Router(tags=["patients"])


def patient_out(p: Patient) -> dict[str, Any]:
    return {
        "mrn": p.mrn, "given_name": p.given_name, "family_name": p.family_name,
        "birth_date": p.birth_date.isoformat(), "sex_at_birth": p.sex_at_birth, "phone": p.phone,
        "email": p.email, "preferred_reminder_channel": p.preferred_reminder_channel,
        "support_person_name": p.support_person_name, "support_person_phone": p.support_person_phone,
    }  # fmt: skip


def care_out(c: CareStatus | None) -> dict[str, Any] | None:
    if c is None:
        return None
    out = {f: getattr(c, f) for f in (
        "active", "indications", "formulation", "last_dose_on", "next_due_on", "earliest_on", "overdue_from",
        "coverage_ends_on", "days_covered_90", "pdc_90", "risk_window", "risk_message", "open_alerts")}  # fmt: skip
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}


class PatientIn(Schema):
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex_at_birth: str
    phone: str = ""
    email: str = ""
    preferred_reminder_channel: str = "none"
    support_person_name: str = ""
    support_person_phone: str = ""


@router.get("/patients", response=PageOut, summary="Search patients (name or MRN prefix)")
def list_patients(
    request: HttpRequest, q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    return page(search_patients(q, actor=actor(request)), limit, offset, patient_out)


@router.post("/patients", response={201: dict}, summary="Register a patient")
def create_patient(request: HttpRequest, data: PatientIn) -> Status[dict[str, Any]]:
    p = register_patient(PatientInput(**data.dict()), actor=actor(request), at=now())
    return Status(201, patient_out(p))


@router.get(
    "/patients/{mrn}",
    summary="A patient's summary: details, care status, open alerts (audited read)",
)
def get_patient(request: HttpRequest, mrn: str) -> dict[str, Any]:
    from naltrack.alerts.api import alert_out

    p = patient(request, mrn)
    care = CareStatus.objects.filter(patient=p).first()
    alerts = p.alerts.exclude(status="resolved").order_by("severity_rank", "id")
    return patient_out(p) | {"care": care_out(care), "alerts": [alert_out(a) for a in alerts]}


for related, summary in (
    ("episodes", "Episodes of care, newest first"),
    ("assessments", "Assessments, newest first"),
    ("medications", "The medication list, current and stopped (stopped_on is set)"),
    ("allergies", "Allergies"),
):
    list_records(router, related, summary)


class EpisodeIn(Schema):
    indications: list[str]
    start_date: date


@router.post("/patients/{mrn}/episodes", response={201: dict}, summary="Open an episode of care")
def create_episode(request: HttpRequest, mrn: str, data: EpisodeIn) -> Status[dict[str, Any]]:
    try:
        indications = frozenset(Indication(i) for i in data.indications)
    except ValueError:
        raise InputError("each must be OUD or AUD", "indications") from None
    e = open_episode(
        patient(request, mrn, "contact"),
        indications,
        data.start_date,
        actor=actor(request),
        at=now(),
    )
    return Status(
        201,
        {
            "id": e.pk,
            "indications": sorted(i.value for i in e.indications),
            "start_date": e.start_date.isoformat(),
            "status": e.status,
        },
    )


class AssessmentIn(Schema):
    assessed_on: date
    substance: str
    dsm5_criteria: list[str]
    on_maintenance_therapy: bool = False
    last_opioid_use: date | None = None
    last_opioid_kind: str = ""
    last_alcohol_use: date | None = None
    other_substances: str = ""
    goals: str = ""
    co_occurring_conditions: str = ""


@router.post(
    "/patients/{mrn}/assessments",
    response={201: dict},
    summary="Record an assessment (DSM-5 item by item)",
)
def create_assessment(request: HttpRequest, mrn: str, data: AssessmentIn) -> Status[dict[str, Any]]:
    values = data.dict()
    values["dsm5_criteria"] = tuple(values["dsm5_criteria"])
    a = record_assessment(
        patient(request, mrn), AssessmentInput(**values), actor=actor(request), at=now()
    )
    return Status(201, {"id": a.pk, "dsm5_severity": a.dsm5_severity})


class MedicationIn(Schema):
    name: str
    rxnorm: str = ""
    started_on: date | None = None


@router.post(
    "/patients/{mrn}/medications", response={201: dict}, summary="Add to the medication list"
)
def create_medication(request: HttpRequest, mrn: str, data: MedicationIn) -> Status[dict[str, Any]]:
    m = add_medication(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(201, {"id": m.pk, "name": m.name, "rxnorm": m.rxnorm})


class StopIn(Schema):
    stopped_on: date


@router.post("/medications/{entry_id}/stop", summary="Take a medication off the current list")
def stop_med(request: HttpRequest, entry_id: int, data: StopIn) -> dict[str, Any]:
    m = stop_medication(entry_id, stopped_on=data.stopped_on, actor=actor(request), at=now())
    return {
        "id": m.pk,
        "name": m.name,
        "stopped_on": m.stopped_on.isoformat() if m.stopped_on else None,
    }


class AllergyIn(Schema):
    substance: str
    reaction: str = ""


@router.post("/patients/{mrn}/allergies", response={201: dict}, summary="Record an allergy")
def create_allergy(request: HttpRequest, mrn: str, data: AllergyIn) -> Status[dict[str, Any]]:
    a = add_allergy(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(201, {"id": a.pk, "substance": a.substance})


class ObservationIn(Schema):
    kind: str
    observed_on: date
    data: dict[str, Any]


def observation_out(o: Observation) -> dict[str, Any]:
    return {"id": o.pk, "kind": o.kind, "observed_on": o.observed_on.isoformat(), "data": o.data,
            "total": o.total, "band": o.band, "flags": o.flags, "recorded_by": o.recorded_by}  # fmt: skip


@router.post(
    "/patients/{mrn}/observations",
    response={201: dict},
    summary="Record an observation (scored by the core)",
)
def create_observation(
    request: HttpRequest, mrn: str, payload: ObservationIn
) -> Status[dict[str, Any]]:
    o = record_observation(patient(request, mrn), kind=payload.kind, observed_on=payload.observed_on,
                           data=payload.data, actor=actor(request), at=now())  # fmt: skip
    return Status(201, observation_out(o))


@router.get("/patients/{mrn}/observations", response=PageOut, summary="Observations, newest first")
def list_observations(
    request: HttpRequest, mrn: str, kind: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rows = Observation.objects.filter(patient=patient(request, mrn)).order_by("-observed_on", "-id")
    if kind:
        rows = rows.filter(kind=kind)
    return page(rows, limit, offset, observation_out)


class SideEffectIn(Schema):
    kind: str
    severity: str
    noted_on: date
    description: str = ""
    follow_up_due: date | None = None


def side_effect_out(s: SideEffect) -> dict[str, Any]:
    return {
        "id": s.pk, "kind": s.kind, "severity": s.severity, "noted_on": s.noted_on.isoformat(),
        "description": s.description, "administration_id": s.administration_id,
        "follow_up_due": s.follow_up_due.isoformat() if s.follow_up_due else None,
        "follow_up_note": s.follow_up_note,
        "resolved_on": s.resolved_on.isoformat() if s.resolved_on else None,
    }  # fmt: skip


@router.post("/patients/{mrn}/side-effects", response={201: dict}, summary="Record a side effect")
def create_side_effect(
    request: HttpRequest, mrn: str, data: SideEffectIn
) -> Status[dict[str, Any]]:
    s = record_side_effect(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(201, side_effect_out(s))


@router.get(
    "/patients/{mrn}/side-effects", response=PageOut, summary="Side effects, newest first (paged)"
)
def list_side_effects(
    request: HttpRequest, mrn: str, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    return page(patient(request, mrn).side_effects.all(), limit, offset, side_effect_out)


class FollowUpIn(Schema):
    on: date
    note: str
    resolved: bool = False
    next_due: date | None = None


@router.post(
    "/side-effects/{effect_id}/follow-up", summary="Follow up a side effect (or resolve it)"
)
def side_effect_follow_up(request: HttpRequest, effect_id: int, data: FollowUpIn) -> dict[str, Any]:
    s = follow_up_side_effect(effect_id, actor=actor(request), at=now(), **data.dict())
    return side_effect_out(s)


class SessionIn(Schema):
    held_on: date
    kind: str
    attendance: str
    note: str = ""
    minutes: int | None = None


@router.post(
    "/patients/{mrn}/counselling", response={201: dict}, summary="Record a counselling session"
)
def create_session(request: HttpRequest, mrn: str, data: SessionIn) -> Status[dict[str, Any]]:
    s = record_session(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(201, {"id": s.pk})


@router.get(
    "/patients/{mrn}/counselling",
    summary="Counselling sessions with notes (counselors, prescribers)",
)
def list_sessions(request: HttpRequest, mrn: str) -> list[dict[str, Any]]:
    sessions = read_sessions(patient(request, mrn), actor=actor(request), at=now())
    return [{"id": s.pk, "held_on": s.held_on.isoformat(), "kind": s.kind, "attendance": s.attendance,
             "note": s.note, "counselor": s.counselor} for s in sessions]  # fmt: skip
