"""Writing audit events: one call per access, inside the use case's transaction."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Protocol

from django.db.models import QuerySet
from django.utils import timezone

from naltrack.clinical.errors import InputError

from .models import AuditAction, AuditEvent


def record(
    *,
    at: datetime,
    actor: str,
    action: AuditAction,
    object_type: str = "",
    object_id: str = "",
    patient_mrn: str = "",
    remote_addr: str | None = None,
    detail: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        at=at,
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient_mrn=patient_mrn,
        remote_addr=remote_addr,
        detail=detail[:500],
    )


class Acting(Protocol):
    """Who acts: a staff member's Actor (accounts.services) or anything with the same two fields."""

    @property
    def username(self) -> str: ...

    @property
    def remote_addr(self) -> str | None: ...


def record_by(
    actor: Acting,
    at: datetime,
    action: AuditAction,
    object_type: str,
    object_id: object = "",
    *,
    patient_mrn: str = "",
    detail: str = "",
) -> AuditEvent:
    """The audit event of a service acting for a staff member: who, from where, what, on whom."""
    return record(
        at=at, actor=actor.username, action=action, object_type=object_type,
        object_id=str(object_id), patient_mrn=patient_mrn, remote_addr=actor.remote_addr,
        detail=detail,
    )  # fmt: skip


def search_events(
    *,
    user: str = "",
    action: str = "",
    mrn: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    """The trail, newest first, filtered by user, action, patient and days (inclusive). The caller
    checks the role (accounts sits above audit); the viewer and the API both call this."""
    rows = AuditEvent.objects.order_by("-at", "-id")
    if user:
        rows = rows.filter(actor__iexact=user)
    if action:
        if action not in AuditAction.values:
            raise InputError(f"must be one of {', '.join(AuditAction.values)}", "action")
        rows = rows.filter(action=action)
    if mrn:
        rows = rows.filter(patient_mrn__iexact=mrn)
    if since is not None:
        rows = rows.filter(at__gte=timezone.make_aware(datetime.combine(since, time.min)))
    if until is not None:
        rows = rows.filter(
            at__lt=timezone.make_aware(datetime.combine(until + timedelta(days=1), time.min))
        )
    return rows
