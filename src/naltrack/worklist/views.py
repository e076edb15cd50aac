"""The Today page, the first page after login."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinic import active_policy
from naltrack.clinical.regimens import injection_timing
from naltrack.web.context import request_actor
from naltrack.web.pages import asked_scope, requires

from .services import MISSED_LOOKBACK_DAYS, today_worklist


def _overdue_day() -> int:
    """The day after an injection from which the core calls the next one overdue, under the
    clinic's policy (asked of the core's timing rule, not read from the policy here)."""
    last = date(2000, 1, 1)  # any day: the answer is a count of days after it
    return (injection_timing(last, last, active_policy()).overdue_from - last).days


def home(request: HttpRequest) -> HttpResponse:
    return redirect("today")


def today(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    actor = request_actor(request)
    if not actor.can(Action.VIEW_SCHEDULE) and actor.can(Action.VIEW_AUDIT):
        return redirect("audit-viewer")  # the director's first page
    return _today(request)


@requires(Action.VIEW_SCHEDULE)
def _today(request: HttpRequest) -> HttpResponse:
    work = today_worklist(clock.today(), actor=request_actor(request), at=clock.now(),
                          scope=asked_scope(request))  # fmt: skip
    context = {
        "work": work,
        "active": "today",
        "severities": ("urgent", "high", "routine"),
        "overdue_day": _overdue_day(),
        "missed_days": MISSED_LOOKBACK_DAYS,
    }
    return render(request, "worklist/today.html", context)
