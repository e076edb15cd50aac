"""Appointments in the JSON API: book (a time, a clinician, a room), list by day and status, move,
cancel with a reason, mark kept or no-show; the clinic calendar for a day or a week; and the
calendar settings (opening hours, holidays, rooms)."""

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
from naltrack.clinical.errors import InputError
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

from . import calendar as settings_services
from .models import Appointment, AppointmentKind, AppointmentStatus, Holiday, Room, by_day_and_time
from .schedule import WEEK, read_calendar
from .services import book_appointment, reschedule_appointment, set_appointment_status

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
    clinician: str | None = Field(None, description="the clinician's username, or null")
    room_id: int | None = None
    room: str | None = Field(None, description="the room or resource, or null")
    cancel_reason: str = Field("", description="why the visit was cancelled")


def appointment_out(a: Appointment) -> dict[str, Any]:
    return {
        "id": a.pk,
        "mrn": a.patient.mrn,
        "kind": a.kind,
        "on": a.on.isoformat(),
        "status": a.status,
        "note": a.note,
        "time": a.time.strftime("%H:%M") if a.time else None,
        "clinician": a.clinician.get_username() if a.clinician else None,
        "room_id": a.room_id,
        "room": a.room.name if a.room else None,
        "cancel_reason": a.cancel_reason,
    }


Username = Annotated[Text, Field(min_length=1, max_length=150)]


class AppointmentIn(In):
    kind: AppointmentKind
    on: Day
    note: Annotated[Text, Field(max_length=500)] = ""
    time: TimeOfDay | None = None
    clinician: Username | None = None
    room: Id | None = None


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
    rows = Appointment.objects.select_related("patient", "clinician", "room").order_by(
        *by_day_and_time()
    )
    if on:
        rows = rows.filter(on=on)
    if status:
        rows = rows.filter(status=status)
    return audited_page(request, "appointment_list", rows, limit, offset, appointment_out,
                        mrn_of=lambda a: a.patient.mrn, filters=f"on={on or ''} status={status}")  # fmt: skip


Reason = Annotated[Text, Field(max_length=300)]


class StatusIn(In):
    status: Literal["kept", "missed", "cancelled"]
    reason: Reason = Field("", description="why the visit is cancelled (required to cancel)")


@router.post("/appointments/{appointment_id}/status", response=answers(200, AppointmentOut, writes=True),
             summary="Mark an appointment kept, missed (no-show) or cancelled (with a reason)")  # fmt: skip
def appointment_status(request: HttpRequest, appointment_id: Id, data: StatusIn) -> dict[str, Any]:
    return appointment_out(set_appointment_status(
        appointment_id, data.status, reason=data.reason, actor=actor(request), at=now()))  # fmt: skip


class MoveIn(In):
    on: Day
    time: TimeOfDay | None = None
    clinician: Username | None = None
    room: Id | None = None


@router.post("/appointments/{appointment_id}/reschedule", response=answers(200, AppointmentOut, writes=True),
             summary="Move a booked visit: day, time, clinician and room, as given (null clears)")  # fmt: skip
def appointment_reschedule(
    request: HttpRequest, appointment_id: Id, data: MoveIn
) -> dict[str, Any]:
    return appointment_out(reschedule_appointment(
        appointment_id, on=data.on, time=data.time, clinician=data.clinician, room=data.room,
        actor=actor(request), at=now()))  # fmt: skip


class CancelIn(In):
    reason: Annotated[Reason, Field(min_length=1)]


@router.post("/appointments/{appointment_id}/cancel", response=answers(200, AppointmentOut, writes=True),
             summary="Cancel a booked visit, saying why")  # fmt: skip
def appointment_cancel(request: HttpRequest, appointment_id: Id, data: CancelIn) -> dict[str, Any]:
    return appointment_out(set_appointment_status(
        appointment_id, AppointmentStatus.CANCELLED, reason=data.reason, actor=actor(request), at=now()))  # fmt: skip


@router.post("/appointments/{appointment_id}/no-show", response=answers(200, AppointmentOut, writes=True),
             summary="Mark a visit of today or earlier a no-show (missed)")  # fmt: skip
def appointment_no_show(request: HttpRequest, appointment_id: Id) -> dict[str, Any]:
    return appointment_out(set_appointment_status(
        appointment_id, AppointmentStatus.MISSED, actor=actor(request), at=now()))  # fmt: skip


# --- the calendar ---------------------------------------------------------------------------


class CalendarDayOut(Schema):
    on: date
    closed: str | None = Field(None, description="why the clinic is closed that day, or null")
    opens: str | None = Field(None, description="HH:MM, or null (closed, or no hours set)")
    closes: str | None = None
    visits: list[AppointmentOut]


class CalendarOut(Schema):
    first: date
    clinician: str | None
    days: list[CalendarDayOut]


@router.get("/calendar", response=answers(200, CalendarOut),
            summary="The clinic's calendar for a day or a week, or one clinician's (audited)")  # fmt: skip
def calendar_days(
    request: HttpRequest,
    first: Day,
    view: Literal["day", "week"] = "week",
    clinician: Username | None = None,
) -> dict[str, Any]:
    """`first` and the 6 days after it for a week, `first` alone for a day."""
    days = 1 if view == "day" else WEEK
    shown = read_calendar(first, days, clinician=clinician or "", actor=actor(request), at=now())
    return {
        "first": shown.first.isoformat(),
        "clinician": shown.clinician.get_username() if shown.clinician else None,
        "days": [{
            "on": d.on.isoformat(), "closed": d.closed,
            "opens": d.hours.opens.strftime("%H:%M") if d.hours else None,
            "closes": d.hours.closes.strftime("%H:%M") if d.hours else None,
            "visits": [appointment_out(v) for v in d.visits],
        } for d in shown.days],
    }  # fmt: skip


class HoursOut(Schema):
    weekday: int = Field(description="0 Monday .. 6 Sunday")
    name: str
    opens: str | None = Field(None, description="HH:MM, or null: closed that weekday")
    closes: str | None = None


class HolidayOut(Schema):
    id: int
    on: date
    name: str


class RoomOut(Schema):
    id: int
    name: str
    active: bool


class ClinicCalendarOut(Schema):
    hours_set: bool = Field(description="false: no hours set, every day counts as open")
    hours: list[HoursOut]
    holidays: list[HolidayOut]
    rooms: list[RoomOut]


def _settings_out() -> dict[str, Any]:
    week = settings_services.week_hours()
    return {
        "hours_set": any(h.opens for h in week),
        "hours": [{"weekday": h.weekday, "name": h.name,
                   "opens": h.opens.strftime("%H:%M") if h.opens else None,
                   "closes": h.closes.strftime("%H:%M") if h.closes else None} for h in week],
        "holidays": [{"id": h.pk, "on": h.on.isoformat(), "name": h.name} for h in Holiday.objects.all()],
        "rooms": [{"id": r.pk, "name": r.name, "active": r.active} for r in Room.objects.all()],
    }  # fmt: skip


@router.get("/clinic-calendar", response=answers(200, ClinicCalendarOut),
            summary="The clinic's opening hours, holidays and rooms")  # fmt: skip
def clinic_calendar_settings(request: HttpRequest) -> dict[str, Any]:
    who = actor(request)
    if not who.can(Action.VIEW_SCHEDULE):
        who.require(Action.MANAGE_CLINIC_CALENDAR)
    return _settings_out()


class DayHoursIn(In):
    weekday: Annotated[int, Field(ge=0, le=6)]
    opens: TimeOfDay
    closes: TimeOfDay


class HoursIn(In):
    open_days: list[DayHoursIn] = Field(
        max_length=7, description="the weekdays the clinic opens; any other weekday is closed"
    )


@router.put("/clinic-calendar/hours", response=answers(200, ClinicCalendarOut, writes=True),
            summary="Replace the opening hours (weekdays not listed are closed)")  # fmt: skip
def clinic_calendar_hours(request: HttpRequest, data: HoursIn) -> dict[str, Any]:
    hours: dict[int, tuple[clock_time, clock_time] | None] = dict.fromkeys(range(7))
    seen: set[int] = set()
    for d in data.open_days:
        if d.weekday in seen:
            raise InputError("lists a weekday twice", "open_days")
        seen.add(d.weekday)
        hours[d.weekday] = (d.opens, d.closes)
    settings_services.set_week_hours(hours, actor=actor(request), at=now())
    return _settings_out()


class HolidayIn(In):
    on: Day
    name: Annotated[Text, Field(min_length=1, max_length=100)]


@router.post("/clinic-calendar/holidays", response=answers(201, HolidayOut, writes=True),
             summary="Close the clinic on a day, named")  # fmt: skip
def clinic_calendar_holiday(request: HttpRequest, data: HolidayIn) -> Status[dict[str, Any]]:
    h = settings_services.add_holiday(data.on, data.name, actor=actor(request), at=now())
    return Status(201, {"id": h.pk, "on": h.on.isoformat(), "name": h.name})


class RoomIn(In):
    name: Annotated[Text, Field(min_length=1, max_length=100)]


@router.post("/clinic-calendar/rooms", response=answers(201, RoomOut, writes=True),
             summary="Add a room or resource visits are booked in")  # fmt: skip
def clinic_calendar_room(request: HttpRequest, data: RoomIn) -> Status[dict[str, Any]]:
    r = settings_services.add_room(data.name, actor=actor(request), at=now())
    return Status(201, {"id": r.pk, "name": r.name, "active": r.active})
