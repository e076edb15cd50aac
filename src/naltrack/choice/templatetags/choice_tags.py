"""The medication choices on the treatment plan page: `{% medication_choices patient %}`. A tag,
so that the plan page (treatment, below this area) shows them without importing this area."""

from __future__ import annotations

from typing import Any

from django import template

from naltrack.patients.models import Patient

from ..services import choices_of

register = template.Library()


@register.inclusion_tag("choice/_plan.html")
def medication_choices(patient: Patient) -> dict[str, Any]:
    return {"choices": choices_of(patient), "patient": patient}
