"""The start of a patient's record page: who acts, when, and the patient through the audited read
(naltrack.web holds the plumbing every page shares; opening a patient is this area's)."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from django.http import HttpRequest

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.web.context import request_actor

from .models import Patient
from .services import read_patient


class Opened(NamedTuple):
    actor: Actor
    now: datetime
    patient: Patient


def open_record(request: HttpRequest, mrn: str, *, writes: Action, what: str = "chart") -> Opened:
    """The start of a record page: who, when, and the patient through the audited read. A POST
    needs the role for `writes`, checked first: a refused write is a 403 page and reads nothing."""
    actor = request_actor(request)
    if request.method == "POST":
        actor.require(writes)
    now = clock.now()
    return Opened(actor, now, read_patient(mrn, actor=actor, at=now, what=what))
