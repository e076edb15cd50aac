"""Appointments in the JSON API: book, list by day and status, mark kept, missed or cancelled."""

from __future__ import annotations

import re
from datetime import date
from datetime import time as clock_time
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import BeforeValidator, Field

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

from .models import Appointment, AppointmentKind, AppointmentStatus, by_day_and_time
from .services import book_appointment, set_appointment_status

# Tagged "treatment", where these operations were first published: their ids and grouping stay.
router = Router(tags=["treatment"])


TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


def _hh_mm(value: Any) -> Any:
    # Only "HH:MM" text (24-hour clock): not seconds, not a number, not "25:00".
    if value is None:
        return None
    if not isinstance(value, str) or not re.fullmatch(TIME_PATTERN, value):
        raise ValueError("must be a time of day HH:MM, from 00:00 to 23:59")
    return clock_time.fromisoformat(value)


# A time of day in the clinic's time zone; absent or null: the visit is booked by the day.
TimeOfDay = Annotated[
    clock_time,
    BeforeValidator(_hh_mm),
    Field(json_schema_extra={"pattern": TIME_PATTERN, "maxLength": 5}),
]


class AppointmentOut(Schema):
    id: int
    mrn: str
    kind: AppointmentKind
    on: date
    status: AppointmentStatus
    note: str
    time: str | None = Field(None, description="HH:MM in the clinic's time zone, or null")


def appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "mrn": a.patient.mrn,
        "kind": a.kind,
        "on": a.on.isoformat(),
        "status": a.status,
        "note": a.note,
        "time": a.time.strftime("%H:%M") if a.time else None,
    }


class AppointmentIn(In):
    kind: AppointmentKind
    on: Day
    note: Annotated[Text, Field(max_length=500)] = ""
    time: TimeOfDay | None = None


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
    rows = Appointment.objects.select_related("patient").order_by(*by_day_and_time())
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
