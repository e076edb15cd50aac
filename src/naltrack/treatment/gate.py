"""The induction gate: may a first dose be given on this day? The core decides
(clinical.mar.first_dose_refusal, from the latest signed screening; issue 3; Part A A1-A4; and
clinical.mar.first_dose_urine_refusal, the urine screen of Part A A2, issue 12); this module reads
the record and raises the core's refusal. No writes."""

from __future__ import annotations

from datetime import date

from naltrack.clinical.errors import InputError
from naltrack.clinical.mar import first_dose_refusal, first_dose_urine_refusal, lifts
from naltrack.clinical.policy import Policy
from naltrack.clinical.vocab import Indication
from naltrack.patients.models import Episode

from .facts import override_for, signed_screening, urine_screens


def check_first_dose(episode: Episode, day: date, policy: Policy) -> None:
    """Refuse with the core's reason unless the latest signed screening allows a first dose and,
    for OUD, a recent negative urine screen is on file or a prescriber's written override for the
    day lifts its absence."""
    problem = first_dose_refusal(signed_screening(episode), day, policy)
    if problem is not None:
        raise InputError(problem.message, problem.field)
    urine = first_dose_urine_refusal(
        Indication.OUD in episode.indications, urine_screens(episode.patient, day), day, policy
    )
    if urine is not None and not lifts(override_for(episode.patient, day), urine):
        raise InputError(urine.message, urine.field)
