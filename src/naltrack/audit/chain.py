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
