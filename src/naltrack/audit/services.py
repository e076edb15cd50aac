"""Writing audit events: one call per access, inside the use case's transaction."""

from __future__ import annotations

from datetime import datetime

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
