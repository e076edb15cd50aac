"""Plans, orders, the MAR, implants and discontinuation in the JSON API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import AfterValidator, Field

from naltrack.accounts.roles import Action
from naltrack.appointments.api import AppointmentOut, appointment_out
from naltrack.clinical.regimens import regimens
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.apiutil import list_records, patient
from naltrack.web.apiutil import (
    Day,
    Flag,
    Id,
    In,
    Instant,
    Limit,
    LongText,
    Mrn,
    Offset,
    Page,
    RequiredText,
    Text,
    actor,
    answers,
    now,
    page,
)

from .models import (
    PSYCHOSOCIAL_COMPONENTS,
    Administration,
    AdministrationStatus,
    Needle,
    Site,
    StopReasonChoice,
    TreatmentPlan,
)
from .services import (
    AdministrationInput,
    PlanInput,
    authorize_injection_override,
    change_plan,
    discontinue,
    insert_implant,
    order_today,
    propose_injection,
    record_administration,
    remove_implant,
    sign_order,
)

router = Router(tags=["treatment"])


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (date, datetime)) else v


# ---- the vocabulary the services enforce, declared in the document ---------------------------

REGIMEN_CODES = sorted(regimens())


def _regimen(value: str) -> str:
    if value not in REGIMEN_CODES:
        raise ValueError("is not a known regimen")
    return value


def _component(value: str) -> str:
    if value not in dict(PSYCHOSOCIAL_COMPONENTS):
        raise ValueError(f"{value!r} is not a psychosocial component")
    return value


Regimen = Annotated[str, AfterValidator(_regimen), Field(json_schema_extra={"enum": REGIMEN_CODES})]
Psychosocial = Annotated[
    str, AfterValidator(_component),
    Field(json_schema_extra={"enum": [code for code, _ in PSYCHOSOCIAL_COMPONENTS]}),
]  # fmt: skip


class AdministrationOut(Schema):
    id: int
    given_at: datetime
    given_on: date
    formulation: Formulation
    product: str
    dose_mg: int | None
    route: str
    site: str
    needle: str
    lot: str
    expiry: date | None
    observed: bool
    status: AdministrationStatus
    reason: str
    first_dose: bool
    late_tier: str
    warnings: list[str]
    reversal_agent_discussed: bool
    reversal_agent_on_hand: bool
    recorded_by: str
    opioid_use_reported: bool
    urine_screen: str
    overridden: list[dict[str, Any]]
    override_reason: str
    override_by: str
    policy_version: str


class PlanOut(Schema):
    version: int
    formulation: Formulation
    regimen: str
    goals: str
    psychosocial: list[str]
    triggers: str
    warning_signs: str
    coping_strategies: str
    support_contacts: str
    relapse_management: str
    planned_duration_days: int
    discontinuation_plan: str
    patient_may_edit: bool
    reason: str
    created_by: str
    created_at: datetime


class RecordedOut(AdministrationOut):
    next_appointment: AppointmentOut | None
    next_appointment_reason: str = Field(
        "",
        description="why the next injection was booked on its day, or why none was (no open "
        "day of the clinic in the allowed window)",
    )


def administration_out(a: Administration) -> dict[str, Any]:
    names = ("given_at", "given_on", "formulation", "product", "dose_mg", "route", "site", "needle", "lot", "expiry",
             "observed", "status", "reason", "first_dose", "late_tier", "warnings", "reversal_agent_discussed",
             "reversal_agent_on_hand", "recorded_by", "opioid_use_reported", "urine_screen", "overridden",
             "override_reason", "override_by", "policy_version")  # fmt: skip
    return {"id": a.pk} | {n: _iso(getattr(a, n)) for n in names}


def plan_out(p: TreatmentPlan) -> dict[str, Any]:
    names = ("version", "formulation", "regimen", "goals", "psychosocial", "triggers", "warning_signs",
             "coping_strategies", "support_contacts", "relapse_management", "planned_duration_days",
             "discontinuation_plan", "patient_may_edit", "reason", "created_by", "created_at")  # fmt: skip
    return {n: _iso(getattr(p, n)) for n in names}


class PlanIn(In):
    formulation: Formulation
    regimen: Regimen
    goals: LongText = ""
    psychosocial: Annotated[list[Psychosocial], Field(max_length=len(PSYCHOSOCIAL_COMPONENTS))] = []
    triggers: LongText = ""
    warning_signs: LongText = ""
    coping_strategies: LongText = ""
    support_contacts: LongText = ""
    relapse_management: LongText = ""
    planned_duration_days: Annotated[int, Field(strict=True, ge=1, le=3650)] = 180
    discontinuation_plan: LongText = ""
    patient_may_edit: bool | None = Field(
        None,
        description="the patient may edit the relapse plans in the portal; left out: kept as the "
        "current version has it",
    )
    based_on_version: Annotated[int, Field(strict=True, ge=0)] | None = Field(
        None,
        description="the version this change was made from (0: none yet); when another version "
        "was saved since, the change is refused (409) and nothing is written",
    )
    reason: Annotated[RequiredText, Field(max_length=500)]


@router.post("/patients/{mrn}/plans", response=answers(201, PlanOut, writes=True),
             summary="Write the next plan version (with a reason)")  # fmt: skip
def create_plan(request: HttpRequest, mrn: Mrn, data: PlanIn) -> Status[dict[str, Any]]:
    values = data.dict() | {"formulation": data.formulation.value}
    reason = values.pop("reason")
    based_on = values.pop("based_on_version")
    values["psychosocial"] = tuple(values["psychosocial"])
    record = patient(request, mrn)
    if values["patient_may_edit"] is None:  # not sent: the current version's flag stays
        current = TreatmentPlan.current(record)
        values["patient_may_edit"] = bool(current and current.patient_may_edit)
    plan = change_plan(
        record, PlanInput(**values), reason=reason, actor=actor(request), at=now(),
        based_on_version=based_on,
    )  # fmt: skip
    return Status(201, plan_out(plan))


@router.get("/patients/{mrn}/plans", response=answers(200, Page[PlanOut]),
            summary="Every plan version, newest first (paged)")  # fmt: skip
def list_plans(
    request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0
) -> dict[str, Any]:
    rows = TreatmentPlan.objects.filter(patient=patient(request, mrn)).order_by(
        "-created_at", "-version"
    )
    return page(rows, limit, offset, plan_out)


class OrderIn(In):
    formulation: Formulation
    regimen: Regimen
    dose_mg: Annotated[int, Field(strict=True, ge=1, le=10_000)]
    instructions: Annotated[Text, Field(max_length=300)] = ""
    reason: Annotated[Text, Field(max_length=180)] = ""


class OrderCreatedOut(Schema):
    id: int
    regimen: str
    dose_mg: int
    signed_by: str


@router.post("/patients/{mrn}/orders", response=answers(201, OrderCreatedOut, writes=True),
             summary="Sign a naltrexone order (prescriber)")  # fmt: skip
def create_order(request: HttpRequest, mrn: Mrn, data: OrderIn) -> Status[dict[str, Any]]:
    values = data.dict() | {"formulation": data.formulation.value}
    o = sign_order(patient(request, mrn), actor=actor(request), at=now(), **values)
    return Status(
        201, {"id": o.pk, "regimen": o.regimen, "dose_mg": o.dose_mg, "signed_by": o.signed_by}
    )


list_records(router, "orders", "Naltrexone orders, newest first")
list_records(router, "implants", "Implant insertions and removals")


class ActiveOrderOut(Schema):
    formulation: str
    regimen: str
    title: str
    dose_mg: int
    instructions: str
    signed_by: str
    signed_at: datetime
    today_mg: int | None


class ActiveOrderAnswer(Schema):
    active_order: ActiveOrderOut | None


@router.get("/patients/{mrn}/active-order", response=answers(200, ActiveOrderAnswer),
            summary="The active order and the dose it gives today (the MAR gives only this)")  # fmt: skip
def active_order(request: HttpRequest, mrn: Mrn) -> dict[str, Any]:
    actor(request).require(Action.RECORD_ADMINISTRATION)
    ordered = order_today(patient(request, mrn), local_day(now()))
    return {"active_order": asdict(ordered) if ordered else None}


class ProposalOut(Schema):
    side: str
    side_reason: str
    needle: str
    needle_reason: str
    bmi: float | None
    first_dose: bool
    timing_message: str
    timing_action: str
    tier: str
    may_give: bool
    earliest_on: date | None
    due_on: date | None
    warnings: list[str]
    overdue_from: date | None
    urine_screen_required: bool
    urine_screen_negative: bool | None
    refusals: list[str]
    overridable: bool
    overridden: list[str]
    override_reason: str
    override_by: str
    policy_version: str


@router.get("/patients/{mrn}/injection-proposal", response=answers(200, ProposalOut),
            summary="Side, needle and timing proposed for an injection today")  # fmt: skip
def injection_proposal(request: HttpRequest, mrn: Mrn) -> dict[str, Any]:
    actor(request).require(Action.RECORD_ADMINISTRATION)
    proposal = propose_injection(patient(request, mrn), local_day(now()))
    return {k: _iso(v) for k, v in asdict(proposal).items()}


class AdministrationIn(In):
    formulation: Literal["xr_injection", "oral"]
    given_at: Instant
    status: AdministrationStatus = AdministrationStatus.GIVEN
    dose_mg: Annotated[int, Field(strict=True, ge=1, le=380)] | None = None
    site: Site | Literal[""] = ""
    needle: Needle | Literal[""] = ""
    lot: Annotated[Text, Field(max_length=40)] = ""
    expiry: Day | None = None
    observed: Flag = True
    reason: Annotated[Text, Field(max_length=500)] = ""
    reversal_agent_discussed: Flag = False
    reversal_agent_on_hand: Flag = False
    confirm_warnings: Flag = False
    opioid_use_reported: Flag = False
    kit_id: Id | None = None  # a stock kit (GET /api/patients/{mrn}/kits)


@router.post("/patients/{mrn}/administrations", response=answers(201, RecordedOut, writes=True),
             summary="Record a dose on the MAR (nurse)")  # fmt: skip
def create_administration(
    request: HttpRequest, mrn: Mrn, data: AdministrationIn
) -> Status[dict[str, Any]]:
    values = data.dict() | {
        "status": data.status.value,
        "site": str(data.site),
        "needle": str(data.needle),
    }
    done = record_administration(
        patient(request, mrn), AdministrationInput(**values), actor=actor(request), at=now()
    )
    booked = appointment_out(done.next_appointment) if done.next_appointment else None
    return Status(201, administration_out(done.administration) | {
        "next_appointment": booked, "next_appointment_reason": done.booking_message})  # fmt: skip


class OverrideIn(In):
    on: Day
    reason: Annotated[RequiredText, Field(max_length=500)]
    formulation: Literal["xr_injection", "oral"] = "xr_injection"
    dose_mg: Annotated[int, Field(strict=True, ge=1, le=400)] | None = None


class OverrideOut(Schema):
    id: int
    on: date
    codes: list[str]
    reason: str
    authorized_by: str


@router.post("/patients/{mrn}/injection-override", response=answers(201, OverrideOut, writes=True),
             summary="A prescriber's written override for today's dose (an injection, or tablets of dose_mg) (lifts only what the "
             "core leaves to clinical judgement)")  # fmt: skip
def create_injection_override(
    request: HttpRequest, mrn: Mrn, data: OverrideIn
) -> Status[dict[str, Any]]:
    row = authorize_injection_override(
        patient(request, mrn), on=data.on, reason=data.reason, actor=actor(request), at=now(),
        formulation=data.formulation, dose_mg=data.dose_mg,
    )  # fmt: skip
    return Status(201, {"id": row.pk, "on": row.on, "codes": row.codes, "reason": row.reason,
                        "authorized_by": row.authorized_by})  # fmt: skip


@router.get("/patients/{mrn}/administrations", response=answers(200, Page[AdministrationOut]),
            summary="The MAR, newest first")  # fmt: skip
def list_administrations(
    request: HttpRequest,
    mrn: Mrn,
    status: AdministrationStatus | Literal[""] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    rows = Administration.objects.filter(patient=patient(request, mrn)).order_by("-given_at", "-id")
    if status:
        rows = rows.filter(status=status)
    return page(rows, limit, offset, administration_out)


class ImplantIn(In):
    inserted_on: Day
    product: Annotated[RequiredText, Field(max_length=100)]
    dose_mg: Annotated[int, Field(strict=True, ge=1, le=5000)]
    lot: Annotated[RequiredText, Field(max_length=40)]
    site: Annotated[RequiredText, Field(max_length=100)]
    # no active prior authorization where one is needed (a warning unless the clinic refuses)
    confirm_warnings: Flag = False


class ImplantCreatedOut(Schema):
    id: int
    inserted_on: date
    covered_days: int


@router.post("/patients/{mrn}/implants", response=answers(201, ImplantCreatedOut, writes=True),
             summary="Record an implant insertion")  # fmt: skip
def create_implant(request: HttpRequest, mrn: Mrn, data: ImplantIn) -> Status[dict[str, Any]]:
    i = insert_implant(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(
        201, {"id": i.pk, "inserted_on": i.inserted_on.isoformat(), "covered_days": i.covered_days}
    )


class RemovalIn(In):
    removed_on: Day
    reason: Annotated[RequiredText, Field(max_length=500)]


class RemovalOut(Schema):
    id: int
    removed_on: date | None


@router.post("/implants/{implant_id}/removal", response=answers(200, RemovalOut, writes=True),
             summary="Record an implant removal")  # fmt: skip
def implant_removal(request: HttpRequest, implant_id: Id, data: RemovalIn) -> dict[str, Any]:
    i = remove_implant(implant_id, actor=actor(request), at=now(), **data.dict())
    return {"id": i.pk, "removed_on": _iso(i.removed_on)}


class DiscontinueIn(In):
    on: Day
    reason: Annotated[RequiredText, Field(max_length=500)]
    lost_to_follow_up: Flag = False
    stop_reason: StopReasonChoice | Literal[""] = ""


class DiscontinuedOut(Schema):
    episode: int
    status: str
    discharge_date: date | None


@router.post("/patients/{mrn}/discontinue", response=answers(200, DiscontinuedOut, writes=True),
             summary="End the episode; opens the post-treatment overdose-risk alert")  # fmt: skip
def discontinue_episode(request: HttpRequest, mrn: Mrn, data: DiscontinueIn) -> dict[str, Any]:
    values = data.dict() | {"stop_reason": str(data.stop_reason)}
    e = discontinue(patient(request, mrn), actor=actor(request), at=now(), **values)
    return {"episode": e.pk, "status": e.status, "discharge_date": _iso(e.discharge_date)}
