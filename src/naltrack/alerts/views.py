"""The alert inbox: filtered by status, severity, kind, patient and assignee; acknowledging,
resolving or assigning one alert, or the selected ones at once."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.alerts import AlertCode
from naltrack.clinical.errors import InputError
from naltrack.patients.access import worklist_view
from naltrack.web.context import request_actor
from naltrack.web.pages import asked_scope, back_to, requires

from .models import AlertSeverityChoice, AlertStatus
from .services import (
    ASSIGNEE_ME,
    ASSIGNEE_NONE,
    BulkOutcome,
    acknowledge,
    alert_assignees,
    alert_kind_label,
    assign_alerts,
    handle_alerts,
    list_alerts,
    resolve,
)

FILTERS = ("status", "severity", "kind", "assignee", "patient")
DEFAULTS = {"status": "unresolved"}


@requires(Action.VIEW_ALERTS)
def inbox(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _bulk(request)
    return _inbox(request)


def _inbox(request: HttpRequest, kept: dict[str, Any] | None = None) -> HttpResponse:
    """The inbox page; `kept`: what a refused bulk action posted (the selection, the note, the
    assignee), shown again so nothing typed is lost."""
    chosen = {name: request.GET.get(name, DEFAULTS.get(name, "")) for name in FILTERS}
    actor, scope, now = request_actor(request), asked_scope(request), clock.now()
    try:
        rows = list_alerts(actor=actor, scope=scope, at=now, **chosen)
    except InputError as exc:  # a hand-edited address: say so and show the default
        messages.error(request, f"{exc.field}: {exc.message}")
        chosen = {name: DEFAULTS.get(name, "") for name in FILTERS}
        rows = list_alerts(actor=actor, scope=scope, at=now)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "alerts/inbox.html", {
        "page": page, "chosen": chosen, "active": "alerts", "query": query.urlencode(),
        "view": worklist_view(actor, scope),
        "statuses": [("unresolved", "Open and acknowledged"), *AlertStatus.choices],
        "severities": AlertSeverityChoice.choices,
        "kinds": [(code.value, alert_kind_label(code.value)) for code in AlertCode],
        "assignee_filters": [(ASSIGNEE_ME, "Assigned to me"), (ASSIGNEE_NONE, "Nobody"), *alert_assignees()],
        "assignees": alert_assignees(),
        "can_handle": actor.can(Action.HANDLE_ALERTS), "can_assign": actor.can(Action.ASSIGN_ALERTS),
        "kept": kept or {"selected": set(), "note": "", "assignee": ""},
    })  # fmt: skip


def _selected(request: HttpRequest) -> list[int]:
    ids = []
    for raw in request.POST.getlist("alert"):
        if not raw.isdigit():
            raise InputError(f"{raw!r} is not an alert id", "alerts")
        ids.append(int(raw))
    return ids


def _bulk(request: HttpRequest) -> HttpResponse:
    """Acknowledge, resolve or assign the selected alerts (one transaction per action). Back to
    the same filtered inbox with what changed and each alert refused with why; a refused action
    (no selection, no note to resolve, an unknown assignee) changes nothing and keeps the form."""
    actor, now = request_actor(request), clock.now()
    do = request.POST.get("do", "")
    note, assignee = request.POST.get("note", ""), request.POST.get("assignee", "")
    raw = {s for s in request.POST.getlist("alert") if s.isdigit()}
    try:
        ids = _selected(request)
        if do == "assign":
            if not assignee:
                raise InputError("choose whom to assign the alerts to (or nobody)", "assignee")
            whom = "" if assignee == ASSIGNEE_NONE else assignee
            out: BulkOutcome = assign_alerts(ids, assignee=whom, actor=actor, at=now)
            done = f"assigned to {whom}" if whom else "no longer assigned"
        else:
            out = handle_alerts(ids, do=do, note=note, actor=actor, at=now)
            done = "resolved" if do == "resolve" else "acknowledged"
    except OutsideCareTeam:
        raise
    except InputError as exc:  # shown in the form, beside what was typed and selected
        return _inbox(request, {"selected": raw, "note": note, "assignee": assignee, "error": exc})
    if out.changed:
        n = len(out.changed)
        messages.success(request, f"{n} alert{'s' if n != 1 else ''} {done}.")
    for alert_id, why in out.refused:
        messages.error(request, f"Alert {alert_id} not changed: {why}.")
    return redirect(request.get_full_path())


@require_POST
@requires(Action.HANDLE_ALERTS)
def handle(request: HttpRequest, alert_id: int) -> HttpResponse:
    note = request.POST.get("note", "")
    actor = request_actor(request)
    try:
        if request.POST.get("do") == "resolve":
            alert = resolve(alert_id, actor=actor, at=clock.now(), note=note)
        else:
            alert = acknowledge(alert_id, actor=actor, at=clock.now(), note=note)
        messages.success(request, f"Alert {alert.get_status_display().lower()}: {alert.message}")
    except OutsideCareTeam:
        raise  # a 403 page with the way in (web.pages.requires), not a flash message
    except InputError as exc:
        messages.error(request, f"Not changed: {exc.message}.")
    return back_to(request, "alert-inbox")
