"""The clinic's calendar read for a day or a week, for the whole clinic or one clinician: each day
open or closed (and why), with its visits in the order of the day. Seeing patients' names on a
schedule needs Action.VIEW_SCHEDULE; the read is audited with the patients it showed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.models import User

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.calendar import WEEKDAY_NAMES, OpeningHours, closed_because
from naltrack.clinical.errors import InputError

from .calendar import clinic_calendar
from .models import Appointment, by_day_and_time

WEEK = 7  # days in a week view: calendar arithmetic, not a clinical number


@dataclass(frozen=True, slots=True)
class CalendarDay:
    on: date
    closed: str | None  # why the clinic is closed, or None
    hours: OpeningHours | None
    visits: tuple[Appointment, ...]
    holiday: str | None = None  # the holiday's name when the day is one

    @property
    def weekday(self) -> str:
        return WEEKDAY_NAMES[self.on.weekday()]


@dataclass(frozen=True, slots=True)
class CalendarView:
    first: date
    days: tuple[CalendarDay, ...]
    clinician: User | None


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def read_calendar(first: date, count: int, *, clinician: str = "", actor: Actor,
                  at: datetime) -> CalendarView:  # fmt: skip
    """`count` days from `first` (1: a day; 7: a week), every visit (kept, missed and cancelled
    too), for the clinic or one clinician (username)."""
    actor.require(Action.VIEW_SCHEDULE)
    if count not in (1, WEEK):
        raise InputError("must be a day (1) or a week (7)", "days")
    who = None
    if clinician:
        who = User.objects.filter(username=clinician).first()
        if who is None:
            raise InputError("no staff member has this username", "clinician")
    last = first + timedelta(days=count - 1)
    rows = Appointment.objects.filter(on__gte=first, on__lte=last).select_related(
        "patient", "clinician", "room"
    )
    if who is not None:
        rows = rows.filter(clinician=who)
    visits = list(rows.order_by(*by_day_and_time()))
    cal = clinic_calendar()
    days = []
    for n in range(count):
        on = first + timedelta(days=n)
        hours = cal.hours.get(on.weekday()) if cal.hours is not None else None
        days.append(CalendarDay(on, closed_because(cal, on), hours,
                                tuple(v for v in visits if v.on == on), cal.holidays.get(on)))  # fmt: skip
    mrns = " ".join(dict.fromkeys(v.patient.mrn for v in visits))
    detail = f"{first}+{count}d clinician={clinician}; {len(visits)} visits" + (
        f": {mrns}" if mrns else ""
    )
    record_by(actor, at, AuditAction.READ, "calendar", detail=detail[:500])
    return CalendarView(first, tuple(days), who)
