"""A patient's outreach page: how to reach them, where outreach stands, the log of attempts and
the form to log one (the chart header and Today's rows link here; without JavaScript, Today's
inline form posts here too)."""

from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack.accounts.roles import Action
from naltrack.clock import local_day
from naltrack.patients.pages import open_record
from naltrack.web.pages import posted, requires, submit

from .forms import AttemptForm
from .models import OutreachAttempt
from .services import AttemptInput, contacts, describe, outreach_log, record_attempt

PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,60}$")


def form_prefix(request: HttpRequest, default: str) -> str:
    """The prefix the posted form's fields carry (Today's rows each have their own, so that the
    page's field ids stay unique); anything odd, the default."""
    asked = request.POST.get("prefix", "")
    return asked if PREFIX.match(asked) else default


def attempt_input(d: dict[str, Any]) -> AttemptInput:
    return AttemptInput(kind=d["kind"], outcome=d["outcome"], next_step=d["next_step"] or "",
                        next_attempt_on=d["next_attempt_on"], attempted_on=d["attempted_on"])  # fmt: skip


def logged_words(row: OutreachAttempt) -> str:
    planned = f"; next attempt {row.next_attempt_on:%Y-%m-%d}" if row.next_attempt_on else ""
    return f"Logged: {describe(row).lower()} on {row.attempted_on:%Y-%m-%d}{planned}."


@requires(Action.VIEW_PATIENT_LIST)
def patient_log(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_OUTREACH, what="contact")
    here = reverse("outreach-log", args=[mrn])
    data = posted(request, "attempt")
    form = AttemptForm(data, prefix=form_prefix(request, "attempt") if data else "attempt")

    def logged(d: dict[str, Any]) -> str:
        return logged_words(record_attempt(patient, attempt_input(d), actor=actor, at=now))

    done = submit(request, form, logged, then=here)
    return done or render(request, "outreach/log.html", {
        "patient": patient, "form": form, "active": "patients",
        "rows": outreach_log(patient, actor=actor, at=now),
        "contact": contacts([patient], actor=actor, on=local_day(now)).get(patient.pk),
        "can_record": actor.can(Action.RECORD_OUTREACH),
    })  # fmt: skip
