"""Writing audit events: one call per access, inside the use case's transaction."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Protocol

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from naltrack.clinical.errors import InputError

from .chain import GENESIS, Linkable, event_hash, linkable, linked_hash
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
    """Append one event to the chain, inside the caller's transaction when there is one (the event
    and its link commit or roll back with the write), else committed on its own.

    The chain head is locked until that transaction ends, so concurrent writers append one after
    the other and the chain stays a line. On PostgreSQL one statement locks the head, links the
    event, writes it and moves the head (`_append`): the head's row lock is held for no work in
    Python, and an event written outside a transaction (a read's audit event: the worklist, a
    chart) is committed by that same statement, so the lock is released inside the database
    without a further round trip. On SQLite the single writer (BEGIN IMMEDIATE) is the lock.

    Inside `one_read_per_patient()` (every page view and API call), a read of a patient's record
    is gathered with the other reads of that patient by the same person and written once, when
    the request ends."""
    if timezone.is_naive(at):  # as Django would store it: the default zone
        at = timezone.make_aware(at)
    pending = _READS.get()
    # A refusal is written at once, on its own: it must not read as one more part that was read.
    if (pending is not None and action == AuditAction.READ and patient_mrn
            and not object_type.endswith("_refused")):  # fmt: skip
        return pending.add(at, actor, object_type, object_id, patient_mrn, remote_addr, detail)
    return _write(at=at, actor=actor, action=action, object_type=object_type,
                  object_id=object_id, patient_mrn=patient_mrn, remote_addr=remote_addr,
                  detail=detail)  # fmt: skip


def _write(*, at: datetime, actor: str, action: AuditAction | str, object_type: str,
           object_id: str, patient_mrn: str, remote_addr: str | None, detail: str) -> AuditEvent:  # fmt: skip
    """Append one event now (record() without the gathering of reads)."""
    # The address as the database keeps it (an IPv6 address is stored in its short form).
    remote = AuditEvent._meta.get_field("remote_addr").get_prep_value(remote_addr) or None
    detail = detail[:500]
    fields: dict[str, Any] = dict(at=at, actor=actor, action=str(action), object_type=object_type,
                  object_id=object_id, patient_mrn=patient_mrn, remote_addr=remote, detail=detail)  # fmt: skip
    text = linkable(**fields)  # serialised before the lock is taken
    if connection.vendor == "postgresql":
        event = _append(text, fields)
        if event is not None:
            return event
    with transaction.atomic():
        head = _locked_head()
        seq = head.seq + 1
        row_hash = linked_hash(text, seq, head.hash)
        event = AuditEvent.objects.create(**fields, seq=seq, prev_hash=head.hash, row_hash=row_hash)
        head.seq, head.hash = seq, row_hash
        head.save(update_fields=("seq", "hash"))
    return event


@dataclass
class _Read:
    """The reads of one patient's record by one person in one request, gathered into one event:
    the first part read (its type, id and detail), then what else the same request read."""

    at: datetime
    object_type: str
    object_id: str
    detail: str
    also: list[str] = field(default_factory=list)

    def text(self) -> str:
        more = f"also read {', '.join(self.also)}" if self.also else ""
        return "; ".join(part for part in (self.detail, more) if part)


@dataclass
class _PendingReads:
    reads: dict[tuple[str, str, str | None], _Read] = field(default_factory=dict)

    def add(self, at: datetime, actor: str, object_type: str, object_id: str, mrn: str,
            remote_addr: str | None, detail: str) -> AuditEvent:  # fmt: skip
        key = (actor, mrn, remote_addr)
        read = self.reads.get(key)
        if read is None:
            self.reads[key] = _Read(at, object_type, object_id, detail)
        else:
            part = f"{object_type} ({detail})" if detail else object_type
            if object_type != read.object_type and part not in read.also:
                read.also.append(part)
        return AuditEvent(at=at, actor=actor, action=AuditAction.READ, object_type=object_type,
                          object_id=object_id, patient_mrn=mrn, remote_addr=remote_addr,
                          detail=detail)  # fmt: skip


_READS: ContextVar[_PendingReads | None] = ContextVar("naltrack_audit_reads", default=None)


@contextmanager
def one_read_per_patient() -> Iterator[None]:
    """Within this block (one page view or API call), the reads of a patient's record by one
    person are written as ONE audit event when the block ends, naming every part read (the chart,
    then its counselling notes, say): the trail says who read whose record when, once, not once
    per section the page gathered. Writes, exports and refusals are written at once, as always.
    The block's end writes the reads even when the view failed, so an attempt is never lost."""
    pending = _PendingReads()
    token = _READS.set(pending)
    try:
        yield
    finally:
        _READS.reset(token)
        for (actor, mrn, remote), read in pending.reads.items():
            _write(at=read.at, actor=actor, action=AuditAction.READ, object_type=read.object_type,
                   object_id=read.object_id, patient_mrn=mrn, remote_addr=remote,
                   detail=read.text())  # fmt: skip


_EVENTS = AuditEvent._meta.db_table
_HEAD = AuditChainHead._meta.db_table
# PostgreSQL: lock the head (the newest version of its row, as FOR UPDATE reads in READ COMMITTED),
# link the event to it (its SHA-256 over the text chain.linkable made, filled with the head's hash
# and the next place), move the head, write the event: one statement, one round trip.
_APPEND_SQL = f"""
WITH head AS MATERIALIZED (
    SELECT seq, hash FROM {_HEAD} WHERE id = %(head_id)s FOR UPDATE
), link AS MATERIALIZED (
    SELECT seq + 1 AS seq, hash AS prev_hash,
           encode(sha256(convert_to(%(before)s || hash || %(middle)s || (seq + 1)::text
                                    || %(after)s, 'UTF8')), 'hex') AS row_hash
    FROM head
), moved AS (
    UPDATE {_HEAD} SET seq = link.seq, hash = link.row_hash FROM link WHERE {_HEAD}.id = %(head_id)s
)
INSERT INTO {_EVENTS} (at, actor, action, object_type, object_id, patient_mrn, remote_addr, detail,
                       seq, prev_hash, row_hash)
SELECT %(at)s::timestamptz, %(actor)s, %(action)s, %(object_type)s, %(object_id)s,
       %(patient_mrn)s, %(remote_addr)s::inet, %(detail)s, seq, prev_hash, row_hash
FROM link
RETURNING id, seq, prev_hash, row_hash
"""


def _append(text: Linkable, fields: dict[str, Any]) -> AuditEvent | None:
    """The event appended by one statement (PostgreSQL), or None when the chain has no head row
    yet (record() then makes it)."""
    params = {**fields, "head_id": AuditChainHead.ROW_ID, "before": text.before,
              "middle": text.middle, "after": text.after}  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    pk, seq, prev_hash, row_hash = row
    event = AuditEvent(pk=pk, **fields, seq=seq, prev_hash=prev_hash, row_hash=row_hash)
    event._state.adding, event._state.db = False, connection.alias
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
