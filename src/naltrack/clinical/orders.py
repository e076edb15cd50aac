"""A naltrexone order checked against its formulation and regimen before a prescriber signs it.

The order's dose must be one the formulation comes in and the regimen gives (Part A A5):
- injection: 380 mg, the one strength (fact sheet 2.3: "Only one strength");
- oral, a regimen of the label or the reference (daily 50 mg; 100 mg every other day; 150 mg
  every third day; targeted 50 mg): the regimen's dose. A weekly pattern (Mon-Wed-Fri 100/100/
  150 mg; weekdays 50 mg + Saturday 100 mg) names its largest single dose, so the order caps what
  a nurse may give on any day of the pattern;
- oral, a prescriber's own schedule: whole half-tablets up to `oral_max_single_dose_mg`, read as
  that dose every day (as the dose log reads it); a weekly total other than the clinic's
  `oral_weekly_total_mg` needs a written reason (Part A A5: "refused unless the prescriber
  records a reason");
- implant (off-label): a dose inside the clinic's `implant_order_min_mg`..`implant_order_max_mg`
  (fact sheet 2.5: the series run from 1.1 g to 3.4 g).
Targeted dosing is refused for a patient with an OUD indication (Part A A5).
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .mar import INJECTION_STRENGTHS_MG, oral_dose_refusal
from .policy import Policy
from .regimens import Regimen, regimens
from .vocab import Formulation, Indication


@dataclass(frozen=True, slots=True)
class OrderRequest:
    """What a prescriber asks to sign."""

    formulation: str
    regimen: str
    dose_mg: int
    indications: frozenset[Indication]
    reason: str = ""  # why a prescriber's own oral schedule is not the clinic's weekly total


def regimen_dose_mg(reg: Regimen) -> int | None:
    """The dose an order of this regimen names: the regimen's own dose, or for a weekly pattern
    its largest single dose. None: the prescriber chooses it (own schedule, implant)."""
    if reg.weekly is not None:
        return max(reg.weekly.values())
    return reg.dose_mg


def check_order(req: OrderRequest, policy: Policy) -> None:
    """Refuse an order the formulation or the regimen does not allow (InputError naming the
    field); return None for an order that may be signed."""
    reg = regimens().get(req.regimen)
    if reg is None:
        raise InputError("is not a known regimen", "regimen")
    if reg.formulation.value != req.formulation:
        raise InputError(
            f"is a regimen for {reg.formulation.value}, not {req.formulation}", "regimen"
        )
    if reg.aud_only and Indication.OUD in req.indications:
        raise InputError(
            "targeted (as-needed) dosing is for alcohol use disorder only; it is refused for a "
            "patient with an OUD indication, who needs a continuous blockade (Part A A5)",
            "regimen",
        )
    dose = req.dose_mg
    if reg.formulation is Formulation.XR_INJECTION:
        if dose not in INJECTION_STRENGTHS_MG:
            raise InputError(
                f"the injection comes only as {INJECTION_STRENGTHS_MG[0]} mg (fact sheet 2.3); "
                f"an order for {dose} mg is refused",
                "dose_mg",
            )
        return
    if reg.formulation is Formulation.IMPLANT:
        low, high = policy.implant_order_min_mg, policy.implant_order_max_mg
        if not low <= dose <= high:
            raise InputError(
                f"an implant order is {low}-{high} mg (the clinic's implant policy; fact sheet "
                f"2.5); {dose} mg is refused",
                "dose_mg",
            )
        return
    expected = regimen_dose_mg(reg)
    if expected is not None:
        if dose != expected:
            raise InputError(
                f"{reg.title}: the order's dose is {expected} mg, not {dose} mg", "dose_mg"
            )
        return
    problem = oral_dose_refusal(dose, policy)
    if problem is not None:
        raise InputError(problem.message, "dose_mg")
    weekly = dose * 7
    if weekly != policy.oral_weekly_total_mg and not req.reason.strip():
        raise InputError(
            f"a prescriber's own schedule is read as {dose} mg every day, {weekly} mg a week, "
            f"not the clinic's weekly total of {policy.oral_weekly_total_mg} mg; write the reason "
            "to use it (Part A A5)",
            "reason",
        )


def order_rules_words(policy: Policy) -> str:
    """What `check_order` allows, in one sentence for the prescriber's order form."""
    return (
        "The dose must be one the formulation and regimen allow (Part A A5): the injection "
        f"{INJECTION_STRENGTHS_MG[0]} mg; tablets the regimen's dose (50 mg daily, 100 mg every "
        "other day, 150 mg every third day; a weekly pattern names its largest dose: Mon-Wed-Fri "
        "150 mg, weekdays + Saturday 100 mg); your own tablet schedule is a daily dose in 25 mg "
        "steps and needs a reason unless it makes the clinic's weekly total "
        f"({policy.oral_weekly_total_mg} mg); an implant {policy.implant_order_min_mg}-"
        f"{policy.implant_order_max_mg} mg."
    )
