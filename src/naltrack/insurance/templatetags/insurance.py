"""The MAR page's line on the injection's prior authorization, and the implant page's on the
implant's (issue 15)."""

from __future__ import annotations

from typing import Any

from django import template

from naltrack.clinical.vocab import Formulation
from naltrack.clock import today
from naltrack.insurance.services import mar_state
from naltrack.patients.models import Patient

register = template.Library()


@register.inclusion_tag("insurance/_mar_state.html")
def prior_auth_state(
    patient: Patient, formulation: str = Formulation.XR_INJECTION
) -> dict[str, Any]:
    return {"pa": mar_state(patient, today(), formulation), "p": patient}
