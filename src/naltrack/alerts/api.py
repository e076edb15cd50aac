"""Alerts in the JSON API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack.web.apiutil import PageOut, actor, now, page

from . import services
from .models import Alert

router = Router(tags=["alerts"])


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk, "mrn": a.patient.mrn, "code": a.code, "severity": a.severity, "status": a.status,
        "message": a.message, "action": a.action, "source": a.source, "raised_at": a.raised_at.isoformat(),
        "acknowledged_by": a.acknowledged_by or None, "resolved_by": a.resolved_by or None, "note": a.note,
    }  # fmt: skip


@router.get("/alerts", response=PageOut, summary="Alerts, most severe first (default: unresolved)")
def list_alerts(request: HttpRequest, status: str = "unresolved", severity: str = "", mrn: str = "",
                limit: int = 50, offset: int = 0) -> dict[str, Any]:  # fmt: skip
    rows = services.list_alerts(actor=actor(request), status=status, severity=severity, mrn=mrn)
    return page(rows, limit, offset, alert_out)


class NoteIn(Schema):
    note: str = ""


@router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert")
def ack(request: HttpRequest, alert_id: int, data: NoteIn) -> dict[str, Any]:
    return alert_out(services.acknowledge(alert_id, actor=actor(request), at=now(), note=data.note))


@router.post("/alerts/{alert_id}/resolve", summary="Resolve an alert (a note is required)")
def res(request: HttpRequest, alert_id: int, data: NoteIn) -> dict[str, Any]:
    return alert_out(services.resolve(alert_id, actor=actor(request), at=now(), note=data.note))
