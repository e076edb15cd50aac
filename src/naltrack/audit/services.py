"""Writing audit events: one call per access, inside the use case's transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

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
