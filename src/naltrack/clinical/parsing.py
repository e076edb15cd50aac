"""Reading plain JSON values into typed facts, naming the first bad field in plain words.

The CLI, and later the API, hand the core decoded JSON (dicts, lists, numbers); these helpers turn
it into dates, enums and numbers or raise InputError with the field's dotted path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import TypeVar

from .errors import InputError

E = TypeVar("E", bound=StrEnum)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


class Obj:
    """A JSON object being read, which remembers its path and refuses keys it does not know."""

    def __init__(self, raw: object, path: str, allowed: set[str] | frozenset[str]) -> None:
        if not isinstance(raw, Mapping):
            raise InputError("must be a JSON object", path)
        for key in raw:
            if key not in allowed:
                raise InputError(
                    f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})",
                    join(path, str(key)),
                )
        self.raw: Mapping[str, object] = raw
        self.path = path

    def has(self, key: str) -> bool:
        return self.raw.get(key) is not None

    def at(self, key: str) -> str:
        return join(self.path, key)

    def required(self, key: str) -> object:
        if self.raw.get(key) is None:
            raise InputError("is required", self.at(key))
        return self.raw[key]

    def date(self, key: str) -> dt.date | None:
        if not self.has(key):
            return None
        return parse_date(self.raw[key], self.at(key))

    def req_date(self, key: str) -> dt.date:
        return parse_date(self.required(key), self.at(key))

    def bool(self, key: str) -> bool | None:
        if not self.has(key):
            return None
        value = self.raw[key]
        if not isinstance(value, bool):
            raise InputError("must be true or false", self.at(key))
        return value

    def int(self, key: str, low: int, high: int | None = None) -> int | None:
        if not self.has(key):
            return None
        return parse_int(self.raw[key], self.at(key), low, high)

    def number(self, key: str, low: float, high: float | None = None) -> float | None:
        if not self.has(key):
            return None
        value = self.raw[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError("must be a number", self.at(key))
        if value < low or (high is not None and value > high):
            bound = f"from {low:g} to {high:g}" if high is not None else f"at least {low:g}"
            raise InputError(f"must be {bound} (got {value:g})", self.at(key))
        return float(value)

    def enum(self, key: str, kind: type[E]) -> E | None:
        if not self.has(key):
            return None
        return parse_enum(self.raw[key], kind, self.at(key))

    def text(self, key: str) -> str | None:
        if not self.has(key):
            return None
        value = self.raw[key]
        if not isinstance(value, str) or not value.strip():
            raise InputError("must be a non-empty text", self.at(key))
        return value.strip()

    def list(self, key: str) -> list[object]:
        if not self.has(key):
            return []
        value = self.raw[key]
        if not isinstance(value, list):
            raise InputError("must be a list", self.at(key))
        return value


# A plausible range for any date of a clinical record: far enough to hold every birth date and a
# long plan, near enough that date arithmetic (a plan target, a 180-day schedule, an implant's
# coverage) never leaves the calendar (issue 9: dates near 9999 ended in tracebacks).
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


def parse_date(value: object, path: str) -> date:
    if not isinstance(value, str):
        raise InputError("must be a date as YYYY-MM-DD", path)
    try:
        if len(value) != 10:
            raise ValueError
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date as YYYY-MM-DD", path) from None
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise InputError(
            f"{value} is outside the plausible range {EARLIEST_DATE.isoformat()} to "
            f"{LATEST_DATE.isoformat()}",
            path,
        )
    return day


def parse_int(value: object, path: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise InputError("must be a whole number", path)
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise InputError(f"must be {bound} (got {value})", path)
    return value


def parse_enum(value: object, kind: type[E], path: str) -> E:
    allowed = [m.value for m in kind]
    if isinstance(value, str) and value in allowed:
        return kind(value)
    raise InputError(f"must be one of {', '.join(allowed)} (got {value!r})", path)


def not_after(day: date | None, as_of: date, path: str) -> None:
    """Observed facts cannot be dated after the day of the decision."""
    if day is not None and day > as_of:
        raise InputError(f"{day.isoformat()} is after as_of ({as_of.isoformat()})", path)
