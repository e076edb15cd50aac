"""The audit trail's hash chain: each event's hash covers its fields and the previous event's hash.

`event_hash` is the one canonical serialisation (version 1), used when an event is written, by the
migration that chained the events written before the chain existed, and by `naltrack audit verify`.
Changing it would break every existing chain: a new serialisation needs a new version.

The chain is tamper *evidence*: an event changed, deleted or slipped in behind the application's
back breaks a link. Someone who rewrites the whole chain from the changed event onward is caught
only by comparing the head hash with a copy kept elsewhere (README, "The audit trail").
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import NamedTuple

GENESIS = "0" * 64  # the "previous hash" of the first event
VERSION = 1


def canonical_at(at: datetime) -> str:
    """The instant in UTC, to the microsecond, as both databases store it."""
    if at.tzinfo is None:
        raise ValueError("an audit event's time must carry its zone")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(
    *,
    seq: int,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    patient_mrn: str,
    remote_addr: str | None,
    detail: str,
) -> str:
    """SHA-256 (hex) of the event's fields and the previous event's hash, serialised as compact
    JSON with sorted keys (UTF-8), so that the same values always give the same bytes."""
    payload = {
        "v": VERSION,
        "seq": seq,
        "prev": prev_hash,
        "at": canonical_at(at),
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "patient_mrn": patient_mrn,
        "remote_addr": remote_addr or "",
        "detail": detail,
    }
    data = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class Linkable(NamedTuple):
    """An event's canonical serialisation (the same bytes as `event_hash`'s) with its two chain
    values left out: `before + prev_hash + middle + str(seq) + after`. The writer fills them in
    where the chain head is locked (services.record: inside one SQL statement on PostgreSQL), so
    the lock is held for no serialisation work."""

    before: str
    middle: str
    after: str

    def filled(self, seq: int, prev_hash: str) -> str:
        return f"{self.before}{prev_hash}{self.middle}{seq}{self.after}"


def _pair(key: str, value: str) -> str:
    # json.dumps of a dict with sort_keys and compact separators joins exactly these pairs
    return f"{json.dumps(key)}:{json.dumps(value, ensure_ascii=False)}"


def linkable(
    *,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    patient_mrn: str,
    remote_addr: str | None,
    detail: str,
) -> Linkable:
    """The serialisation of `event_hash` around the chain's values; the keys in sorted order:
    action, actor, at, detail, object_id, object_type, patient_mrn, prev, remote_addr, seq, v
    (tests/unit/test_audit_chain_text.py checks it gives event_hash's bytes for any values)."""
    first = (
        ("action", action),
        ("actor", actor),
        ("at", canonical_at(at)),
        ("detail", detail),
        ("object_id", object_id),
        ("object_type", object_type),
        ("patient_mrn", patient_mrn),
    )
    before = "{" + ",".join(_pair(k, v) for k, v in first) + ',"prev":"'
    middle = '",' + _pair("remote_addr", remote_addr or "") + ',"seq":'
    return Linkable(before, middle, f',"v":{VERSION}}}')


def linked_hash(text: Linkable, seq: int, prev_hash: str) -> str:
    """`event_hash` of an event from its `linkable` text and its place in the chain."""
    return hashlib.sha256(text.filled(seq, prev_hash).encode("utf-8")).hexdigest()
