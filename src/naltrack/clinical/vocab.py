"""Words shared across the core. Every status is a StrEnum: no bare status strings."""

from __future__ import annotations

from enum import StrEnum


class Indication(StrEnum):
    OUD = "OUD"
    AUD = "AUD"


class Formulation(StrEnum):
    ORAL = "oral"
    XR_INJECTION = "xr_injection"
    IMPLANT = "implant"


class SexAtBirth(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"


class OpioidKind(StrEnum):
    SHORT_ACTING = "short_acting"
    FENTANYL = "fentanyl"
    METHADONE = "methadone"
    BUPRENORPHINE = "buprenorphine"
    BUPRENORPHINE_DEPOT = "buprenorphine_depot"
    UNKNOWN = "unknown"


class Side(StrEnum):
    LEFT = "left"
    RIGHT = "right"

    @property
    def other(self) -> Side:
        return Side.RIGHT if self is Side.LEFT else Side.LEFT
