"""What every API handler shares: the actor from the token, the clock, paging (opening a patient's
record is naltrack.patients.apiutil)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema

from naltrack import clock
from naltrack.accounts.services import Actor
from naltrack.clinical.errors import InputError

MAX_LIMIT = 200


def actor(request: HttpRequest) -> Actor:
    return request.naltrack_actor  # type: ignore[attr-defined, no-any-return]


def now() -> datetime:
    return clock.now()


class PageOut(Schema):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


def page(rows: QuerySet[Any], limit: int, offset: int, shape: Any) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"must be 1-{MAX_LIMIT}", "limit")
    if offset < 0:
        raise InputError("must not be negative", "offset")
    return {
        "total": rows.count(), "limit": limit, "offset": offset,
        "items": [shape(r) for r in rows[offset : offset + limit]],
    }  # fmt: skip


def record_out(row: Any) -> dict[str, Any]:
    """A record's stored fields as JSON (dates as ISO text, foreign keys as `<name>_id`): for the
    plain record lists, whose every field is meant to be read by the roles that may list them."""
    out: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        out[f.attname] = value.isoformat() if isinstance(value, date) else value
    out.pop("patient_id", None)
    return out
