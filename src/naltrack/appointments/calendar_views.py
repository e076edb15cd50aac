"""The clinic's calendar pages: a day or a week, for the whole clinic or one clinician, with
moving, cancelling (with a reason) and marking kept or no-show; and the calendar settings (opening
hours, holidays, rooms). Forms post normally and, with htmx, swap the page's main region in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.web.context import request_actor
from naltrack.web.pages import posted, requires, submit

from . import calendar as settings_services
from .forms import (
    CancelForm,
    HolidayForm,
    HoursForm,
    MarkForm,
    MoveForm,
    RemoveHolidayForm,
    RoomActiveForm,
    RoomForm,
)
from .models import Appointment, AppointmentStatus, Holiday, Room
from .schedule import WEEK, read_calendar, week_start
from .services import clinicians, reschedule_appointment, set_appointment_status


def choices() -> dict[str, Any]:
    return {
        "clinicians": [
            (u.get_username(), u.get_full_name() or u.get_username()) for u in clinicians()
        ],
        "rooms": [(r.pk, r.name) for r in Room.objects.filter(active=True)],
    }


@dataclass
class VisitRow:
    visit: Appointment
    move: MoveForm
    cancel: CancelForm
    open: str  # "move" or "cancel": the form shown open (it holds the user's typing and errors)


def _day(text: str | None, fallback: date) -> date:
    try:
        return date.fromisoformat(text) if text else fallback
    except ValueError:
        return fallback


@requires(Action.VIEW_SCHEDULE)
def calendar(request: HttpRequest) -> HttpResponse:
    actor, now = request_actor(request), clock.now()
    today = clock.local_day(now)
    source = request.GET  # a form posts to the address of the calendar it was shown on
    view = "day" if source.get("view") == "day" else "week"
    day = _day(source.get("day"), today)
    who = source.get("clinician", "")
    first = day if view == "day" else week_start(day)
    query = {"view": view, "day": day.isoformat(), **({"clinician": who} if who else {})}
    here = f"{reverse('calendar')}?{urlencode(query)}"
    opts = choices()
    move = MoveForm(posted(request, "move"), prefix="move", **opts)
    cancel = CancelForm(posted(request, "cancel"), prefix="cancel")
    mark = MarkForm(posted(request, "mark"), prefix="mark")

    def moved(d: dict[str, Any]) -> str:
        a = reschedule_appointment(d["appointment"], on=d["on"], time=d["time"],
                                   clinician=d["clinician"] or None, room=d["room"], actor=actor, at=now)  # fmt: skip
        at = f" at {a.time:%H:%M}" if a.time else ""
        return f"Moved: {a.patient.given_name} {a.patient.family_name}'s {a.get_kind_display().lower()} to {a.on:%A %d %B %Y}{at}."

    def cancelled(d: dict[str, Any]) -> str:
        a = set_appointment_status(d["appointment"], AppointmentStatus.CANCELLED, reason=d["reason"], actor=actor, at=now)  # fmt: skip
        return f"Cancelled: {a.patient.given_name} {a.patient.family_name}'s {a.get_kind_display().lower()} of {a.on:%Y-%m-%d} ({a.cancel_reason})."

    def marked(d: dict[str, Any]) -> str:
        a = set_appointment_status(d["appointment"], d["status"], actor=actor, at=now)
        word = "no-show" if a.status == AppointmentStatus.MISSED else "kept"
        return f"Marked {word}: {a.patient.given_name} {a.patient.family_name}'s {a.get_kind_display().lower()} of {a.on:%Y-%m-%d}."

    if request.method == "POST":
        actor.require(Action.MANAGE_APPOINTMENTS)
        done = submit(request, move, moved, then=here) or submit(request, cancel, cancelled, then=here) \
            or submit(request, mark, marked, then=here)  # fmt: skip
        if done:
            return done
    shown = read_calendar(first, 1 if view == "day" else WEEK, clinician=who, actor=actor, at=now)
    failed = {f.data.get(f"{f.prefix}-appointment"): name for name, f in (("move", move), ("cancel", cancel))
              if f.is_bound}  # fmt: skip
    days = []
    for d in shown.days:
        rows = []
        for v in d.visits:
            mine = failed.get(str(v.pk), "")
            rows.append(VisitRow(
                v,
                move if mine == "move" else MoveForm(prefix="move", initial={
                    "appointment": v.pk, "on": v.on, "time": v.time, "room": v.room_id,
                    "clinician": v.clinician.get_username() if v.clinician else ""}, **opts),
                cancel if mine == "cancel" else CancelForm(prefix="cancel", initial={"appointment": v.pk}),
                mine,
            ))  # fmt: skip
        days.append((d, rows))
    step = timedelta(days=1 if view == "day" else WEEK)

    def link(**changes: str) -> str:
        return f"{reverse('calendar')}?{urlencode({**query, **changes})}"

    who_name = dict(opts["clinicians"]).get(who, who)
    return render(request, "appointments/calendar.html", {
        "active": "calendar", "view": view, "day": day, "days": days, "today": today,
        "clinician": who, "clinician_name": who_name, "clinicians": opts["clinicians"],
        "prev": link(day=(day - step).isoformat()), "next": link(day=(day + step).isoformat()),
        "this": link(day=today.isoformat()), "as_day": link(view="day"), "as_week": link(view="week"),
        "can_manage": actor.can(Action.MANAGE_APPOINTMENTS), "mark": mark, "booked": AppointmentStatus.BOOKED,
        "missed": AppointmentStatus.MISSED, "cancelled": AppointmentStatus.CANCELLED,
        "can_settings": actor.can(Action.MANAGE_CLINIC_CALENDAR), "here": here,
        "errors": [f for f in (mark,) if f.is_bound and f.errors],
        "first": shown.days[0].on, "last": shown.days[-1].on,
    })  # fmt: skip


@requires(Action.MANAGE_CLINIC_CALENDAR)
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Opening hours per weekday, holidays and rooms: for the director and the coordinator."""
    actor, now = request_actor(request), clock.now()
    here = reverse("calendar-settings")
    current = {h.weekday: h for h in settings_services.week_hours()}
    initial = {}
    for h in current.values():
        initial[f"{h.name.lower()}_opens"], initial[f"{h.name.lower()}_closes"] = h.opens, h.closes
    hours = HoursForm(posted(request, "hours"), prefix="hours", initial=initial)
    holiday = HolidayForm(posted(request, "holiday"), prefix="holiday")
    unholiday = RemoveHolidayForm(posted(request, "unholiday"), prefix="unholiday")
    room = RoomForm(posted(request, "room"), prefix="room")
    room_active = RoomActiveForm(posted(request, "room_active"), prefix="room_active")

    def saved_hours(d: dict[str, Any]) -> str:
        settings_services.set_week_hours(hours.hours(), actor=actor, at=now)
        return "Opening hours saved."

    def added_holiday(d: dict[str, Any]) -> str:
        h = settings_services.add_holiday(d["on"], d["name"], actor=actor, at=now)
        return f"Closed on {h.on:%A %d %B %Y} ({h.name})."

    def removed_holiday(d: dict[str, Any]) -> str:
        settings_services.remove_holiday(d["holiday"], actor=actor, at=now)
        return "Holiday removed."

    def added_room(d: dict[str, Any]) -> str:
        return f"Added {settings_services.add_room(d['name'], actor=actor, at=now).name}."

    def room_changed(d: dict[str, Any]) -> str:
        r = settings_services.set_room_active(d["room"], d["active"], actor=actor, at=now)
        return f"{r.name} is {'in use' if r.active else 'retired'}."

    done = (submit(request, hours, saved_hours, then=here) or submit(request, holiday, added_holiday, then=here)
            or submit(request, unholiday, removed_holiday, then=here) or submit(request, room, added_room, then=here)
            or submit(request, room_active, room_changed, then=here))  # fmt: skip
    today = clock.local_day(now)
    holidays = list(Holiday.objects.filter(on__gte=today - timedelta(days=1)))
    booked_on_holidays = (
        Appointment.objects.filter(on__in=[h.on for h in holidays], status=AppointmentStatus.BOOKED).count()
    )  # fmt: skip
    return done or render(request, "appointments/calendar_settings.html", {
        "active": "calendar", "hours": hours, "holiday": holiday, "room": room,
        "week": settings_services.week_hours(), "holidays": holidays, "rooms": Room.objects.all(),
        "booked_on_holidays": booked_on_holidays, "set_up": bool(current) and any(h.opens for h in current.values()),
        "can_view_calendar": request_actor(request).can(Action.VIEW_SCHEDULE),
    })  # fmt: skip
