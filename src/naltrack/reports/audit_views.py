"""The audit viewer: the director filters the trail by who, what, patient and day. Read-only."""

from __future__ import annotations

from datetime import date
from typing import cast
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.audit.export import csv_chunks
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by, search_events
from naltrack.web.bounds import FIRST_DAY, LAST_DAY, day_problem, search_text
from naltrack.web.context import request_actor
from naltrack.web.pages import requires


def _day(raw: str) -> date | None:
    try:
        day = date.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    return None if day is None or day_problem(day) else day


def _filters(request: HttpRequest) -> tuple[dict[str, str], dict[str, date | None], dict[str, str]]:
    """The viewer's filters as typed, the two days read, and an error per bad day."""
    f = {
        k: search_text(request.GET.get(k, "")) for k in ("actor", "action", "mrn", "since", "until")
    }
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for key in ("since", "until"):
        days[key] = _day(f[key])
        if f[key] and days[key] is None:
            errors[key] = f"must be a date as YYYY-MM-DD from {FIRST_DAY} to {LAST_DAY}"
    return f, days, errors


@requires(Action.VIEW_AUDIT)
def viewer(request: HttpRequest) -> HttpResponse:
    f, days, errors = _filters(request)
    rows = search_events(
        user=f["actor"], action=f["action"] if f["action"] in AuditAction.values else "",
        mrn=f["mrn"], since=days["since"], until=days["until"],
    )  # fmt: skip
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in f.items() if v})
    return render(request, "audit/viewer.html", {
        "page": page, "f": f, "errors": errors, "actions": AuditAction.choices, "query": query, "active": "audit",
    })  # fmt: skip


@requires(Action.VIEW_AUDIT)
def export_csv(request: HttpRequest) -> HttpResponse:
    """The trail the viewer's filters select, oldest first, as CSV (audit/export.py). The export is
    itself written to the trail first: who exported which filters, how many events."""
    f, days, errors = _filters(request)
    if errors:
        field, message = next(iter(errors.items()))
        return HttpResponse(f"{field}: {message}\n", status=400, content_type="text/plain")
    if f["action"] and f["action"] not in AuditAction.values:
        return HttpResponse(f"action: must be one of {', '.join(AuditAction.values)}\n",
                            status=400, content_type="text/plain")  # fmt: skip
    rows = search_events(
        user=f["actor"], action=f["action"], mrn=f["mrn"], since=days["since"], until=days["until"]
    ).order_by("seq")
    count = rows.count()
    filters = " ".join(f"{k}={v}" for k, v in f.items() if v) or "whole trail"
    record_by(request_actor(request), clock.now(), AuditAction.EXPORT, "audit_trail",
              detail=f"{filters}; {count} events")  # fmt: skip
    response = StreamingHttpResponse(csv_chunks(rows.iterator(chunk_size=2000)),
                                     content_type="text/csv; charset=utf-8")  # fmt: skip
    stamp = clock.today().isoformat()
    response["Content-Disposition"] = f'attachment; filename="naltrack-audit-{stamp}.csv"'
    return cast(HttpResponse, response)  # streamed: the page views' type is the plain response
