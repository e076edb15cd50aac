"""Alerts in the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack.clinical.access import WorklistScope
from naltrack.web.apiutil import (
    Id,
    In,
    Limit,
    LongRequiredText,
    LongText,
    Offset,
    Page,
    SearchText,
    actor,
    answers,
    audited_page,
    now,
)

from . import services
from .models import Alert, AlertSeverityChoice, AlertStatus

router = Router(tags=["alerts"])


class AlertOut(Schema):
    id: int
    mrn: str
    code: str
    severity: AlertSeverityChoice
    status: AlertStatus
    message: str
    action: str
    source: str
    raised_at: datetime
    acknowledged_by: str | None
    resolved_by: str | None
    note: str
    policy_version: str  # the clinic policy that raised (or last re-worded) the alert


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk, "mrn": a.patient.mrn, "code": a.code, "severity": a.severity, "status": a.status,
        "message": a.message, "action": a.action, "source": a.source, "raised_at": a.raised_at.isoformat(),
        "acknowledged_by": a.acknowledged_by or None, "resolved_by": a.resolved_by or None, "note": a.note,
        "policy_version": a.policy_version,
    }  # fmt: skip


# "unresolved" is open and acknowledged together (the inbox's default).
StatusFilter = Literal["unresolved", "open", "acknowledged", "resolved"]
SeverityFilter = Literal["", "urgent", "high", "routine"]


@router.get("/alerts", response=answers(200, Page[AlertOut]),
            summary="Alerts, most severe first (default: unresolved), of your patients and those with no "
                    "care team, or with scope=clinic (prescriber) the whole clinic; the listing is audited")  # fmt: skip
def list_alerts(request: HttpRequest, status: StatusFilter = "unresolved", severity: SeverityFilter = "",
                mrn: SearchText = "", scope: WorklistScope | None = None, limit: Limit = 50,
                offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    rows = services.list_alerts(actor=actor(request), status=status, severity=severity, mrn=mrn,
                                scope=scope, at=now())  # fmt: skip
    return audited_page(
        request, "alert_list", rows, limit, offset, alert_out, mrn_of=lambda a: a.patient.mrn,
        filters=f"status={status} severity={severity} mrn={mrn} scope={scope or 'default'}",
    )  # fmt: skip


class NoteIn(In):
    note: LongText = ""


class ResolveIn(In):
    note: LongRequiredText  # say what was done


@router.post("/alerts/{alert_id}/acknowledge", response=answers(200, AlertOut, writes=True),
             summary="Acknowledge an alert")  # fmt: skip
def ack(request: HttpRequest, alert_id: Id, data: NoteIn) -> dict[str, Any]:
    return alert_out(services.acknowledge(alert_id, actor=actor(request), at=now(), note=data.note))


@router.post("/alerts/{alert_id}/resolve", response=answers(200, AlertOut, writes=True),
             summary="Resolve an alert (a note is required)")  # fmt: skip
def res(request: HttpRequest, alert_id: Id, data: ResolveIn) -> dict[str, Any]:
    return alert_out(services.resolve(alert_id, actor=actor(request), at=now(), note=data.note))
