"""Writing audit events: one call per access, inside the use case's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from naltrack.clinical.errors import InputError

from .chain import GENESIS, event_hash
from .models import AppendOnlyError, AuditAction, AuditChainHead, AuditEvent


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
    """Append one event to the chain. The chain head is locked until the caller's transaction
    ends, so concurrent writers append one after the other (PostgreSQL: the head's row lock;
    SQLite: its single writer), and the event and its link commit or roll back with the write."""
    if timezone.is_naive(at):  # as Django would store it: the default zone
        at = timezone.make_aware(at)
    # The address as the database keeps it (an IPv6 address is stored in its short form).
    remote = AuditEvent._meta.get_field("remote_addr").get_prep_value(remote_addr) or None
    detail = detail[:500]
    with transaction.atomic():
        head = _locked_head()
        seq = head.seq + 1
        row_hash = event_hash(
            seq=seq, prev_hash=head.hash, at=at, actor=actor, action=str(action),
            object_type=object_type, object_id=object_id, patient_mrn=patient_mrn,
            remote_addr=remote, detail=detail,
        )  # fmt: skip
        event = AuditEvent.objects.create(
            at=at, actor=actor, action=action, object_type=object_type, object_id=object_id,
            patient_mrn=patient_mrn, remote_addr=remote, detail=detail, seq=seq,
            prev_hash=head.hash, row_hash=row_hash,
        )  # fmt: skip
        head.seq, head.hash = seq, row_hash
        head.save(update_fields=("seq", "hash"))
    return event


def record_many(events: Sequence[AuditEvent]) -> list[AuditEvent]:
    """Append unsaved events, in this order, under one lock of the chain head (a bulk import
    such as the demo clinic's history)."""
    with transaction.atomic():
        head = _locked_head()
        for event in events:
            if event.pk is not None:
                raise AppendOnlyError("audit events cannot be changed")
            if timezone.is_naive(event.at):
                event.at = timezone.make_aware(event.at)
            event.remote_addr = (
                AuditEvent._meta.get_field("remote_addr").get_prep_value(event.remote_addr) or None
            )
            event.detail = event.detail[:500]
            event.seq, event.prev_hash = head.seq + 1, head.hash
            event.row_hash = event_hash(
                seq=event.seq, prev_hash=event.prev_hash, at=event.at, actor=event.actor,
                action=str(event.action), object_type=event.object_type,
                object_id=event.object_id, patient_mrn=event.patient_mrn,
                remote_addr=event.remote_addr, detail=event.detail,
            )  # fmt: skip
            head.seq, head.hash = event.seq, event.row_hash
        saved = AuditEvent.objects.bulk_create(events, batch_size=1000)
        head.save(update_fields=("seq", "hash"))
    return saved


def _locked_head() -> AuditChainHead:
    """The chain head, locked for this transaction; made from the last event if it is missing
    (a database emptied by a test run)."""
    head = AuditChainHead.objects.select_for_update().filter(pk=AuditChainHead.ROW_ID).first()
    if head is not None:
        return head
    last = AuditEvent.objects.order_by("-seq").first()
    try:
        with transaction.atomic():
            return AuditChainHead.objects.create(
                pk=AuditChainHead.ROW_ID,
                seq=last.seq if last else 0,
                hash=last.row_hash if last else GENESIS,
            )
    except IntegrityError:  # another writer made it meanwhile: wait for it
        return AuditChainHead.objects.select_for_update().get(pk=AuditChainHead.ROW_ID)


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
