"""The words a person reads for the treatment's codes (formulations, regimens, injection timing
tiers): pages and messages show these, never the code (issue 12: `xr_injection` in place of
words). The codes stay in the database, the API and the CLI."""

from __future__ import annotations

from naltrack.clinic import active_policy
from naltrack.clinical.policy import Policy
from naltrack.clinical.regimens import InjectionTier, regimens
from naltrack.clinical.vocab import Formulation
from naltrack.screening.words import formulation_label as formulation_label

# The injection timing tiers of Part A A5 as the MAR shows them beside a dose.
TIER_LABELS: dict[str, str] = {
    "first_dose": "first dose",
    InjectionTier.TOO_EARLY.value: "too early",
    InjectionTier.EARLY_WINDOW.value: "a few days early",
    InjectionTier.DUE.value: "on time",
    InjectionTier.LATE.value: "late",
    InjectionTier.LATE_UDS_REQUIRED.value: "late: urine screen required",
    InjectionTier.RESCREEN.value: "late: screened again",
}


def regimen_label(code: str, policy: Policy | None = None) -> str:
    """The regimen's title; a regimen whose interval is a clinic setting (the implant's coverage,
    Part A A5) says the clinic's number of days."""
    regimen = regimens().get(code)
    if regimen is None:
        return code
    if regimen.formulation is Formulation.IMPLANT:
        days = regimen.interval(policy or active_policy())
        return f"{regimen.title}: coverage for {days} days (clinic setting)"
    return regimen.title


def tier_label(code: str) -> str:
    return TIER_LABELS.get(code, code.replace("_", " "))
