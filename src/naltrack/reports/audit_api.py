"""The audit trail in the JSON API (director only; read-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack.accounts.roles import Action
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.services import search_events
from naltrack.web.apiutil import Day, Limit, Offset, Page, SearchText, actor, answers, audited_page

router = Router(tags=["audit"])


class EventOut(Schema):
    id: int
    at: datetime
    actor: str
    action: AuditAction
    object_type: str
    object_id: str
    patient_mrn: str
    remote_addr: str | None
    detail: str


def event_out(e: AuditEvent) -> dict[str, Any]:
    return {"id": e.pk, "at": e.at.isoformat(), "actor": e.actor, "action": e.action, "object_type": e.object_type,
            "object_id": e.object_id, "patient_mrn": e.patient_mrn, "remote_addr": e.remote_addr, "detail": e.detail}  # fmt: skip


ActionFilter = Literal["", "read", "create", "update", "export", "login", "login_failed"]


@router.get("/audit", response=answers(200, Page[EventOut]),
            summary="Audit events, newest first, filtered (director; the listing is itself audited)")  # fmt: skip
def list_events(request: HttpRequest, user: SearchText = "", action: ActionFilter = "", mrn: SearchText = "",
                since: Day | None = None, until: Day | None = None, limit: Limit = 50,
                offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    actor(request).require(Action.VIEW_AUDIT)
    rows = search_events(user=user, action=action, mrn=mrn, since=since, until=until)
    filters = f"user={user} action={action} mrn={mrn} since={since or ''} until={until or ''}"
    return audited_page(request, "audit_list", rows, limit, offset, event_out, filters=filters)
