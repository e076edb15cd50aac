"""What the MAR shows at a first dose (issue 12): the signed screening the first-dose gate reads
(treatment/facts.py signed_screening), with its open findings (the core's: clinical.signoff), so
the nurse reads them before giving. Queries only: nothing is decided or written here."""

from __future__ import annotations

from dataclasses import dataclass

from naltrack.clinical.findings import Finding
from naltrack.clinical.signoff import open_findings
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode
from naltrack.screening.models import ScreeningRecord

from .facts import earlier_dose_in


@dataclass(frozen=True, slots=True)
class FirstDoseScreening:
    record: ScreeningRecord
    open: tuple[Finding, ...]  # blocks and reviews: what the nurse must read
    other: tuple[Finding, ...]  # for information


def first_dose_screening(patient: Patient, *, restart: bool = False) -> FirstDoseScreening | None:
    """The latest signed screening of the episode when the next dose is its first (or a re-start
    in the re-screen tier, `restart`), with its findings split as the core says; else None."""
    episode = active_episode(patient)
    if not restart and earlier_dose_in(episode):
        return None
    rec = (
        ScreeningRecord.objects.filter(episode=episode, signed_at__isnull=False)
        .order_by("-as_of", "-signed_at")
        .first()
    )
    if rec is None:
        return None
    found = rec.findings_of()
    shown = open_findings(found)
    return FirstDoseScreening(rec, shown, tuple(f for f in found if f not in shown))
