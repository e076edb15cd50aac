"""Plans, orders, the MAR, implants, appointments and discontinuation in the JSON API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from naltrack.accounts.roles import Action
from naltrack.clock import local_day
from naltrack.web.apiutil import PageOut, actor, list_records, now, page, patient

from .models import Administration, Appointment, TreatmentPlan
from .services import (
    AdministrationInput,
    PlanInput,
    authorize_injection_override,
    book_appointment,
    change_plan,
    discontinue,
    insert_implant,
    propose_injection,
    record_administration,
    remove_implant,
    set_appointment_status,
    sign_order,
)

router = Router(tags=["treatment"])


def _iso(v: Any) -> Any:
    return v.isoformat() if isinstance(v, (date, datetime)) else v


def administration_out(a: Administration) -> dict[str, Any]:
    names = ("given_at", "given_on", "formulation", "product", "dose_mg", "route", "site", "needle", "lot", "expiry",
             "observed", "status", "reason", "first_dose", "late_tier", "warnings", "reversal_agent_discussed",
             "reversal_agent_on_hand", "recorded_by", "opioid_use_reported", "urine_screen", "overridden",
             "override_reason", "override_by", "policy_version")  # fmt: skip
    return {"id": a.pk} | {n: _iso(getattr(a, n)) for n in names}


def plan_out(p: TreatmentPlan) -> dict[str, Any]:
    names = ("version", "formulation", "regimen", "goals", "psychosocial", "triggers", "warning_signs",
             "coping_strategies", "support_contacts", "relapse_management", "planned_duration_days",
             "discontinuation_plan", "reason", "created_by", "created_at")  # fmt: skip
    return {n: _iso(getattr(p, n)) for n in names}


def appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "mrn": a.patient.mrn,
        "kind": a.kind,
        "on": a.on.isoformat(),
        "status": a.status,
        "note": a.note,
    }


class PlanIn(Schema):
    formulation: str
    regimen: str
    goals: str = ""
    psychosocial: list[str] = []
    triggers: str = ""
    warning_signs: str = ""
    coping_strategies: str = ""
    support_contacts: str = ""
    relapse_management: str = ""
    planned_duration_days: int = 180
    discontinuation_plan: str = ""
    reason: str


@router.post(
    "/patients/{mrn}/plans",
    response={201: dict},
    summary="Write the next plan version (with a reason)",
)
def create_plan(request: HttpRequest, mrn: str, data: PlanIn) -> Status[dict[str, Any]]:
    values = data.dict()
    reason = values.pop("reason")
    values["psychosocial"] = tuple(values["psychosocial"])
    plan = change_plan(
        patient(request, mrn), PlanInput(**values), reason=reason, actor=actor(request), at=now()
    )
    return Status(201, plan_out(plan))


@router.get("/patients/{mrn}/plans", summary="Every plan version, newest first")
def list_plans(request: HttpRequest, mrn: str) -> list[dict[str, Any]]:
    return [
        plan_out(p)
        for p in TreatmentPlan.objects.filter(patient=patient(request, mrn)).order_by(
            "-created_at", "-version"
        )
    ]


class OrderIn(Schema):
    formulation: str
    regimen: str
    dose_mg: int
    instructions: str = ""


@router.post(
    "/patients/{mrn}/orders", response={201: dict}, summary="Sign a naltrexone order (prescriber)"
)
def create_order(request: HttpRequest, mrn: str, data: OrderIn) -> Status[dict[str, Any]]:
    o = sign_order(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(
        201, {"id": o.pk, "regimen": o.regimen, "dose_mg": o.dose_mg, "signed_by": o.signed_by}
    )


list_records(router, "orders", "Naltrexone orders, newest first")
list_records(router, "implants", "Implant insertions and removals")


@router.get(
    "/patients/{mrn}/injection-proposal",
    summary="Side, needle and timing proposed for an injection today",
)
def injection_proposal(request: HttpRequest, mrn: str) -> dict[str, Any]:
    actor(request).require(Action.RECORD_ADMINISTRATION)
    proposal = propose_injection(patient(request, mrn), local_day(now()))
    return {k: _iso(v) for k, v in asdict(proposal).items()}


class AdministrationIn(Schema):
    formulation: str
    given_at: datetime
    status: str = "given"
    dose_mg: int | None = None
    site: str = ""
    needle: str = ""
    lot: str = ""
    expiry: date | None = None
    observed: bool = True
    reason: str = ""
    reversal_agent_discussed: bool = False
    reversal_agent_on_hand: bool = False
    confirm_warnings: bool = False
    opioid_use_reported: bool = False


@router.post(
    "/patients/{mrn}/administrations",
    response={201: dict},
    summary="Record a dose on the MAR (nurse)",
)
def create_administration(
    request: HttpRequest, mrn: str, data: AdministrationIn
) -> Status[dict[str, Any]]:
    done = record_administration(
        patient(request, mrn), AdministrationInput(**data.dict()), actor=actor(request), at=now()
    )
    booked = appointment_out(done.next_appointment) if done.next_appointment else None
    return Status(201, administration_out(done.administration) | {"next_appointment": booked})


class OverrideIn(Schema):
    on: date
    reason: str


@router.post(
    "/patients/{mrn}/injection-override",
    response={201: dict},
    summary="A prescriber's written override for today's injection (lifts only what the core "
    "leaves to clinical judgement)",
)
def create_injection_override(
    request: HttpRequest, mrn: str, data: OverrideIn
) -> Status[dict[str, Any]]:
    row = authorize_injection_override(
        patient(request, mrn), on=data.on, reason=data.reason, actor=actor(request), at=now()
    )
    return Status(
        201,
        {"id": row.pk, "on": row.on.isoformat(), "codes": row.codes, "reason": row.reason,
         "authorized_by": row.authorized_by},
    )  # fmt: skip


@router.get("/patients/{mrn}/administrations", response=PageOut, summary="The MAR, newest first")
def list_administrations(
    request: HttpRequest, mrn: str, status: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    rows = Administration.objects.filter(patient=patient(request, mrn)).order_by("-given_at", "-id")
    if status:
        rows = rows.filter(status=status)
    return page(rows, limit, offset, administration_out)


class ImplantIn(Schema):
    inserted_on: date
    product: str
    dose_mg: int
    lot: str
    site: str


@router.post(
    "/patients/{mrn}/implants", response={201: dict}, summary="Record an implant insertion"
)
def create_implant(request: HttpRequest, mrn: str, data: ImplantIn) -> Status[dict[str, Any]]:
    i = insert_implant(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return Status(
        201, {"id": i.pk, "inserted_on": i.inserted_on.isoformat(), "covered_days": i.covered_days}
    )


class RemovalIn(Schema):
    removed_on: date
    reason: str


@router.post("/implants/{implant_id}/removal", summary="Record an implant removal")
def implant_removal(request: HttpRequest, implant_id: int, data: RemovalIn) -> dict[str, Any]:
    i = remove_implant(implant_id, actor=actor(request), at=now(), **data.dict())
    return {"id": i.pk, "removed_on": _iso(i.removed_on)}


class AppointmentIn(Schema):
    kind: str
    on: date
    note: str = ""


@router.post("/patients/{mrn}/appointments", response={201: dict}, summary="Book an appointment")
def create_appointment(
    request: HttpRequest, mrn: str, data: AppointmentIn
) -> Status[dict[str, Any]]:
    a = book_appointment(
        patient(request, mrn, "contact"), actor=actor(request), at=now(), **data.dict()
    )
    return Status(201, appointment_out(a))


@router.get("/appointments", response=PageOut, summary="Appointments by day and status")
def list_appointments(
    request: HttpRequest, on: date | None = None, status: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    actor(request).require(Action.VIEW_SCHEDULE)
    rows = Appointment.objects.select_related("patient").order_by("on", "id")
    if on:
        rows = rows.filter(on=on)
    if status:
        rows = rows.filter(status=status)
    return page(rows, limit, offset, appointment_out)


class StatusIn(Schema):
    status: str


@router.post(
    "/appointments/{appointment_id}/status", summary="Mark an appointment kept, missed or cancelled"
)
def appointment_status(request: HttpRequest, appointment_id: int, data: StatusIn) -> dict[str, Any]:
    return appointment_out(
        set_appointment_status(appointment_id, data.status, actor=actor(request), at=now())
    )


class DiscontinueIn(Schema):
    on: date
    reason: str
    lost_to_follow_up: bool = False
    stop_reason: str = ""


@router.post(
    "/patients/{mrn}/discontinue",
    summary="End the episode; opens the post-treatment overdose-risk alert",
)
def discontinue_episode(request: HttpRequest, mrn: str, data: DiscontinueIn) -> dict[str, Any]:
    e = discontinue(patient(request, mrn), actor=actor(request), at=now(), **data.dict())
    return {"episode": e.pk, "status": e.status, "discharge_date": _iso(e.discharge_date)}
