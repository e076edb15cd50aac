"""The audit viewer: the director filters the trail by who, what, patient and day. Read-only."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from naltrack.accounts.roles import Action
from naltrack.audit.models import AuditAction
from naltrack.audit.services import search_events
from naltrack.web.bounds import FIRST_DAY, LAST_DAY, day_problem, search_text
from naltrack.web.pages import requires


def _day(raw: str) -> date | None:
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return None if day is None or day_problem(day) else day


@requires(Action.VIEW_AUDIT)
def viewer(request: HttpRequest) -> HttpResponse:
    f = {
        k: search_text(request.GET.get(k, "")) for k in ("actor", "action", "mrn", "since", "until")
    }
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for key in ("since", "until"):
        days[key] = _day(f[key])
        if f[key] and days[key] is None:
            errors[key] = f"must be a date as YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}"
    rows = search_events(
        user=f["actor"], action=f["action"] if f["action"] in AuditAction.values else "",
        mrn=f["mrn"], since=days["since"], until=days["until"],
    )  # fmt: skip
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in f.items() if v})
    return render(request, "audit/viewer.html", {
        "page": page, "f": f, "errors": errors, "actions": AuditAction.choices, "query": query, "active": "audit",
    })  # fmt: skip
