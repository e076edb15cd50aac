"""The Patient search of /fhir: FHIR's search parameters turned into a query of the charts, each
refused by name when it is malformed or not served (a silently ignored parameter would widen the
answer: FHIR's `handling=strict`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from django.db.models import Q, QuerySet

from naltrack.clinical.errors import InputError
from naltrack.patients.models import Patient

from .resources import GENDER, PATIENT_SEARCH, mrn_system

DEFAULT_COUNT = 20
MAX_COUNT = 100
MAX_OFFSET = 1_000_000_000  # far past any clinic's charts; a larger one is bad input, not a 500
MAX_ID = 2**63 - 1  # the largest id a database key holds
# Paging and result parameters this server reads besides the search parameters themselves.
CONTROL = frozenset({"_count", "_offset", "_format"})


def count_and_offset(params: Mapping[str, Sequence[str]]) -> tuple[int, int]:
    """`_count` (1..100, default 20) and `_offset` (0 or more, from a `next` link)."""
    return (_whole(params, "_count", DEFAULT_COUNT, 1, MAX_COUNT),
            _whole(params, "_offset", 0, 0, MAX_OFFSET))  # fmt: skip


def is_id(raw: str) -> bool:
    """A resource id of this server: a database key, written in ASCII digits."""
    return 0 < len(raw) <= 19 and raw.isascii() and raw.isdigit() and int(raw) <= MAX_ID


def _whole(params: Mapping[str, Sequence[str]], name: str, default: int, low: int,
           high: int) -> int:  # fmt: skip
    values = params.get(name) or []
    if not values:
        return default
    raw = values[-1].strip()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10 and low <= int(raw) <= high):
        raise InputError(f"must be a whole number from {low} to {high} (got {raw[:40]!r})", name)
    return int(raw)


def patients(params: Mapping[str, Sequence[str]]) -> QuerySet[Patient]:
    """The charts matching every parameter given (AND; a parameter repeated must match each time;
    comma-separated values within one are OR, as FHIR says)."""
    for name in params:
        if name not in PATIENT_SEARCH and name not in CONTROL:
            served = ", ".join(sorted(PATIENT_SEARCH))
            raise InputError(f"is not a search parameter of Patient here (served: {served})", name)
    if "_format" in params and any(v not in ("json", "application/fhir+json", "application/json")
                                   for v in params["_format"]):  # fmt: skip
        raise InputError("only json is served", "_format")
    rows = Patient.objects.all()
    for name, values in params.items():
        if name in CONTROL:
            continue
        for value in values:
            rows = rows.filter(_any_of(name, value))
    return rows.order_by("pk")


def _any_of(name: str, value: str) -> Q:
    parts = [p.strip() for p in value.split(",")]
    if not parts or any(not p for p in parts):
        raise InputError("needs a value (an empty one matches nothing you meant)", name)
    q = Q(pk__in=[])
    for part in parts:
        q |= _one(name, part)
    return q


def _one(name: str, value: str) -> Q:
    if name == "_id":
        if not is_id(value):
            raise InputError(f"is a Patient id here: a whole number (got {value[:40]!r})", name)
        return Q(pk=int(value))
    if name == "identifier":
        system, bar, code = value.rpartition("|")
        if bar and system and system != mrn_system():
            return Q(pk__in=[])  # an identifier of another system: none here
        return Q(mrn__iexact=code if bar else value)
    if name == "name":
        return Q(family_name__istartswith=value) | Q(given_name__istartswith=value)
    if name == "family":
        return Q(family_name__istartswith=value)
    if name == "given":
        return Q(given_name__istartswith=value)
    if name == "birthdate":
        try:
            day = date.fromisoformat(value.removeprefix("eq"))
        except ValueError:
            raise InputError(f"must be a date as YYYY-MM-DD (got {value!r})", name) from None
        return Q(birth_date=day)
    if name == "gender":
        sexes = [sex for sex, gender in GENDER.items() if gender == value]
        if value not in GENDER.values():
            raise InputError(f"must be one of {', '.join(sorted(set(GENDER.values())))} (got {value!r})", name)  # fmt: skip
        return Q(sex_at_birth__in=sexes)
    raise InputError("is not a search parameter of Patient here", name)  # pragma: no cover
