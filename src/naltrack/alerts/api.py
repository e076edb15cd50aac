"""Alerts in the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from naltrack.clinical.access import WorklistScope
from naltrack.clinical.alerts import AlertCode
from naltrack.web.apiutil import (
    Id,
    In,
    Limit,
    LongRequiredText,
    LongText,
    Offset,
    Page,
    SearchText,
    Text,
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
    assigned_to: str | None  # the staff member given it (issue 12), or nobody
    assigned_by: str | None
    assigned_at: datetime | None


def alert_out(a: Alert) -> dict[str, Any]:
    return {
        "id": a.pk, "mrn": a.patient.mrn, "code": a.code, "severity": a.severity, "status": a.status,
        "message": a.message, "action": a.action, "source": a.source, "raised_at": a.raised_at.isoformat(),
        "acknowledged_by": a.acknowledged_by or None, "resolved_by": a.resolved_by or None, "note": a.note,
        "policy_version": a.policy_version, "assigned_to": a.assigned_to or None,
        "assigned_by": a.assigned_by or None,
        "assigned_at": a.assigned_at.isoformat() if a.assigned_at else None,
    }  # fmt: skip


# "unresolved" is open and acknowledged together (the inbox's default).
StatusFilter = Literal["unresolved", "open", "acknowledged", "resolved"]
SeverityFilter = Literal["", "urgent", "high", "routine"]


@router.get("/alerts", response=answers(200, Page[AlertOut]),
            summary="Alerts, most severe first (default: unresolved), of your patients and those with no "
                    "care team, or with scope=clinic (prescriber) the whole clinic; the listing is audited")  # fmt: skip
def list_alerts(request: HttpRequest, status: StatusFilter = "unresolved", severity: SeverityFilter = "",
                mrn: SearchText = "", scope: WorklistScope | None = None, kind: AlertCode | None = None,
                assignee: SearchText = "", patient: SearchText = "", limit: Limit = 50,
                offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    """`kind`: an alert code; `assignee`: "me", "none" (nobody) or a user name; `patient`: an MRN
    or the start of a family name. Alerts given to you are listed whoever's patients they are."""
    rows = services.list_alerts(actor=actor(request), status=status, severity=severity, mrn=mrn,
                                scope=scope, at=now(), kind=kind.value if kind else "", assignee=assignee, patient=patient)  # fmt: skip
    return audited_page(
        request, "alert_list", rows, limit, offset, alert_out, mrn_of=lambda a: a.patient.mrn,
        filters=f"status={status} severity={severity} mrn={mrn} scope={scope or 'default'} "
                f"kind={kind or ''} assignee={assignee} patient={patient}",
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


# ---- several alerts at once (issue 12) ----------------------------------------------------------

AlertIds = Annotated[list[Id], Field(min_length=1, max_length=services.BULK_LIMIT)]


class RefusedOut(Schema):
    id: int
    message: str


class BulkOut(Schema):
    # In one transaction: the alerts changed, and each alert refused with why (outside your care
    # team, already resolved or acknowledged). A refused role, a missing note or an unknown
    # assignee refuses the whole request (403, 400) and changes nothing.
    changed: list[AlertOut]
    refused: list[RefusedOut]


def _bulk_out(out: services.BulkOutcome) -> dict[str, Any]:
    return {"changed": [alert_out(a) for a in out.changed],
            "refused": [{"id": i, "message": m} for i, m in out.refused]}  # fmt: skip


class BulkNoteIn(In):
    alert_ids: AlertIds
    note: LongText = ""


class BulkResolveIn(In):
    alert_ids: AlertIds
    note: LongRequiredText  # one note for them all: say what was done


class AssignIn(In):
    alert_ids: AlertIds
    assignee: Annotated[Text, Field(max_length=150)]  # a user name; "" takes the assignment away


@router.post("/alerts/acknowledge", response=answers(200, BulkOut, writes=True),
             summary="Acknowledge several alerts at once (one transaction; each alert you cannot "
                     "act on is refused with why)")  # fmt: skip
def ack_many(request: HttpRequest, data: BulkNoteIn) -> dict[str, Any]:
    return _bulk_out(services.handle_alerts(data.alert_ids, do="acknowledge", note=data.note,
                                            actor=actor(request), at=now()))  # fmt: skip


@router.post("/alerts/resolve", response=answers(200, BulkOut, writes=True),
             summary="Resolve several alerts at once with one note (one transaction; each alert you "
                     "cannot act on is refused with why)")  # fmt: skip
def res_many(request: HttpRequest, data: BulkResolveIn) -> dict[str, Any]:
    return _bulk_out(services.handle_alerts(data.alert_ids, do="resolve", note=data.note,
                                            actor=actor(request), at=now()))  # fmt: skip


@router.post("/alerts/assign", response=answers(200, BulkOut, writes=True),
             summary="Give alerts to a staff member who handles alerts (assignee: a user name; empty "
                     "takes the assignment away); the assignee finds them with assignee=me (audited)")  # fmt: skip
def assign_many(request: HttpRequest, data: AssignIn) -> dict[str, Any]:
    return _bulk_out(services.assign_alerts(data.alert_ids, assignee=data.assignee,
                                            actor=actor(request), at=now()))  # fmt: skip
