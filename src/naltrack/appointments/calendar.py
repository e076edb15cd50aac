"""The clinic's calendar settings: opening hours per weekday, holidays, rooms and resources. Edited
by the director or the coordinator (Action.MANAGE_CLINIC_CALENDAR); read by every booking, which
hands them to the core (clinical/calendar.py) to decide open days and the next injection's day.

No patient is named here: changes are audited as configuration writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical import calendar as core
from naltrack.clinical.errors import InputError, NotFoundError

from .models import Holiday, OpeningHours, Room, Weekday


def clinic_calendar() -> core.ClinicCalendar:
    """The calendar as the core reads it: hours per weekday (None when the clinic has set none:
    every day open) and the holidays."""
    rows = list(OpeningHours.objects.all())
    hours = {r.weekday: core.OpeningHours(r.opens, r.closes) for r in rows} if rows else None
    holidays = dict(Holiday.objects.values_list("on", "name"))
    return core.ClinicCalendar(hours=hours, holidays=holidays)


@dataclass(frozen=True, slots=True)
class DayHours:
    weekday: int
    name: str
    opens: time | None  # None: closed that weekday
    closes: time | None


def week_hours() -> list[DayHours]:
    """The seven weekdays with their hours (None: closed), Monday first."""
    rows = {r.weekday: r for r in OpeningHours.objects.all()}
    return [
        DayHours(d.value, d.label, rows[d].opens if d in rows else None,
                 rows[d].closes if d in rows else None)
        for d in Weekday
    ]  # fmt: skip


def set_week_hours(hours: dict[int, tuple[time, time] | None], *, actor: Actor,
                   at: datetime) -> None:  # fmt: skip
    """Replace the opening hours: weekday -> (opens, closes), or None for a closed weekday. At least
    one weekday stays open; each day opens before it closes."""
    actor.require(Action.MANAGE_CLINIC_CALENDAR)
    for day, pair in hours.items():
        if day not in Weekday.values:
            raise InputError("must be a weekday from 0 (Monday) to 6 (Sunday)", "weekday")
        if pair is not None and pair[0] >= pair[1]:
            name = Weekday(day).label.lower()
            raise InputError(f"must be after the opening time on {Weekday(day).label}", f"{name}_closes")  # fmt: skip
    if not any(pair is not None for pair in hours.values()):
        raise InputError("the clinic must be open on at least one weekday", "hours")
    with transaction.atomic():
        OpeningHours.objects.all().delete()
        for day, pair in sorted(hours.items()):
            if pair is not None:
                OpeningHours.objects.create(weekday=day, opens=pair[0], closes=pair[1],
                                            changed_by=actor.username, changed_at=at)  # fmt: skip
        text = "; ".join(
            f"{Weekday(d).label[:3]} {p[0]:%H:%M}-{p[1]:%H:%M}" if p else f"{Weekday(d).label[:3]} closed"
            for d, p in sorted(hours.items())
        )  # fmt: skip
        record_by(actor, at, AuditAction.UPDATE, "clinic_hours", detail=text[:500])


def add_holiday(on: date, name: str, *, actor: Actor, at: datetime) -> Holiday:
    """Close the clinic on `on`, named (a visit already booked that day is left for the coordinator
    to move: the calendar page lists them)."""
    actor.require(Action.MANAGE_CLINIC_CALENDAR)
    name = name.strip()
    if not name:
        raise InputError("give the holiday a name", "name")
    if len(name) > 100:
        raise InputError("must be at most 100 characters", "name")
    try:
        with transaction.atomic():
            row = Holiday.objects.create(on=on, name=name, added_by=actor.username, added_at=at)
            record_by(
                actor, at, AuditAction.CREATE, "clinic_holiday", row.pk, detail=f"{on} {name}"
            )
    except IntegrityError:
        raise InputError(f"{on.isoformat()} is already a holiday", "on") from None
    return row


def remove_holiday(holiday_id: int, *, actor: Actor, at: datetime) -> None:
    actor.require(Action.MANAGE_CLINIC_CALENDAR)
    with transaction.atomic():
        row = Holiday.objects.filter(pk=holiday_id).first()
        if row is None:
            raise NotFoundError("no holiday has this id", "holiday")
        record_by(actor, at, AuditAction.UPDATE, "clinic_holiday", row.pk, detail=f"removed {row.on} {row.name}")  # fmt: skip
        row.delete()


def add_room(name: str, *, actor: Actor, at: datetime) -> Room:
    actor.require(Action.MANAGE_CLINIC_CALENDAR)
    name = name.strip()
    if not name:
        raise InputError("give the room or resource a name", "name")
    if len(name) > 100:
        raise InputError("must be at most 100 characters", "name")
    try:
        with transaction.atomic():
            row = Room.objects.create(name=name)
            record_by(actor, at, AuditAction.CREATE, "clinic_room", row.pk, detail=name)
    except IntegrityError:
        raise InputError(f"a room named {name!r} already exists", "name") from None
    return row


def set_room_active(room_id: int, active: bool, *, actor: Actor, at: datetime) -> Room:
    """Retire a room (it takes no new visits; those booked stay) or bring it back."""
    actor.require(Action.MANAGE_CLINIC_CALENDAR)
    with transaction.atomic():
        row = Room.objects.select_for_update().filter(pk=room_id).first()
        if row is None:
            raise NotFoundError("no room has this id", "room")
        row.active = active
        row.save(update_fields=["active"])
        record_by(actor, at, AuditAction.UPDATE, "clinic_room", row.pk,
                  detail=f"{row.name} {'in use' if active else 'retired'}")  # fmt: skip
    return row
