"""Patients, episodes, assessments, medication list, allergies, observations, side effects and
counselling sessions in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, Field

from naltrack.alerts.api import AlertOut
from naltrack.alerts.models import CareStatus
from naltrack.clinical.vocab import Indication, OpioidKind
from naltrack.counselling.models import Attendance, SessionKind
from naltrack.counselling.services import read_sessions, record_session
from naltrack.monitoring.models import (
    Observation,
    ObservationKind,
    SideEffect,
    SideEffectKind,
    SideEffectSeverity,
)
from naltrack.monitoring.services import (
    follow_up_side_effect,
    record_observation,
    record_side_effect,
)
from naltrack.patients.apiutil import list_records, patient
from naltrack.patients.details import update_details
from naltrack.patients.identity import Candidate
from naltrack.patients.models import DSM5_CRITERIA, Patient, ReminderChannel, SexAtBirthChoice
from naltrack.patients.records import (
    AssessmentInput,
    add_allergy,
    add_medication,
    record_assessment,
    search_patients,
    stop_medication,
)
from naltrack.patients.services import (
    DetailsInput,
    DuplicateSuspected,
    PatientInput,
    open_episode,
    register_patient,
)
from naltrack.web.apiutil import (
    Day,
    Flag,
    Id,
    In,
    Limit,
    LongText,
    Mrn,
    Offset,
    Page,
    RequiredText,
    SearchText,
    Text,
    actor,
    answers,
    audited_page,
    now,
    page,
)
from naltrack.web.bounds import MRN_PATTERN, text_problem

router = Router(tags=["patients"])


class PatientOut(Schema):
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex_at_birth: SexAtBirthChoice
    phone: str
    email: str
    preferred_reminder_channel: ReminderChannel
    support_person_name: str
    support_person_phone: str
    address: str
    version: int  # send it back when editing the details (PUT /patients/{mrn}/details)


class CareOut(Schema):
    active: bool
    indications: str
    formulation: str
    last_dose_on: date | None
    next_due_on: date | None
    earliest_on: date | None
    overdue_from: date | None
    coverage_ends_on: date | None
    days_covered_90: int | None
    pdc_90: float | None
    risk_window: str
    risk_message: str
    open_alerts: int
    policy_version: str  # the clinic policy these due days were computed under


class PatientSummaryOut(PatientOut):
    care: CareOut | None
    alerts: list[AlertOut]


def patient_out(p: Patient) -> dict[str, Any]:
    return {
        "mrn": p.mrn, "given_name": p.given_name, "family_name": p.family_name,
        "birth_date": p.birth_date.isoformat(), "sex_at_birth": p.sex_at_birth, "phone": p.phone,
        "email": p.email, "preferred_reminder_channel": p.preferred_reminder_channel,
        "support_person_name": p.support_person_name, "support_person_phone": p.support_person_phone,
        "address": p.address, "version": p.version,
    }  # fmt: skip


def care_out(c: CareStatus | None) -> dict[str, Any] | None:
    if c is None:
        return None
    out = {f: getattr(c, f) for f in (
        "active", "indications", "formulation", "last_dose_on", "next_due_on", "earliest_on", "overdue_from",
        "coverage_ends_on", "days_covered_90", "pdc_90", "risk_window", "risk_message", "open_alerts",
        "policy_version")}  # fmt: skip
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}


PHONE = r"^(\+?[0-9 ()-]{7,20})?$"  # as patients.services.PHONE; empty: none
EMAIL = r"^([^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+)?$"


# Plain strings with their own patterns (which refuse a NUL): `Text` would declare its NUL pattern
# in the document in place of these, and a client could not see which phones are refused.
Phone = Annotated[str, Field(max_length=32, pattern=PHONE)]
OPTIONAL_MRN = f"^({MRN_PATTERN.strip('^$')})?$"  # an MRN, or "" for naltrack to assign one


class DetailsIn(In):
    given_name: Annotated[RequiredText, Field(max_length=100)]
    family_name: Annotated[RequiredText, Field(max_length=100)]
    birth_date: Day
    sex_at_birth: SexAtBirthChoice
    phone: Phone = ""
    email: Annotated[str, Field(max_length=254, pattern=EMAIL)] = ""
    address: Annotated[Text, Field(max_length=500)] = ""
    preferred_reminder_channel: ReminderChannel = ReminderChannel.NONE
    support_person_name: Annotated[Text, Field(max_length=200)] = ""
    support_person_phone: Phone = ""


class PatientIn(DetailsIn):
    # Leave out: naltrack assigns the MRN (the clinic's prefix and a check digit). Give one only
    # for a patient who already has it (from before naltrack assigned them, or another system).
    mrn: Annotated[str, Field(max_length=32, pattern=OPTIONAL_MRN, examples=["MRN-0001"])] = ""
    # The care team (user names of active staff of each role). A client that names nobody
    # registers a patient with no care team (on every clinician's list, marked, until one is
    # assigned); naming a nurse or counselor needs a prescriber (docs/care-teams.md).
    prescriber: Annotated[Text, Field(max_length=150)] = ""
    nurse: Annotated[Text, Field(max_length=150)] = ""
    counselor: Annotated[Text, Field(max_length=150)] = ""
    # Existing charts that may be this person refuse the registration (409, listing them); to
    # register anyway, say here why this is someone else (audited). This is the flag to proceed.
    duplicate_reason: Annotated[Text, Field(max_length=1000)] = ""


class DetailsUpdateIn(DetailsIn):
    # The version of the details the client read (GET /patients/{mrn}): a save from an older one
    # is refused (409), so two staff editing at once never overwrite each other unseen.
    version: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]


class CandidateOut(Schema):
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    phone: str
    reasons: list[str]


class DuplicatesOut(Schema):
    message: str
    field: str
    candidates: list[CandidateOut]


class DetailsSavedOut(Schema):
    patient: PatientOut
    changed: list[str]


def candidate_out(c: Candidate) -> dict[str, Any]:
    return {"mrn": c.mrn, "given_name": c.given_name, "family_name": c.family_name,
            "birth_date": c.birth_date.isoformat(), "phone": c.phone, "reasons": list(c.reasons)}  # fmt: skip


@router.get("/patients", response=answers(200, Page[PatientOut]),
            summary="Search patients (name or MRN prefix); the listing is audited")  # fmt: skip
def list_patients(
    request: HttpRequest, q: SearchText = "", limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    rows = search_patients(q, actor=actor(request))
    return audited_page(request, "patient_list", rows, limit, offset, patient_out,
                        mrn_of=lambda p: p.mrn, filters=f"q={q}")  # fmt: skip


@router.post(
    "/patients",
    response=answers(201, PatientOut, writes=True) | {409: DuplicatesOut},
    summary="Register a patient (naltrack assigns the MRN; 409 lists charts that may be the same person)",
)
def create_patient(request: HttpRequest, data: PatientIn) -> Status[dict[str, Any]]:
    values = data.dict()
    reason = values.pop("duplicate_reason")
    try:
        p = register_patient(PatientInput(**values), actor=actor(request), at=now(),
                             check_duplicates=True, duplicate_reason=reason)  # fmt: skip
    except DuplicateSuspected as exc:
        return Status(409, {"message": exc.message, "field": exc.field,
                            "candidates": [candidate_out(c) for c in exc.candidates]})  # fmt: skip
    return Status(201, patient_out(p))


@router.put("/patients/{mrn}/details", response=answers(200, DetailsSavedOut, writes=True),
            summary="Edit a patient's details from the version read (409 when someone saved since)")  # fmt: skip
def update_patient_details(request: HttpRequest, mrn: Mrn, data: DetailsUpdateIn) -> dict[str, Any]:
    values = data.dict()
    version = values.pop("version")
    p, changed = update_details(mrn, DetailsInput(**values), version=version, actor=actor(request),
                                at=now())  # fmt: skip
    return {"patient": patient_out(p), "changed": changed}


@router.get("/patients/{mrn}", response=answers(200, PatientSummaryOut),
            summary="A patient's summary: details, care status, open alerts (audited read)")  # fmt: skip
def get_patient(request: HttpRequest, mrn: Mrn) -> dict[str, Any]:
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


class EpisodeIn(In):
    indications: Annotated[list[Indication], Field(min_length=1, max_length=2)]
    start_date: Day


class EpisodeOut(Schema):
    id: int
    indications: list[Indication]
    start_date: date
    status: str


@router.post("/patients/{mrn}/episodes", response=answers(201, EpisodeOut, writes=True),
             summary="Open an episode of care")  # fmt: skip
def create_episode(request: HttpRequest, mrn: Mrn, data: EpisodeIn) -> Status[dict[str, Any]]:
    indications = frozenset(data.indications)
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


def _criterion(value: str) -> str:
    if value not in dict(DSM5_CRITERIA):
        raise ValueError(f"{value!r} is not a DSM-5 criterion")
    return value


Criterion = Annotated[
    str,
    AfterValidator(_criterion),
    Field(json_schema_extra={"enum": [c for c, _ in DSM5_CRITERIA]}),
]


class AssessmentIn(In):
    assessed_on: Day
    substance: Literal["OUD", "AUD"]
    dsm5_criteria: Annotated[list[Criterion], Field(max_length=len(DSM5_CRITERIA))]
    on_maintenance_therapy: Flag = False
    last_opioid_use: Day | None = None
    last_opioid_kind: OpioidKind | Literal[""] = ""
    last_alcohol_use: Day | None = None
    other_substances: Annotated[Text, Field(max_length=500)] = ""
    goals: LongText = ""
    co_occurring_conditions: LongText = ""


class AssessmentCreatedOut(Schema):
    id: int
    dsm5_severity: str


@router.post("/patients/{mrn}/assessments", response=answers(201, AssessmentCreatedOut, writes=True),
             summary="Record an assessment (DSM-5 item by item)")  # fmt: skip
def create_assessment(request: HttpRequest, mrn: Mrn, data: AssessmentIn) -> Status[dict[str, Any]]:
    values = data.dict() | {"last_opioid_kind": str(data.last_opioid_kind)}
    values["dsm5_criteria"] = tuple(values["dsm5_criteria"])
    a = record_assessment(
        patient(request, mrn), AssessmentInput(**values), actor=actor(request), at=now()
    )
    return Status(201, {"id": a.pk, "dsm5_severity": a.dsm5_severity})


class MedicationIn(In):
    name: Annotated[RequiredText, Field(max_length=200)]
    rxnorm: Annotated[str, Field(max_length=16, pattern=r"^[0-9]*$")] = ""
    started_on: Day | None = None


class MedicationCreatedOut(Schema):
    id: int
    name: str
    rxnorm: str


@router.post("/patients/{mrn}/medications", response=answers(201, MedicationCreatedOut, writes=True),
             summary="Add to the medication list")  # fmt: skip
def create_medication(request: HttpRequest, mrn: Mrn, data: MedicationIn) -> Status[dict[str, Any]]:
    m = add_medication(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(201, {"id": m.pk, "name": m.name, "rxnorm": m.rxnorm})


class StopIn(In):
    stopped_on: Day


class StoppedOut(Schema):
    id: int
    name: str
    stopped_on: date | None


@router.post("/medications/{entry_id}/stop", response=answers(200, StoppedOut, writes=True),
             summary="Take a medication off the current list")  # fmt: skip
def stop_med(request: HttpRequest, entry_id: Id, data: StopIn) -> dict[str, Any]:
    m = stop_medication(entry_id, stopped_on=data.stopped_on, actor=actor(request), at=now())
    return {
        "id": m.pk,
        "name": m.name,
        "stopped_on": m.stopped_on.isoformat() if m.stopped_on else None,
    }


class AllergyIn(In):
    substance: Annotated[RequiredText, Field(max_length=200)]
    reaction: Annotated[Text, Field(max_length=200)] = ""


class AllergyCreatedOut(Schema):
    id: int
    substance: str


@router.post("/patients/{mrn}/allergies", response=answers(201, AllergyCreatedOut, writes=True),
             summary="Record an allergy")  # fmt: skip
def create_allergy(request: HttpRequest, mrn: Mrn, data: AllergyIn) -> Status[dict[str, Any]]:
    a = add_allergy(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(201, {"id": a.pk, "substance": a.substance})


def _json(value: Any, at: str = "data") -> Any:
    """Refuse a NUL character anywhere in the item data (PostgreSQL's JSON cannot hold one, SQLite
    would store it): the same refusal on both databases."""
    if isinstance(value, str) and text_problem(value):
        raise ValueError(f"{at}: {text_problem(value)}")
    if isinstance(value, dict):
        for k, v in value.items():
            _json(k, at)
            _json(v, f"{at}.{k}")
    if isinstance(value, list):
        for i, v in enumerate(value):
            _json(v, f"{at}[{i}]")
    return value


class ObservationIn(In):
    kind: ObservationKind
    observed_on: Day
    data: Annotated[dict[str, Any], AfterValidator(_json)]


class ObservationOut(Schema):
    id: int
    kind: ObservationKind
    observed_on: date
    data: dict[str, Any]
    total: float | None
    band: str
    flags: list[str]
    recorded_by: str


def observation_out(o: Observation) -> dict[str, Any]:
    return {"id": o.pk, "kind": o.kind, "observed_on": o.observed_on.isoformat(), "data": o.data,
            "total": o.total, "band": o.band, "flags": o.flags, "recorded_by": o.recorded_by}  # fmt: skip


@router.post("/patients/{mrn}/observations", response=answers(201, ObservationOut, writes=True),
             summary="Record an observation (scored by the core)")  # fmt: skip
def create_observation(
    request: HttpRequest, mrn: Mrn, payload: ObservationIn
) -> Status[dict[str, Any]]:
    o = record_observation(patient(request, mrn), kind=payload.kind.value, observed_on=payload.observed_on,
                           data=payload.data, actor=actor(request), at=now())  # fmt: skip
    return Status(201, observation_out(o))


@router.get("/patients/{mrn}/observations", response=answers(200, Page[ObservationOut]),
            summary="Observations, newest first")  # fmt: skip
def list_observations(
    request: HttpRequest,
    mrn: Mrn,
    kind: ObservationKind | Literal[""] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows = Observation.objects.filter(patient=patient(request, mrn)).order_by("-observed_on", "-id")
    if kind:
        rows = rows.filter(kind=kind)
    return page(rows, limit, offset, observation_out)


class SideEffectIn(In):
    kind: SideEffectKind
    severity: SideEffectSeverity
    noted_on: Day
    description: Annotated[Text, Field(max_length=500)] = ""
    follow_up_due: Day | None = None


class SideEffectOut(Schema):
    id: int
    kind: SideEffectKind
    severity: SideEffectSeverity
    noted_on: date
    description: str
    administration_id: int | None
    follow_up_due: date | None
    follow_up_note: str
    resolved_on: date | None


def side_effect_out(s: SideEffect) -> dict[str, Any]:
    return {
        "id": s.pk, "kind": s.kind, "severity": s.severity, "noted_on": s.noted_on.isoformat(),
        "description": s.description, "administration_id": s.administration_id,
        "follow_up_due": s.follow_up_due.isoformat() if s.follow_up_due else None,
        "follow_up_note": s.follow_up_note,
        "resolved_on": s.resolved_on.isoformat() if s.resolved_on else None,
    }  # fmt: skip


@router.post("/patients/{mrn}/side-effects", response=answers(201, SideEffectOut, writes=True),
             summary="Record a side effect")  # fmt: skip
def create_side_effect(
    request: HttpRequest, mrn: Mrn, data: SideEffectIn
) -> Status[dict[str, Any]]:
    values = data.dict() | {"kind": data.kind.value, "severity": data.severity.value}
    s = record_side_effect(patient(request, mrn), actor=actor(request), at=now(), **values)
    return Status(201, side_effect_out(s))


@router.get("/patients/{mrn}/side-effects", response=answers(200, Page[SideEffectOut]),
            summary="Side effects, newest first (paged)")  # fmt: skip
def list_side_effects(
    request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    return page(patient(request, mrn).side_effects.all(), limit, offset, side_effect_out)


class FollowUpIn(In):
    on: Day
    note: Annotated[RequiredText, Field(max_length=500)]
    resolved: Flag = False
    next_due: Day | None = None


@router.post("/side-effects/{effect_id}/follow-up", response=answers(200, SideEffectOut, writes=True),
             summary="Follow up a side effect (or resolve it)")  # fmt: skip
def side_effect_follow_up(request: HttpRequest, effect_id: Id, data: FollowUpIn) -> dict[str, Any]:
    s = follow_up_side_effect(effect_id, actor=actor(request), at=now(), **data.dict())
    return side_effect_out(s)


class SessionIn(In):
    held_on: Day
    kind: SessionKind
    attendance: Attendance
    note: LongText = ""
    minutes: Annotated[int, Field(strict=True, ge=1, le=600)] | None = None


class CreatedOut(Schema):
    id: int


class SessionOut(Schema):
    id: int
    held_on: date
    kind: SessionKind
    attendance: Attendance
    note: str
    counselor: str


@router.post("/patients/{mrn}/counselling", response=answers(201, CreatedOut, writes=True),
             summary="Record a counselling session")  # fmt: skip
def create_session(request: HttpRequest, mrn: Mrn, data: SessionIn) -> Status[dict[str, Any]]:
    values = data.dict() | {"kind": data.kind.value, "attendance": data.attendance.value}
    s = record_session(patient(request, mrn), actor=actor(request), at=now(), **values)
    return Status(201, {"id": s.pk})


@router.get("/patients/{mrn}/counselling", response=answers(200, Page[SessionOut]),
            summary="Counselling sessions with notes, newest first (counselors, prescribers; paged)")  # fmt: skip
def list_sessions(
    request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    sessions = read_sessions(patient(request, mrn), actor=actor(request), at=now())
    return page(sessions, limit, offset, lambda s: {
        "id": s.pk, "held_on": s.held_on.isoformat(), "kind": s.kind, "attendance": s.attendance,
        "note": s.note, "counselor": s.counselor})  # fmt: skip
