"""Counselling notes: counselors and prescribers only (the service refuses everyone else)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import requires

from .services import read_sessions


@requires(Action.VIEW_COUNSELLING_NOTES)
def notes(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    patient = read_patient(mrn, actor=actor, at=clock.now())
    sessions = read_sessions(patient, actor=actor, at=clock.now())
    return render(
        request,
        "counselling/notes.html",
        {"patient": patient, "sessions": sessions, "active": "patients"},
    )
