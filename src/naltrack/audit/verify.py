"""`naltrack audit verify`: walk the hash chain and name the first broken link.

A link breaks where an event was altered (its fields no longer give its hash), deleted (a gap in
`seq`, a `prev_hash` that is not the hash before it, or a head beyond the last event), or slipped
in (a `seq` out of the chain, or an event beyond the head). The walk reads the head first and then
the events up to it, so events written meanwhile by the running clinic are left for the next walk.
"""

from __future__ import annotations

from dataclasses import dataclass

from .chain import GENESIS, event_hash
from .models import AuditChainHead, AuditEvent

CHUNK = 2000


@dataclass(frozen=True, slots=True)
class BrokenLink:
    event_id: int | None  # the event where the chain breaks (None: the head itself)
    seq: int | None
    problem: str

    def __str__(self) -> str:
        where = f"event id {self.event_id} (seq {self.seq})" if self.event_id else "chain head"
        return f"{where}: {self.problem}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    events: int  # events walked
    head_seq: int
    head_hash: str
    broken: BrokenLink | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _hash_of(event: AuditEvent) -> str:
    return event_hash(
        seq=event.seq, prev_hash=event.prev_hash, at=event.at, actor=event.actor,
        action=event.action, object_type=event.object_type, object_id=event.object_id,
        patient_mrn=event.patient_mrn, remote_addr=event.remote_addr, detail=event.detail,
    )  # fmt: skip


def verify_chain() -> ChainReport:
    head = AuditChainHead.objects.filter(pk=AuditChainHead.ROW_ID).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    walked, expected, prev, last_id = 0, 1, GENESIS, None

    def broken(event_id: int | None, seq: int | None, problem: str) -> ChainReport:
        return ChainReport(walked, head_seq, head_hash, BrokenLink(event_id, seq, problem))

    events = AuditEvent.objects.filter(seq__lte=head_seq).order_by("seq")
    for event in events.iterator(chunk_size=CHUNK):
        walked += 1
        if event.seq < expected:
            return broken(event.pk, event.seq, f"its place {event.seq} is not in the chain "
                          f"(the next is {expected}): an event was inserted")  # fmt: skip
        if event.seq > expected:
            missing = f"{expected}" if event.seq == expected + 1 else f"{expected}-{event.seq - 1}"
            return broken(event.pk, event.seq, f"the event(s) at place {missing} before it are "
                          "missing: deleted")  # fmt: skip
        if event.prev_hash != prev:
            before = f"event id {last_id}" if last_id else "the start of the chain"
            return broken(event.pk, event.seq, f"it does not link to {before} (its previous "
                          "hash differs): an event before it was altered, deleted or inserted")  # fmt: skip
        if _hash_of(event) != event.row_hash:
            return broken(event.pk, event.seq, "its fields do not match its hash: altered")
        prev, expected, last_id = event.row_hash, event.seq + 1, event.pk
    if head is None and walked == 0 and AuditEvent.objects.exists():
        return broken(None, None, "missing, though there are audit events")
    if expected - 1 != head_seq or prev != head_hash:
        return broken(None, head_seq, f"the head is at place {head_seq} with another hash than "
                      f"the last event found (place {expected - 1}, id {last_id}): the last "
                      "event(s) were deleted or altered")  # fmt: skip
    # Anything beyond the head that the head (read again: the clinic may have written since)
    # does not account for was slipped in behind the application's back.
    now = AuditChainHead.objects.filter(pk=AuditChainHead.ROW_ID).first()
    beyond = AuditEvent.objects.filter(seq__gt=now.seq if now else head_seq).order_by("seq").first()
    if beyond is not None:
        return broken(beyond.pk, beyond.seq, "it lies beyond the chain's head: inserted")
    return ChainReport(walked, head_seq, head_hash, None)
