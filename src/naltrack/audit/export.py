"""The audit trail written out as CSV (issue 12: "the audit trail cannot be exported"): for the
director, an auditor or a regulator. One row per event, oldest first, with its place in the hash
chain (seq, prev_hash, row_hash) so a reader can see the export is a contiguous stretch of the trail.

A cell a spreadsheet would run as a formula (starting with =, +, - or @) is written with a leading
apostrophe (CSV injection), as the accounting of disclosures is. `naltrack audit verify` remains
the check of the chain itself."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from .models import AuditEvent

COLUMNS = ("seq", "at", "actor", "action", "object_type", "object_id", "patient_mrn",
           "remote_addr", "detail", "prev_hash", "row_hash")  # fmt: skip


def _safe(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def _row(e: AuditEvent) -> list[str]:
    return [str(e.seq), e.at.isoformat(), e.actor, e.action, e.object_type, e.object_id,
            e.patient_mrn, e.remote_addr or "", e.detail, e.prev_hash, e.row_hash]  # fmt: skip


def csv_chunks(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The header, then one CSV line per event, as text pieces to stream (a trail of millions of
    events is never held in memory)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for i, event in enumerate(events, start=1):
        writer.writerow([_safe(c) for c in _row(event)])
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
