"""The staff side of the portal: invite a patient from the chart (coordinators and nurses). The
link and code are shown on this one answer only; they are not kept."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import requires

from . import invites


@never_cache
@requires(Action.INVITE_TO_PORTAL)
def invite(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    patient = read_patient(mrn, actor=actor, at=clock.now(), what="contact")
    issued = None
    error = ""
    email = request.POST.get("email", patient.email) if request.method == "POST" else patient.email
    send_by = invites.chosen_channel(
        email, patient.phone, request.POST.get("send_by", "") if request.method == "POST" else ""
    )
    field = ""
    if request.method == "POST":
        try:
            issued = invites.invite_patient(
                mrn, email, actor=actor, at=clock.now(), site=request.build_absolute_uri("/"),
                send_by=send_by,
            )  # fmt: skip
        except InputError as exc:
            error, field = exc.message, exc.field
    account, latest = invites.invite_status(patient)
    return render(request, "portal/staff_invite.html", {
        "patient": patient, "account": account, "latest": latest, "issued": issued,
        "error": error, "error_field": field, "email": email, "send_by": send_by,
        "active": "patients", "now": clock.now(),
    }, status=400 if error else 200)  # fmt: skip
