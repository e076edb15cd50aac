"""Counselling notes: counselors and prescribers only (the service refuses everyone else)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.patients.pages import open_record
from naltrack.web.pages import requires, submit

from .forms import SessionForm
from .services import read_sessions, record_session


@requires(Action.VIEW_COUNSELLING_NOTES)
def notes(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, _, patient = open_record(request, mrn, writes=Action.RECORD_COUNSELLING)
    form = SessionForm(request.POST or None, initial={"held_on": clock.today()})

    def call(d: dict[str, Any]) -> str:
        s = record_session(patient, actor=actor, at=clock.now(), **d)
        return f"{s.get_kind_display()} of {s.held_on:%Y-%m-%d} recorded ({s.get_attendance_display().lower()})."

    done = submit(request, form, call, then=reverse("counselling-notes", args=[mrn]))
    if done:
        return done
    sessions = read_sessions(patient, actor=actor, at=clock.now())
    return render(request, "counselling/notes.html", {
        "patient": patient, "sessions": sessions, "form": form, "active": "patients",
        "can_record": actor.can(Action.RECORD_COUNSELLING),
    })  # fmt: skip
