"""The facts a screening was decided on, as a clinician reads them: one line per fact, its name
and its value in words with its unit (issue 12: "Facts used" showed a raw Python dict). The
stored document keeps the contract's JSON (shared/contracts/screening.md); this only shows it."""

from __future__ import annotations

from typing import Any

from naltrack.patients.models import OpioidKindChoice, SexAtBirthChoice

from .models import FormulationChoice

_FORMULATIONS = dict(FormulationChoice.choices)
_OPIOID_KINDS = dict(OpioidKindChoice.choices)
_SEXES = dict(SexAtBirthChoice.choices)

# The contract's facts in the order a clinician reads them, each with its name.
LABELS: dict[str, str] = {
    "as_of": "Screened as of",
    "indications": "Indications",
    "formulation": "Formulation",
    "age_years": "Age",
    "sex_at_birth": "Sex at birth",
    "pregnant": "Pregnant",
    "breastfeeding": "Breastfeeding",
    "last_opioid_use": "Last opioid use",
    "last_alcohol_use": "Last alcohol use",
    "urine_drug_screen": "Urine drug screen",
    "naloxone_challenge": "Naloxone challenge",
    "cows_score": "COWS (opioid withdrawal)",
    "ciwa_ar_score": "CIWA-Ar (alcohol withdrawal)",
    "liver": "Liver tests",
    "renal_impairment": "Renal impairment",
    "coagulation_disorder": "Coagulation disorder",
    "platelets_10e9_per_l": "Platelets",
    "bmi": "Body mass index",
    "phq9": "PHQ-9",
    "medications": "Medications",
    "allergies": "Allergies",
    "needs_opioid_analgesia": "Needs opioid pain relief",
    "planned_surgery_date": "Planned surgery",
}


def _number(value: Any) -> str:
    return (
        f"{value:g}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else str(value)
    )


def _yes_no(value: Any) -> str:
    return "not known" if value is None else ("yes" if value else "no")


def _dated(value: dict[str, Any], what: str) -> str:
    return f"{value['date']}: {what}" if value.get("date") else what


def _liver(v: dict[str, Any]) -> str:
    parts = []
    for test in ("alt", "ast"):
        if v.get(test) is not None:
            uln = v.get(f"{test}_uln")
            limit = f" (upper limit {_number(uln)})" if uln is not None else ""
            parts.append(f"{test.upper()} {_number(v[test])} U/L{limit}")
    for flag, words in (("acute_hepatitis", "acute hepatitis"), ("liver_failure", "liver failure")):
        if v.get(flag) is not None:
            parts.append(f"{words}: {_yes_no(v[flag])}")
    return _dated(v, ", ".join(parts) or "no values")


def _urine(v: dict[str, Any]) -> str:
    results = [f"{name} {result}" for name, result in v.items() if name != "date"]
    return _dated(v, ", ".join(results) or "no results")


def _list(values: Any) -> str:
    names = [item.get("name", "") if isinstance(item, dict) else str(item) for item in values or ()]
    return ", ".join(n for n in names if n) or "none recorded"


def formulation_label(code: str) -> str:
    return _FORMULATIONS.get(code, code)


def fact_value(name: str, value: Any) -> str:
    """One fact's value in words, with its unit."""
    if value is None:
        return "not known"
    match name:
        case "indications":
            return ", ".join(str(v) for v in value)
        case "formulation":
            return _FORMULATIONS.get(value, str(value))
        case "age_years":
            return f"{value} years"
        case "sex_at_birth":
            return _SEXES.get(value, str(value))
        case "last_opioid_use":
            kind = _OPIOID_KINDS.get(value.get("kind", ""), "kind not recorded")
            return f"{value.get('date')} ({kind})"
        case "urine_drug_screen":
            return _urine(value)
        case "naloxone_challenge":
            return _dated(value, str(value.get("result", "")))
        case "liver":
            return _liver(value)
        case "platelets_10e9_per_l":
            return f"{_number(value)} \u00d7 10\u2079/L"  # x 10^9 per litre
        case "bmi":
            return f"{_number(value)} kg/m²"
        case "phq9":
            return f"{value.get('total')} of 27; item 9 (thoughts of self-harm) {value.get('item9')} of 3"
        case "cows_score" | "ciwa_ar_score":
            return _number(value)
        case "medications" | "allergies":
            return _list(value)
    if isinstance(value, bool):
        return _yes_no(value)
    return _number(value) if isinstance(value, int | float) else str(value)


def fact_rows(facts: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The facts as (name, value in words), in the order of LABELS; a fact this list does not
    know yet is shown with its name in words, never dropped."""
    facts = facts or {}
    known = [name for name in LABELS if name in facts]
    other = sorted(name for name in facts if name not in LABELS)
    return [
        (LABELS.get(name, name.replace("_", " ").capitalize()), fact_value(name, facts[name]))
        for name in (*known, *other)
    ]
