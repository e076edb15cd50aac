"""The audit trail in the JSON API (director only; read-only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router

from naltrack.accounts.roles import Action
from naltrack.audit.models import AuditEvent
from naltrack.audit.services import search_events
from naltrack.web.apiutil import PageOut, actor, page

router = Router(tags=["audit"])


def event_out(e: AuditEvent) -> dict[str, Any]:
    return {"id": e.pk, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "object_type": e.object_type,
            "object_id": e.object_id, "patient_mrn": e.patient_mrn, "remote_addr": e.remote_addr, "detail": e.detail}  # fmt: skip


@router.get("/audit", response=PageOut, summary="Audit events, newest first, filtered")
def list_events(request: HttpRequest, user: str = "", action: str = "", mrn: str = "", since: date | None = None,
                until: date | None = None, limit: int = 50, offset: int = 0) -> dict[str, Any]:  # fmt: skip
    actor(request).require(Action.VIEW_AUDIT)
    rows = search_events(user=user, action=action, mrn=mrn, since=since, until=until)
    return page(rows, limit, offset, event_out)
