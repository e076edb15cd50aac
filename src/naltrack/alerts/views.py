"""The alert inbox, and acknowledging or resolving an alert."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import InputError
from naltrack.patients.access import worklist_view
from naltrack.web.context import request_actor
from naltrack.web.pages import asked_scope, back_to, requires

from .models import AlertSeverityChoice, AlertStatus
from .services import acknowledge, list_alerts, resolve


@requires(Action.VIEW_ALERTS)
def inbox(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "unresolved")
    severity = request.GET.get("severity", "")
    actor, scope, now = request_actor(request), asked_scope(request), clock.now()
    try:
        rows = list_alerts(actor=actor, status=status, severity=severity, scope=scope, at=now)
    except InputError as exc:  # a hand-edited address: say so and show the default
        messages.error(request, f"{exc.field}: {exc.message}")
        status, severity = "unresolved", ""
        rows = list_alerts(actor=actor, scope=scope, at=now)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "alerts/inbox.html", {
        "page": page, "status": status, "severity": severity, "active": "alerts",
        "view": worklist_view(actor, scope),
        "statuses": [("unresolved", "Open and acknowledged"), *AlertStatus.choices],
        "severities": AlertSeverityChoice.choices, "can_handle": request_actor(request).can(Action.HANDLE_ALERTS),
    })  # fmt: skip


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
