"""The portal's words for the record's codes, in plain language and translatable."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from naltrack.appointments.models import AppointmentKind

VISIT_WORDS: dict[str, Promise] = {
    AppointmentKind.INDUCTION: _("First dose visit"),
    AppointmentKind.INJECTION: _("Injection visit"),
    AppointmentKind.PRESCRIBER_REVIEW: _("Visit with your prescriber"),
    AppointmentKind.COUNSELLING: _("Counseling session"),
    AppointmentKind.LAB: _("Lab test"),
}

FORMULATION_WORDS: dict[str, Promise] = {
    "oral": _("naltrexone tablets"),
    "xr_injection": _("a naltrexone injection once a month"),
    "implant": _("a naltrexone implant"),
}


def visit_words(kind: str) -> str:
    return str(VISIT_WORDS.get(kind, _("Visit")))


def tablets(mg: int | None) -> str:
    """How many 50 mg tablets a dose is, in words a patient counts ("1", "2", "1/2")."""
    if mg is None:
        return ""
    whole, half = divmod(mg, 50)
    if half and not whole:
        return "½"
    return f"{whole}½" if half else str(whole)
