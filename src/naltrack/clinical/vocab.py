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


class StopReason(StrEnum):
    """Why treatment stopped (issue 9): coverage and PDC exclude the days after the stop; a death
    opens no overdose-risk follow-up."""

    DEATH = "death"
    TRANSFER = "transfer"
    HOSPITALISATION = "hospitalisation"
    INCARCERATION = "incarceration"
    PATIENT_CHOICE = "patient_choice"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"
    COMPLETED = "completed"
    OTHER = "other"
