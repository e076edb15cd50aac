"""What the insurance lists need from the record areas above the insurance area: each patient on
the injection and their next due day (the core's, as the care status holds it)."""

from __future__ import annotations

from datetime import date

from naltrack.alerts.models import CareStatus
from naltrack.clinic import active_policy
from naltrack.clinical.authorization import lead_until
from naltrack.clinical.vocab import Formulation
from naltrack.patients.models import Patient


def injection_due_by(on: date) -> dict[Patient, date | None]:
    """The patients on the injection whose next injection is due by the end of the lead time."""
    rows = CareStatus.objects.select_related("patient").filter(
        active=True, formulation=Formulation.XR_INJECTION,
        next_due_on__lte=lead_until(on, active_policy()),
    )  # fmt: skip
    return {c.patient: c.next_due_on for c in rows}
