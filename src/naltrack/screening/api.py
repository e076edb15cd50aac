"""Screening in the JSON API: run (facts from the record plus the entered ones), list, sign."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import PageOut, actor, now, page

from .models import ScreeningRecord
from .services import run_screening, sign_screening

router = Router(tags=["screening"])


def screening_out(s: ScreeningRecord) -> dict[str, Any]:
    return {
        "id": s.pk, "mrn": s.patient.mrn, "as_of": s.as_of.isoformat(), "formulation": s.formulation,
        "decision": s.decision, "earliest_start_date": s.earliest_start_date.isoformat() if s.earliest_start_date else None,
        "policy": s.policy_version, "facts": s.facts, "result": s.result, "created_by": s.created_by,
        "signed_by": s.signed_by or None, "signed_at": s.signed_at.isoformat() if s.signed_at else None,
        "override_reason": s.override_reason or None,
    }  # fmt: skip


class ScreeningIn(Schema):
    formulation: str
    facts: dict[str, Any] = {}


@router.post(
    "/patients/{mrn}/screenings",
    response={201: dict},
    summary="Screen for a start (stored, unsigned)",
)
def create_screening(request: HttpRequest, mrn: str, data: ScreeningIn) -> Status[dict[str, Any]]:
    rec = run_screening(
        patient(request, mrn),
        data.facts,
        formulation=data.formulation,
        actor=actor(request),
        at=now(),
    )
    return Status(201, screening_out(rec))


@router.get(
    "/patients/{mrn}/screenings", response=PageOut, summary="Screening history, newest first"
)
def list_screenings(
    request: HttpRequest, mrn: str, limit: int = 20, offset: int = 0
) -> dict[str, Any]:
    rows = (
        ScreeningRecord.objects.select_related("patient")
        .filter(patient=patient(request, mrn))
        .order_by("-created_at", "-id")
    )
    return page(rows, limit, offset, screening_out)


class SignIn(Schema):
    override_reason: str = ""


@router.post(
    "/screenings/{screening_id}/sign", summary="Sign (prescriber); a reason overrides a block"
)
def sign(request: HttpRequest, screening_id: int, data: SignIn) -> dict[str, Any]:
    return screening_out(
        sign_screening(
            screening_id, actor=actor(request), at=now(), override_reason=data.override_reason
        )
    )
