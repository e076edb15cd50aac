"""What every API handler shares: the actor from the token, the clock, paging, the error shape and
the bounded input types (opening a patient's record is naltrack.patients.apiutil).

Every operation declares what it answers (`answers(...)`): its success schema and the error shape
`{"message": ..., "field": ...}` for each refusal it can give. Inputs use the bounded types below,
so the OpenAPI document declares the lengths, patterns, enums and day range the services enforce,
and the same request is refused the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Field, create_model

from naltrack import clock
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import InputError

from .bounds import (
    DATETIME_PATTERN,
    DAY_PATTERN,
    LONG_TEXT,
    MRN_PATTERN,
    NO_NUL_PATTERN,
    NOT_BLANK_PATTERN,
    SHORT_TEXT,
    day_problem,
    text_problem,
)

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000
MAX_ID = 2_147_483_647  # a database integer key; a larger number names nothing


# ---- the error shape and the statuses an operation declares --------------------------------------


class ErrorOut(Schema):
    """Every refusal: what is wrong, and the field it concerns (null when it is not one field)."""

    message: str
    field: str | None = None


# 429: too many bad tokens or failed sign-ins from the caller's address (signin.lockout).
READ_ERRORS = (400, 401, 403, 404, 429)
WRITE_ERRORS = (*READ_ERRORS, 409, 413)


def answers(ok: int, schema: Any, *, writes: bool = False) -> dict[int, Any]:
    """The response map of an operation: its success and every refusal it can give.
    400 bad input (naming the field), 401 no or bad token, 403 the role may not, 404 unknown id or
    MRN, 429 too many bad tokens from this address; a write adds 409 (conflicts with the record: already recorded, stale) and 413 (too big)."""
    return {ok: schema} | {status: ErrorOut for status in (WRITE_ERRORS if writes else READ_ERRORS)}


# ---- bounded input types ------------------------------------------------------------------------


def _text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _required(value: str) -> str:
    if not value.strip():
        raise ValueError("is required")
    return value


def _iso(value: Any) -> Any:
    # Only ISO text: pydantic would otherwise read a number as seconds since 1970 (`?on=0`).
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value[:1].isdigit() or len(value) < 10:
        raise ValueError("must be an ISO date (YYYY-MM-DD) or date-time with its time zone")
    return value


def _day(value: date) -> date:
    problem = day_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _instant(value: datetime) -> datetime:
    problem = day_problem(value.date())
    if problem:
        raise ValueError(problem)
    return value


# Text: no NUL byte. Every text field states its length beside it, the column's max_length
# (`Annotated[Text, Field(max_length=100)]`), or is LongText (a note, a plan section);
# RequiredText is also not blank.
Text = Annotated[str, AfterValidator(_text), Field(json_schema_extra={"pattern": NO_NUL_PATTERN})]
RequiredText = Annotated[
    str,
    AfterValidator(_text),
    AfterValidator(_required),
    Field(min_length=1, json_schema_extra={"pattern": NOT_BLANK_PATTERN}),
]
LongText = Annotated[Text, Field(max_length=LONG_TEXT)]
LongRequiredText = Annotated[RequiredText, Field(max_length=LONG_TEXT)]
SearchText = Annotated[
    str,
    AfterValidator(_text),
    Field(max_length=SHORT_TEXT, json_schema_extra={"pattern": NO_NUL_PATTERN}),
]
# A calendar day within the plausible range (bounds.py), declared as a pattern in the document.
Day = Annotated[
    date,
    BeforeValidator(_iso),
    AfterValidator(_day),
    Field(json_schema_extra={"pattern": DAY_PATTERN}),
]
# An instant with its time zone (a time without one is ambiguous: refused, naming the field).
Instant = Annotated[
    AwareDatetime,
    BeforeValidator(_iso),
    AfterValidator(_instant),
    Field(json_schema_extra={"pattern": DATETIME_PATTERN}),
]
# A yes/no in a body: true or false only (not "yes", not 1). Numbers in bodies are strict too
# (`Field(strict=True, ...)`): a number, never a string or a boolean.
Flag = Annotated[bool, Field(strict=True)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# A patient's MRN in an address: the shape register_patient accepts (anything else names nobody).
Mrn = Annotated[
    str,
    Field(
        min_length=1,
        max_length=32,
        pattern=MRN_PATTERN,
        examples=["MRN-0001"],
    ),
]
Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT)]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]


class In(Schema):
    """A request body: a property the document does not declare is refused (400, naming it), so a
    misspelt field is not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# ---- the actor, the clock ---------------------------------------------------------


def actor(request: HttpRequest) -> Actor:
    return request.naltrack_actor  # type: ignore[attr-defined, no-any-return]


def now() -> datetime:
    return clock.now()


# ---- paging ------------------------------------------------------------------------------------

T = TypeVar("T")


class Page(Schema, Generic[T]):
    """One page of a list: `total` rows match, `items` are those from `offset`, at most `limit`."""

    total: int
    limit: int
    offset: int
    items: list[T]


class PageOut(Schema):
    total: int
    limit: int
    offset: int
    items: list[dict[str, Any]]


def page(
    rows: QuerySet[Any] | Sequence[Any], limit: int, offset: int, shape: Callable[[Any], Any]
) -> dict[str, Any]:
    if not 1 <= limit <= MAX_LIMIT:
        raise InputError(f"must be 1-{MAX_LIMIT}", "limit")
    if not 0 <= offset <= MAX_OFFSET:
        raise InputError(f"must be 0-{MAX_OFFSET}", "offset")
    return {
        "total": rows.count() if isinstance(rows, QuerySet) else len(rows), "limit": limit, "offset": offset,
        "items": [shape(r) for r in rows[offset : offset + limit]],
    }  # fmt: skip


def audited_page(
    request: HttpRequest,
    what: str,
    rows: QuerySet[Any],
    limit: int,
    offset: int,
    shape: Callable[[Any], Any],
    *,
    mrn_of: Callable[[Any], str] | None = None,
    filters: str = "",
) -> dict[str, Any]:
    """A page of a list that spans patients (search, appointments, alerts, the audit trail), and
    its audit event: who listed what, with which filters, and which patients the page showed."""
    out = page(rows, limit, offset, lambda r: r)
    shown = out["items"]
    mrns = ""
    if mrn_of is not None:
        mrns = " ".join(dict.fromkeys(mrn_of(r) for r in shown))
    detail = f"{filters}; rows {offset}-{offset + len(shown)} of {out['total']}" + (
        f": {mrns}" if mrns else ""
    )
    record_by(actor(request), now(), AuditAction.READ, what, detail=detail.lstrip("; "))
    out["items"] = [shape(r) for r in shown]
    return out


def record_out(row: Any) -> dict[str, Any]:
    """A record's stored fields as JSON (dates as ISO text, foreign keys as `<name>_id`): for the
    plain record lists, whose every field is meant to be read by the roles that may list them."""
    out: dict[str, Any] = {}
    for f in row._meta.concrete_fields:
        value = getattr(row, f.attname)
        out[f.attname] = value.isoformat() if isinstance(value, date) else value
    out.pop("patient_id", None)
    return out


_TYPES: dict[str, Any] = {
    "CharField": str, "TextField": str, "EmailField": str, "DateField": date, "DateTimeField": datetime,
    "IntegerField": int, "PositiveIntegerField": int, "PositiveSmallIntegerField": int,
    "SmallIntegerField": int, "BigAutoField": int, "AutoField": int, "ForeignKey": int,
    "BooleanField": bool, "FloatField": float, "JSONField": Any,
}  # fmt: skip


def record_schema(model: Any) -> Any:
    """The output schema of `record_out` for a model: each stored field by its column name, typed
    from the model (a nullable column may be null), the patient left out."""
    fields: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.attname == "patient_id":
            continue
        kind = _TYPES[f.get_internal_type()]
        fields[f.attname] = (kind | None, ...) if f.null and kind is not Any else (kind, ...)
    # "Record", not "Out": a hand-written schema of the same name (e.g. EpisodeOut for a created
    # episode) would otherwise overwrite it in the OpenAPI components.
    return create_model(f"{model.__name__}Record", __base__=Schema, **fields)
