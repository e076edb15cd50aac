"""The audit viewer: the director filters the trail by who, what, patient and day. Read-only."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from naltrack.accounts.roles import Action
from naltrack.web.pages import requires

from .models import AuditAction, AuditEvent


def _day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@requires(Action.VIEW_AUDIT)
def viewer(request: HttpRequest) -> HttpResponse:
    f = {
        k: request.GET.get(k, "").strip()[:150]
        for k in ("actor", "action", "mrn", "since", "until")
    }
    rows = AuditEvent.objects.all()
    errors: dict[str, str] = {}
    if f["actor"]:
        rows = rows.filter(actor__iexact=f["actor"])
    if f["action"] in AuditAction.values:
        rows = rows.filter(action=f["action"])
    if f["mrn"]:
        rows = rows.filter(patient_mrn__iexact=f["mrn"])
    for key in ("since", "until"):
        day = _day(f[key])
        if f[key] and day is None:
            errors[key] = "must be a date as YYYY-MM-DD"
        elif day is not None:
            start = timezone.make_aware(
                datetime.combine(day if key == "since" else day + timedelta(days=1), time.min)
            )
            rows = rows.filter(at__gte=start) if key == "since" else rows.filter(at__lt=start)
    page = Paginator(rows.order_by("-at", "-id"), 50).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in f.items() if v})
    return render(request, "audit/viewer.html", {
        "page": page, "f": f, "errors": errors, "actions": AuditAction.choices, "query": query, "active": "audit",
    })  # fmt: skip
