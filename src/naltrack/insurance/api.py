"""Insurance and prior authorization in the JSON API (issue 15): a patient's coverages, benefits
verifications and prior authorizations, recording each, and moving an authorization on. The same
use cases as the insurance page; every read and write is audited there."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.clinical.authorization import shown_status, units_left
from naltrack.clock import local_day
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import (
    Day,
    Flag,
    Id,
    Limit,
    Mrn,
    Offset,
    Page,
    Text,
    actor,
    answers,
    now,
    page,
)
from naltrack.web.apiutil import In as Body

from . import services
from .models import BenefitsVerification, Coverage, PriorAuthorization

router = Router(tags=["insurance"])

Short = Annotated[Text, Field(max_length=120)]
Formulation = Literal["xr_injection", "implant"]


class CoverageIn(Body):
    kind: Literal["insurance", "self_pay", "program"]
    valid_from: Day
    valid_to: Day | None = None
    payer: Short = ""
    plan: Short = ""
    member_id: Annotated[Text, Field(max_length=60)] = ""
    group: Annotated[Text, Field(max_length=60)] = ""
    rank: Literal["primary", "secondary"] = "primary"


class CoverageOut(Schema):
    id: int
    kind: str
    payer: str
    plan: str
    member_id: str
    group: str
    valid_from: date
    valid_to: date | None
    rank: str
    recorded_by: str


class BenefitsIn(Body):
    covered: Literal["yes", "no", "unknown"]
    formulation: Formulation = "xr_injection"
    benefit: Literal["", "pharmacy", "medical"] = ""
    supply: Literal["", "specialty_pharmacy", "buy_and_bill"] = ""
    copay: Annotated[float, Field(ge=0, le=99999, strict=True)] | None = None  # dollars
    copay_assistance: Flag = False
    note: Annotated[Text, Field(max_length=300)] = ""
    verified_on: Day | None = None


class BenefitsOut(Schema):
    id: int
    formulation: str
    covered: str
    benefit: str
    supply: str
    copay: float | None
    copay_assistance: bool
    note: str
    verified_on: date
    verified_by: str


class PriorAuthIn(Body):
    formulation: Formulation
    submitted_on: Day | None = None
    payer: Short = ""
    reference: Annotated[Text, Field(max_length=60)] = ""


class TransitionIn(Body):
    status: Literal["approved", "denied", "appealed"]
    on: Day | None = None
    reference: Annotated[Text, Field(max_length=60)] = ""
    approved_units: Annotated[int, Field(ge=0, le=1000)] | None = None
    approved_from: Day | None = None
    approved_to: Day | None = None
    note: Annotated[Text, Field(max_length=300)] = ""


class AuthorizationEventOut(Schema):
    status: str
    on: date
    note: str
    by: str
    at: datetime


class PriorAuthOut(Schema):
    id: int
    formulation: str
    payer: str
    status: str  # as stored: submitted, approved, denied, appealed
    shown_status: str  # the core's: an approval past its last day reads expired
    reference: str
    approved_units: int
    units_used: int
    units_left: int
    approved_from: date | None
    approved_to: date | None
    submitted_on: date
    history: list[AuthorizationEventOut]


def coverage_out(c: Coverage) -> dict[str, Any]:
    return {"id": c.pk, "kind": c.kind, "payer": c.payer, "plan": c.plan, "member_id": c.member_id,
            "group": c.group, "valid_from": c.valid_from, "valid_to": c.valid_to, "rank": c.rank,
            "recorded_by": c.recorded_by}  # fmt: skip


def benefits_out(b: BenefitsVerification) -> dict[str, Any]:
    return {"id": b.pk, "formulation": b.formulation, "covered": b.covered, "benefit": b.benefit,
            "supply": b.supply, "copay": None if b.copay is None else float(b.copay), "copay_assistance": b.copay_assistance,
            "note": b.note, "verified_on": b.verified_on, "verified_by": b.verified_by}  # fmt: skip


def pa_out(r: PriorAuthorization, on: date) -> dict[str, Any]:
    pa = services.core_authorization(r)
    return {
        "id": r.pk, "formulation": r.formulation, "payer": r.payer, "status": r.status,
        "shown_status": str(shown_status(pa, on)), "reference": r.reference,
        "approved_units": r.approved_units, "units_used": r.units_used,
        "units_left": units_left(pa), "approved_from": r.approved_from,
        "approved_to": r.approved_to, "submitted_on": r.submitted_on,
        "history": [{"status": e.status, "on": e.on, "note": e.note, "by": e.by, "at": e.at}
                    for e in r.events.all()],
    }  # fmt: skip


@router.get("/patients/{mrn}/coverage", response=answers(200, Page[CoverageOut]),
            summary="A patient's coverages: insurance, self-pay, a program or grant (audited read)")  # fmt: skip
def list_coverage(request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    found = services.patient_insurance(
        patient(request, mrn, "contact"), actor=actor(request), at=now()
    )
    return page(found.coverages, limit, offset, coverage_out)


@router.post("/patients/{mrn}/coverage", response=answers(201, CoverageOut, writes=True),
             summary="Record a coverage (insurance needs the payer and the member id)")  # fmt: skip
def create_coverage(request: HttpRequest, mrn: Mrn, data: CoverageIn) -> Status[dict[str, Any]]:
    p = patient(request, mrn, "contact")
    c = services.record_coverage(
        p, services.CoverageInput(**data.dict()), actor=actor(request), at=now()
    )
    return Status(201, coverage_out(c))


@router.get("/patients/{mrn}/benefits", response=answers(200, Page[BenefitsOut]),
            summary="A patient's benefits verifications, newest first (audited read)")  # fmt: skip
def list_benefits(request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    found = services.patient_insurance(
        patient(request, mrn, "contact"), actor=actor(request), at=now()
    )
    return page(found.benefits, limit, offset, benefits_out)


@router.post("/patients/{mrn}/benefits", response=answers(201, BenefitsOut, writes=True),
             summary="Record a benefits verification for the injection or the implant")  # fmt: skip
def create_benefits(request: HttpRequest, mrn: Mrn, data: BenefitsIn) -> Status[dict[str, Any]]:
    p = patient(request, mrn, "contact")
    values = data.dict()
    if values["copay"] is not None:  # dollars and cents, as the record keeps them
        values["copay"] = Decimal(str(values["copay"])).quantize(Decimal("0.01"))
    b = services.record_benefits(
        p, services.BenefitsInput(**values), actor=actor(request), at=now()
    )
    return Status(201, benefits_out(b))


@router.get("/patients/{mrn}/prior-authorizations", response=answers(200, Page[PriorAuthOut]),
            summary="A patient's prior authorizations with their history (audited read)")  # fmt: skip
def list_prior_auths(request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    at = now()
    found = services.patient_insurance(
        patient(request, mrn, "contact"), actor=actor(request), at=at
    )
    return page(found.authorizations, limit, offset, lambda r: pa_out(r, local_day(at)))


@router.post("/patients/{mrn}/prior-authorizations", response=answers(201, PriorAuthOut, writes=True),
             summary="Record a prior authorization as submitted to the payer")  # fmt: skip
def create_prior_auth(request: HttpRequest, mrn: Mrn, data: PriorAuthIn) -> Status[dict[str, Any]]:
    at = now()
    p = patient(request, mrn, "contact")
    r = services.record_prior_auth(
        p, services.PriorAuthInput(**data.dict()), actor=actor(request), at=at
    )
    return Status(201, pa_out(r, local_day(at)))


@router.post("/patients/{mrn}/prior-authorizations/{pa_id}/transitions",
             response=answers(200, PriorAuthOut, writes=True),
             summary="Move a prior authorization on: submitted to approved (units, dates) or denied; "
                     "denied to appealed; appealed to approved or denied")  # fmt: skip
def transition_prior_auth(request: HttpRequest, mrn: Mrn, pa_id: Id, data: TransitionIn) -> dict[str, Any]:  # fmt: skip
    at = now()
    p = patient(request, mrn, "contact")
    r = services.change_prior_auth(
        p, pa_id, services.Transition(**data.dict()), actor=actor(request), at=at
    )
    return pa_out(r, local_day(at))
