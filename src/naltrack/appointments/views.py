"""A patient's schedule: book a visit, mark one kept, missed or cancelled."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.patients.pages import open_record
from naltrack.web.pages import posted, requires, submit

from .forms import AppointmentForm, AppointmentStatusForm
from .models import AppointmentStatus
from .services import book_appointment, set_appointment_status


@requires(Action.VIEW_SCHEDULE)
def appointments(request: HttpRequest, mrn: str) -> HttpResponse:
    """A patient's schedule: book a visit, mark one kept, missed or cancelled. Coordinators use it
    too, so it reads only contact-level details."""
    actor, now, patient = open_record(
        request, mrn, writes=Action.MANAGE_APPOINTMENTS, what="contact"
    )
    here = reverse("appointments", args=[mrn])
    book = AppointmentForm(posted(request, "book"), prefix="book")
    mark = AppointmentStatusForm(posted(request, "mark"), prefix="mark")

    def booked(d: dict[str, Any]) -> str:
        a = book_appointment(patient, actor=actor, at=now, **d)
        at_time = f" at {a.time:%H:%M}" if a.time else ""
        return f"Booked: {a.get_kind_display().lower()} on {a.on:%A %d %B %Y}{at_time}."

    def marked(d: dict[str, Any]) -> str:
        a = set_appointment_status(d["appointment"], d["status"], actor=actor, at=now, of=patient)
        return f"{a.get_kind_display()} of {a.on:%Y-%m-%d} marked {a.get_status_display().lower()}."

    done = submit(request, book, booked, then=here) or submit(request, mark, marked, then=here)
    rows = list(patient.appointments.order_by("-on", "-time", "-id")[:60])
    today = clock.local_day(now)
    return done or render(request, "appointments/appointments.html", {
        "patient": patient, "book": book, "mark": mark, "active": "patients",
        "upcoming": sorted((a for a in rows if a.on >= today), key=lambda a: (a.on, a.time is None, a.time or time.min, a.pk)),
        "past": [a for a in rows if a.on < today],
        "can_manage": actor.can(Action.MANAGE_APPOINTMENTS), "booked": AppointmentStatus.BOOKED,
    })  # fmt: skip
