"""What every instrument shares: the result shape, item reading and band lookup."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..errors import InputError
from ..parsing import Obj, join, parse_enum
from ..vocab import SexAtBirth


@dataclass(frozen=True, slots=True)
class Band:
    name: str
    low: int
    high: int  # inclusive


@dataclass(frozen=True, slots=True)
class Score:
    instrument: str
    total: int
    band: str | None
    flags: tuple[str, ...]
    source: str
    extra: dict[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "instrument": self.instrument,
            "total": self.total,
            "band": self.band,
            "flags": list(self.flags),
            "source": self.source,
        }
        out.update(self.extra)
        return out


def band_for(total: int, bands: Sequence[Band]) -> str:
    for band in bands:
        if band.low <= total <= band.high:
            return band.name
    raise ValueError(f"total {total} is outside every band")  # pragma: no cover - ranges checked


@dataclass(frozen=True, slots=True)
class Item:
    """One item: its plain name and the answers it allows."""

    name: str
    allowed: tuple[int, ...]


def ranged(name: str, low: int, high: int) -> Item:
    return Item(name, tuple(range(low, high + 1)))


def read_items(document: object, items: Sequence[Item]) -> tuple[Obj, list[int]]:
    """Read `items` in the instrument's published order; refuse a wrong count or answer."""
    # sex_at_birth is part of the contract's score input for every instrument; only AUDIT-C's
    # bands depend on it, but a caller that always sends it must not be refused.
    doc = Obj(document, "", {"items", "sex_at_birth"})
    if doc.has("sex_at_birth"):
        parse_enum(doc.raw["sex_at_birth"], SexAtBirth, "sex_at_birth")
    raw = doc.required("items")
    if not isinstance(raw, list):
        raise InputError("must be a list of whole numbers", "items")
    if len(raw) != len(items):
        raise InputError(
            f"must hold {len(items)} answers, in the published order (got {len(raw)})", "items"
        )
    values: list[int] = []
    for i, (value, item) in enumerate(zip(raw, items, strict=True)):
        path = join("items", i)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"item {i + 1} ({item.name}) must be a whole number", path)
        if value not in item.allowed:
            allowed = _describe(item.allowed)
            raise InputError(f"item {i + 1} ({item.name}) must be {allowed} (got {value})", path)
        values.append(value)
    return doc, values


def _describe(allowed: tuple[int, ...]) -> str:
    if allowed == tuple(range(allowed[0], allowed[-1] + 1)):
        return f"from {allowed[0]} to {allowed[-1]}"
    return "one of " + ", ".join(str(a) for a in allowed)


def read_sex(doc: Obj) -> SexAtBirth:
    value = doc.raw.get("sex_at_birth")
    if value not in (SexAtBirth.FEMALE.value, SexAtBirth.MALE.value):
        raise InputError("is required for this instrument: female or male", "sex_at_birth")
    return SexAtBirth(value)
