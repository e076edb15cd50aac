"""The one domain error: bad input, named by the field that is wrong."""

from __future__ import annotations


class InputError(ValueError):
    """Input that cannot be evaluated. `field` is a dotted path such as `liver.alt` or `items[3]`.

    Every face of the core (CLI, API, pages) shows `message` beside `field` and changes nothing.
    """

    def __init__(self, message: str, field: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str]:
        return {"error": self.message, "field": self.field}


class NotFoundError(InputError):
    """An id or MRN that names no record the actor may reach: unknown, or another patient's record
    named under this patient. The API answers 404; pages show it like any other bad input."""


class ConflictError(InputError):
    """Well-formed input that conflicts with the record as it stands: already recorded, already
    signed, already resolved, a stale version. The API answers 409; nothing is written."""
