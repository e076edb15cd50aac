"""The "Book next injection" button of a patient's appointments page (a POST, then back)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.patients.pages import open_record
from naltrack.web.pages import requires

from .booking import book_next_injection


@require_POST
@requires(Action.MANAGE_APPOINTMENTS)
def next_injection(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(
        request, mrn, writes=Action.MANAGE_APPOINTMENTS, what="contact"
    )
    try:
        placed = book_next_injection(patient, actor=actor, at=now)
    except InputError as exc:
        if exc.field == "mrn":
            raise
        messages.error(request, f"Not booked: {exc.message.rstrip('.')}.")
        return redirect("appointments", mrn)
    assert placed.appointment is not None
    messages.success(request, f"Next injection booked for {placed.appointment.on:%A %d %B %Y}. "
                              f"{placed.booking.message}")  # fmt: skip
    return redirect("appointments", mrn)
