"""What treatment provides to the areas below it, which cannot import it (monitoring)."""

from __future__ import annotations

from datetime import date

from naltrack.clinical.vocab import Formulation
from naltrack.patients.models import Patient

from .models import Administration, AdministrationStatus


def last_injection_id(patient: Patient, on: date) -> int | None:
    """The patient's last extended-release injection given on or before `on` (an injection-site
    reaction noted that day is tied to it)."""
    return (
        Administration.objects.filter(
            patient=patient, formulation=Formulation.XR_INJECTION,
            status=AdministrationStatus.GIVEN, given_on__lte=on,
        ).order_by("-given_at").values_list("pk", flat=True).first()
    )  # fmt: skip
