"""The Today page, the first page after login."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinic import active_policy
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.due import due_until
from naltrack.clinical.errors import InputError
from naltrack.clinical.regimens import injection_timing
from naltrack.inventory.services import today_kits
from naltrack.web.context import request_actor
from naltrack.web.pages import asked_scope, back_to, requires

from .done import mark_done, undo_done
from .models import WorklistItem
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
        "labs_week": (due_until(clock.today(), active_policy()) - clock.today()).days,
        "can_mark_done": request_actor(request).can(Action.MARK_WORKLIST_DONE),
        "kits": today_kits(request_actor(request), clock.now()),
    }
    return render(request, "worklist/today.html", context)


@require_POST
@requires(Action.MARK_WORKLIST_DONE)
def done(request: HttpRequest) -> HttpResponse:
    """Mark a labs-and-reviews item done for today, or undo the mark (`do=undo`); back to Today."""
    mrn, item = request.POST.get("mrn", ""), request.POST.get("item", "")
    actor, now = request_actor(request), clock.now()
    label = dict(WorklistItem.choices).get(item, item)
    try:
        if request.POST.get("do") == "undo":
            undo_done(mrn, item, actor=actor, at=now)
            messages.success(request, f"{label} of {mrn}: back on today's list.")
        else:
            mark_done(mrn, item, actor=actor, at=now)
            messages.success(request, f"{label} of {mrn}: marked done by {actor.username}.")
    except OutsideCareTeam:
        raise  # a 403 page with the way in (web.pages.requires), not a flash message
    except InputError as exc:
        messages.error(request, f"Not changed: {exc.message}.")
    return back_to(request, "today")
