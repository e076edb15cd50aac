"""Readable builders for test data. Explicit values only: no randomness, no clock."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import Any

from naltrack.clinical.findings import Code, Finding, Severity
from naltrack.clinical.screening import ScreeningResult, screen
from naltrack.clinical.screening_facts import (
    Analyte,
    LabResult,
    LastOpioidUse,
    Liver,
    Phq9Summary,
    ScreeningFacts,
    UrineDrugScreen,
)
from naltrack.clinical.vocab import Formulation, Indication, OpioidKind, SexAtBirth

AS_OF = date(2026, 11, 21)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def negative_uds(on: date = AS_OF - timedelta(days=1)) -> UrineDrugScreen:
    return UrineDrugScreen(on, {a: LabResult.NEGATIVE for a in Analyte})


def eligible_oud(**changes: Any) -> ScreeningFacts:
    """A 40-year-old man with OUD, 30 days opioid-free, everything verified: eligible for oral."""
    base = ScreeningFacts(
        as_of=AS_OF,
        indications=frozenset({Indication.OUD}),
        formulation=Formulation.ORAL,
        age_years=40,
        sex_at_birth=SexAtBirth.MALE,
        last_opioid_use=LastOpioidUse(AS_OF - days(30), OpioidKind.SHORT_ACTING),
        urine_drug_screen=negative_uds(),
        cows_score=1,
        liver=Liver(alt=30, ast=28, alt_uln=40, ast_uln=40, date=AS_OF - days(10)),
        bmi=25.0,
        phq9=Phq9Summary(total=3, item9=0),
    )
    return dataclasses.replace(base, **changes)


def eligible_aud(**changes: Any) -> ScreeningFacts:
    """A 50-year-old woman with AUD only, not pregnant, sober for a week."""
    base = ScreeningFacts(
        as_of=AS_OF,
        indications=frozenset({Indication.AUD}),
        formulation=Formulation.XR_INJECTION,
        age_years=50,
        sex_at_birth=SexAtBirth.FEMALE,
        pregnant=False,
        last_alcohol_use=AS_OF - days(7),
        ciwa_ar_score=2,
        liver=Liver(alt=30, ast=28, alt_uln=40, ast_uln=40, date=AS_OF - days(10)),
        bmi=25.0,
        phq9=Phq9Summary(total=3, item9=0),
    )
    return dataclasses.replace(base, **changes)


def findings(result: ScreeningResult, code: Code) -> list[Finding]:
    return [f for f in result.findings if f.code is code]


def only(result: ScreeningResult, code: Code) -> Finding:
    found = findings(result, code)
    assert len(found) == 1, f"expected one {code}, got {result.findings}"
    return found[0]


def non_info_codes(result: ScreeningResult) -> set[Code]:
    return {f.code for f in result.findings if f.severity is not Severity.INFO}


def run(facts: ScreeningFacts) -> ScreeningResult:
    return screen(facts)
