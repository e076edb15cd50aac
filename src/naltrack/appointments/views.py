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

from .calendar_views import choices
from .forms import AppointmentStatusForm, BookVisitForm, CancelForm
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
    book = BookVisitForm(posted(request, "book"), prefix="book", **choices())
    mark = AppointmentStatusForm(posted(request, "mark"), prefix="mark")
    cancel = CancelForm(posted(request, "cancel"), prefix="cancel")

    def booked(d: dict[str, Any]) -> str:
        a = book_appointment(
            patient, actor=actor, at=now, **(d | {"clinician": d["clinician"] or None})
        )
        at_time = f" at {a.time:%H:%M}" if a.time else ""
        return f"Booked: {a.get_kind_display().lower()} on {a.on:%A %d %B %Y}{at_time}."

    def marked(d: dict[str, Any]) -> str:
        a = set_appointment_status(d["appointment"], d["status"], actor=actor, at=now, of=patient)
        return f"{a.get_kind_display()} of {a.on:%Y-%m-%d} marked {a.get_status_display().lower()}."

    def cancelled(d: dict[str, Any]) -> str:
        a = set_appointment_status(d["appointment"], AppointmentStatus.CANCELLED, reason=d["reason"],
                                   actor=actor, at=now, of=patient)  # fmt: skip
        return f"{a.get_kind_display()} of {a.on:%Y-%m-%d} cancelled ({a.cancel_reason})."

    done = (submit(request, book, booked, then=here) or submit(request, mark, marked, then=here)
            or submit(request, cancel, cancelled, then=here))  # fmt: skip
    rows = list(
        patient.appointments.select_related("clinician", "room").order_by("-on", "-time", "-id")[
            :60
        ]
    )
    today = clock.local_day(now)
    return done or render(request, "appointments/appointments.html", {
        "patient": patient, "book": book, "mark": mark, "cancel": cancel, "active": "patients",
        "cancel_id": cancel.data.get("cancel-appointment") if cancel.is_bound else None,
        "upcoming": sorted((a for a in rows if a.on >= today), key=lambda a: (a.on, a.time is None, a.time or time.min, a.pk)),
        "past": [a for a in rows if a.on < today],
        "can_manage": actor.can(Action.MANAGE_APPOINTMENTS), "booked": AppointmentStatus.BOOKED,
    })  # fmt: skip
