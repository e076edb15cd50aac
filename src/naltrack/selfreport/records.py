"""Reading what patients reported into the core's inputs (queries only, no writes, no audit: the
callers audit what they show). The alert refresh reads many patients at once, the chart and the
portal one; the same rows reach the core either way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from naltrack.clinical import checkin as core
from naltrack.clinical.policy import Policy
from naltrack.patients.models import Patient
from naltrack.treatment.facts import tablet_order

from .models import CheckIn, DoseLogEntry, DoseStatus


def as_core(row: CheckIn) -> core.CheckIn:
    phq2 = None
    if row.phq2_interest is not None and row.phq2_mood is not None:
        phq2 = core.Phq2(row.phq2_interest, row.phq2_mood, row.phq2_self_harm or 0)
    return core.CheckIn(
        day=row.day,
        craving=row.craving,
        opioid_use=row.opioid_use,
        alcohol_use=row.alcohol_use,
        use_what=row.use_what,
        side_effects=frozenset(core.SideEffect(s) for s in row.side_effects),
        phq2=phq2,
        crisis_line_shown=row.crisis_line_shown,
    )


def checkins_of(patient_ids: Sequence[int], since: date, on: date) -> dict[int, list[core.CheckIn]]:
    """Each patient's check-ins from `since` to `on`, oldest first."""
    out: dict[int, list[core.CheckIn]] = defaultdict(list)
    for row in CheckIn.objects.filter(
        patient_id__in=list(patient_ids), day__gte=since, day__lte=on
    ).order_by("patient_id", "day"):
        out[row.patient_id].append(as_core(row))
    return out


def taken_tablets_of(
    patient_ids: Sequence[int], since: date, on: date
) -> dict[int, list[tuple[date, float | None]]]:
    """Each patient's tablets logged as taken, from `since` to `on` (day, scheduled mg)."""
    out: dict[int, list[tuple[date, float | None]]] = defaultdict(list)
    for pk, day, mg in (
        DoseLogEntry.objects.filter(
            patient_id__in=list(patient_ids), status=DoseStatus.TAKEN, day__gte=since, day__lte=on
        )
        .order_by("patient_id", "day")
        .values_list("patient_id", "day", "dose_mg")
    ):
        out[pk].append((day, float(mg) if mg is not None else None))
    return out


def tablet_schedule(
    patient: Patient, first: date, last: date, policy: Policy
) -> list[core.ScheduledTablet]:
    """The tablets the patient's active oral order schedules from `first` to `last`: the order
    and its anchor (the day it was signed) from treatment.facts.tablet_order, the days from the
    core, exactly as the portal's Home reads today's tablet."""
    order = tablet_order(patient)
    if order is None:
        return []
    return core.scheduled_tablets(
        order.regimen, order.signed_on, first, last, order.dose_mg, policy
    )
