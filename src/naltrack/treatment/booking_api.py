"""Book the next injection through the JSON API (the same use case as the page's button)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.appointments.api import AppointmentOut, appointment_out
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import Mrn, actor, answers, now

from .booking import book_next_injection

router = Router(tags=["treatment"])


class NextInjectionOut(Schema):
    appointment: AppointmentOut = Field(description="the visit booked")
    on: str = Field(description="the day chosen (YYYY-MM-DD)")
    due_date: str
    window_start: str
    window_end: str
    message: str = Field(description="why this day, or why none")


@router.post("/patients/{mrn}/appointments/next-injection", response=answers(201, NextInjectionOut, writes=True),
             summary="Book the next injection on the due day or the nearest open day of the window (409 when none is open)")  # fmt: skip
def next_injection(request: HttpRequest, mrn: Mrn) -> Status[dict[str, Any]]:
    placed = book_next_injection(patient(request, mrn, "contact"), actor=actor(request), at=now())
    assert placed.appointment is not None
    return Status(
        201, placed.booking.as_dict() | {"appointment": appointment_out(placed.appointment)}
    )
