"""Screening in the JSON API: run (facts from the record plus the entered ones), list, sign."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.clinical.screening_facts import RenalImpairment
from naltrack.clinical.vocab import Formulation, OpioidKind
from naltrack.patients.apiutil import patient
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
    Text,
    actor,
    answers,
    now,
    page,
)

from .models import DecisionChoice, ScreeningRecord
from .services import missing_of, run_screening, sign_screening

router = Router(tags=["screening"])


class ScreeningOut(Schema):
    id: int
    mrn: str
    as_of: Day
    formulation: Formulation
    decision: DecisionChoice
    earliest_start_date: Day | None
    policy: str
    facts: dict[str, Any]
    result: dict[str, Any]
    created_by: str
    signed_by: str | None
    signed_at: datetime | None
    override_reason: str | None
    missing_facts: list[dict[str, str]]
    reviewed: list[str]
    attestation_note: str | None


def screening_out(s: ScreeningRecord) -> dict[str, Any]:
    return {
        "id": s.pk, "mrn": s.patient.mrn, "as_of": s.as_of.isoformat(), "formulation": s.formulation,
        "decision": s.decision, "earliest_start_date": s.earliest_start_date.isoformat() if s.earliest_start_date else None,
        "policy": s.policy_version, "facts": s.facts, "result": s.result, "created_by": s.created_by,
        "signed_by": s.signed_by or None, "signed_at": s.signed_at.isoformat() if s.signed_at else None,
        "override_reason": s.override_reason or None,
        "missing_facts": [m.as_dict() for m in missing_of(s)], "reviewed": list(s.reviewed),
        "attestation_note": s.attestation_note or None,
    }  # fmt: skip


# The facts a clinician enters beside those gathered from the record (screening/facts.py
# ENTERED_FACTS), with the bounds the core's parser enforces (clinical/screening_facts.py).
class LastOpioidUseIn(In):
    date: Day
    kind: OpioidKind | None = None


class LiverIn(In):
    acute_hepatitis: Flag | None = None
    liver_failure: Flag | None = None
    alt: Annotated[float, Field(strict=True, ge=0, le=100_000)] | None = None
    ast: Annotated[float, Field(strict=True, ge=0, le=100_000)] | None = None
    alt_uln: Annotated[float, Field(strict=True, ge=0.001, le=100_000)] | None = None
    ast_uln: Annotated[float, Field(strict=True, ge=0.001, le=100_000)] | None = None
    date: Day | None = None


class FactsIn(In):
    pregnant: Flag | None = None
    breastfeeding: Flag | None = None
    renal_impairment: RenalImpairment | None = None
    coagulation_disorder: Flag | None = None
    platelets_10e9_per_l: Annotated[float, Field(strict=True, ge=0, le=5000)] | None = None
    needs_opioid_analgesia: Flag | None = None
    planned_surgery_date: Day | None = None
    last_opioid_use: LastOpioidUseIn | None = None
    last_alcohol_use: Day | None = None
    liver: LiverIn | None = None


class ScreeningIn(In):
    formulation: Formulation
    facts: FactsIn = FactsIn()


@router.post("/patients/{mrn}/screenings", response=answers(201, ScreeningOut, writes=True),
             summary="Screen for a start (stored, unsigned)")  # fmt: skip
def create_screening(request: HttpRequest, mrn: Mrn, data: ScreeningIn) -> Status[dict[str, Any]]:
    rec = run_screening(
        patient(request, mrn),
        data.facts.model_dump(mode="json", exclude_none=True),
        formulation=data.formulation.value,
        actor=actor(request),
        at=now(),
    )
    return Status(201, screening_out(rec))


@router.get("/patients/{mrn}/screenings", response=answers(200, Page[ScreeningOut]),
            summary="Screening history, newest first")  # fmt: skip
def list_screenings(
    request: HttpRequest, mrn: Mrn, limit: Limit = 20, offset: Offset = 0
) -> dict[str, Any]:
    rows = (
        ScreeningRecord.objects.select_related("patient")
        .filter(patient=patient(request, mrn))
        .order_by("-created_at", "-id")
    )
    return page(rows, limit, offset, screening_out)


class SignIn(In):
    reviewed: list[Annotated[Text, Field(max_length=64)]] = Field(default=[], max_length=100)
    note: LongText = ""
    override_reason: LongText = ""


@router.post("/screenings/{screening_id}/sign", response=answers(200, ScreeningOut, writes=True),
             summary="Sign (prescriber) naming what was reviewed, with a note; a reason overrides a block")  # fmt: skip
def sign(request: HttpRequest, screening_id: Id, data: SignIn) -> dict[str, Any]:
    return screening_out(
        sign_screening(
            screening_id,
            actor=actor(request),
            at=now(),
            reviewed=data.reviewed,
            note=data.note,
            override_reason=data.override_reason,
        )
    )
