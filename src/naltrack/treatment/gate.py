"""The induction gate: may a first dose be given on this day? The core decides
(clinical.mar.first_dose_refusal, from the latest signed screening; issue 3; Part A A1-A4);
this module reads the record and raises the core's refusal. No writes."""

from __future__ import annotations

from datetime import date

from naltrack.clinical.errors import InputError
from naltrack.clinical.mar import first_dose_refusal
from naltrack.clinical.policy import Policy
from naltrack.patients.models import Episode

from .facts import signed_screening


def check_first_dose(episode: Episode, day: date, policy: Policy) -> None:
    """Refuse with the core's reason unless the latest signed screening allows a first dose."""
    problem = first_dose_refusal(signed_screening(episode), day, policy)
    if problem is not None:
        raise InputError(problem.message, problem.field)
