"""Alerts in the JSON API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.web.apiutil import PageOut, actor, now, page

from .models import Alert, AlertSeverityChoice, AlertStatus
from .services import acknowledge, resolve

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
    actor(request).require(Action.VIEW_ALERTS)
    rows = Alert.objects.select_related("patient").order_by("severity_rank", "-raised_at", "id")
    if status == "unresolved":
        rows = rows.exclude(status=AlertStatus.RESOLVED)
    elif status in AlertStatus.values:
        rows = rows.filter(status=status)
    else:
        raise InputError(f"must be unresolved or one of {', '.join(AlertStatus.values)}", "status")
    if severity:
        if severity not in AlertSeverityChoice.values:
            raise InputError(f"must be one of {', '.join(AlertSeverityChoice.values)}", "severity")
        rows = rows.filter(severity=severity)
    if mrn:
        rows = rows.filter(patient__mrn=mrn)
    return page(rows, limit, offset, alert_out)


class NoteIn(Schema):
    note: str = ""


@router.post("/alerts/{alert_id}/acknowledge", summary="Acknowledge an alert")
def ack(request: HttpRequest, alert_id: int, data: NoteIn) -> dict[str, Any]:
    return alert_out(acknowledge(alert_id, actor=actor(request), at=now(), note=data.note))


@router.post("/alerts/{alert_id}/resolve", summary="Resolve an alert (a note is required)")
def res(request: HttpRequest, alert_id: int, data: NoteIn) -> dict[str, Any]:
    return alert_out(resolve(alert_id, actor=actor(request), at=now(), note=data.note))
