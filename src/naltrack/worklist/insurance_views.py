"""The coordinator's prior-authorization worklist (issue 15): approvals ending within the clinic's
lead time, injections due within it with no active approval, benefits not verified. The due days
are the core's, as each patient's care status holds them (alerts.CareStatus); the insurance area
decides the rest (clinical/authorization.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinic import active_policy
from naltrack.clinical.authorization import lead_until
from naltrack.clock import local_day
from naltrack.insurance.services import authorization_worklist
from naltrack.web.context import request_actor
from naltrack.web.pages import requires

from .insurance import injection_due_by


@requires(Action.VIEW_INSURANCE)
def insurance_worklist(request: HttpRequest) -> HttpResponse:
    actor, now = request_actor(request), clock.now()
    on = local_day(now)
    work = authorization_worklist(on, injection_due_by(on), actor=actor, at=now)
    return render(request, "insurance/worklist.html", {
        "work": work, "on": on, "active": "insurance", "lead_until": lead_until(on, active_policy()),
    })  # fmt: skip
