"""Appointments in the JSON API: book, list by day and status, mark kept, missed or cancelled."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.accounts.roles import Action
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import (
    Day,
    Id,
    In,
    Limit,
    Mrn,
    Offset,
    Page,
    Text,
    actor,
    answers,
    audited_page,
    now,
)

from .models import Appointment, AppointmentKind, AppointmentStatus
from .services import book_appointment, set_appointment_status

# Tagged "treatment", where these operations were first published: their ids and grouping stay.
router = Router(tags=["treatment"])


class AppointmentOut(Schema):
    id: int
    mrn: str
    kind: AppointmentKind
    on: date
    status: AppointmentStatus
    note: str


def appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "mrn": a.patient.mrn,
        "kind": a.kind,
        "on": a.on.isoformat(),
        "status": a.status,
        "note": a.note,
    }


class AppointmentIn(In):
    kind: AppointmentKind
    on: Day
    note: Annotated[Text, Field(max_length=500)] = ""


@router.post("/patients/{mrn}/appointments", response=answers(201, AppointmentOut, writes=True),
             summary="Book an appointment (today or later)")  # fmt: skip
def create_appointment(
    request: HttpRequest, mrn: Mrn, data: AppointmentIn
) -> Status[dict[str, Any]]:
    values = data.dict() | {"kind": data.kind.value}
    a = book_appointment(patient(request, mrn, "contact"), actor=actor(request), at=now(), **values)
    return Status(201, appointment_out(a))


@router.get("/appointments", response=answers(200, Page[AppointmentOut]),
            summary="Appointments by day and status (the listing is audited)")  # fmt: skip
def list_appointments(
    request: HttpRequest,
    on: Day | None = None,
    status: AppointmentStatus | Literal[""] = "",
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    actor(request).require(Action.VIEW_SCHEDULE)
    rows = Appointment.objects.select_related("patient").order_by("on", "id")
    if on:
        rows = rows.filter(on=on)
    if status:
        rows = rows.filter(status=status)
    return audited_page(request, "appointment_list", rows, limit, offset, appointment_out,
                        mrn_of=lambda a: a.patient.mrn, filters=f"on={on or ''} status={status}")  # fmt: skip


class StatusIn(In):
    status: Literal["kept", "missed", "cancelled"]


@router.post("/appointments/{appointment_id}/status", response=answers(200, AppointmentOut, writes=True),
             summary="Mark an appointment kept, missed or cancelled")  # fmt: skip
def appointment_status(request: HttpRequest, appointment_id: Id, data: StatusIn) -> dict[str, Any]:
    return appointment_out(
        set_appointment_status(appointment_id, data.status, actor=actor(request), at=now())
    )
