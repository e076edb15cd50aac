"""The standard codes the records are shown with (clinical/codes.py), against the clinical
reference's section 8: RxNorm per formulation, ICD-10-CM and SNOMED CT per DSM-5 severity, LOINC
for the observations; a concept the reference has no code for is its words only."""

from __future__ import annotations

import pytest

from naltrack.clinical import codes
from naltrack.clinical.errors import InputError


def pairs(concept: codes.Concept) -> set[tuple[str, str]]:
    return {(c.system, c.code) for c in concept.codings}


def test_naltrexone_products_in_rxnorm() -> None:
    assert pairs(codes.naltrexone_product("xr_injection")) == {(codes.RXNORM, "637213")}
    assert pairs(codes.naltrexone_product("oral")) == {(codes.RXNORM, "1483744")}
    implant = codes.naltrexone_product("implant")
    assert implant.codings == () and implant.text == "naltrexone implant"
    assert "380 mg" in codes.naltrexone_product("xr_injection").text
    assert "50 mg" in codes.naltrexone_product("oral").text
    with pytest.raises(InputError) as refused:
        codes.naltrexone_product("patch")
    assert refused.value.field == "formulation"
    assert refused.value.message == "unknown formulation 'patch'"


@pytest.mark.parametrize(("indication", "severity", "icd", "snomed", "text"), [
    ("OUD", "mild", "F11.10", "5602001", "Opioid use disorder, mild"),
    ("OUD", "moderate", "F11.20", "75544000", "Opioid use disorder, moderate"),
    ("OUD", "severe", "F11.20", "75544000", "Opioid use disorder, severe"),
    ("AUD", "mild", "F10.10", "15167005", "Alcohol use disorder, mild"),
    ("AUD", "moderate", "F10.20", "66590003", "Alcohol use disorder, moderate"),
    ("AUD", "severe", "F10.20", "66590003", "Alcohol use disorder, severe"),
])  # fmt: skip
def test_diagnoses_by_dsm5_severity(indication: str, severity: str, icd: str, snomed: str,
                                    text: str) -> None:  # fmt: skip
    concept = codes.diagnosis(indication, severity)
    assert concept.text == text
    assert concept.codings == (
        codes.Coding(codes.ICD10CM, icd, codes._ICD10_TITLES[icd]),
        codes.Coding(codes.SNOMED, snomed, concept.codings[1].display),
    )
    # the titles say abuse for mild and dependence otherwise, as ICD-10-CM's do
    word = "abuse" if severity == "mild" else "dependence"
    assert all(word in c.display.lower() for c in concept.codings)


def test_no_severity_is_words_only_and_a_bad_indication_is_refused() -> None:
    assert codes.diagnosis("OUD", "none") == codes.Concept("Opioid use disorder")
    assert codes.diagnosis("AUD", "") == codes.Concept("Alcohol use disorder")
    with pytest.raises(InputError) as refused:
        codes.diagnosis("GUD", "mild")
    assert refused.value.field == "indication"
    assert refused.value.message == "must be OUD or AUD (got 'GUD')"


def test_loinc_for_the_observations_the_reference_codes() -> None:
    assert pairs(codes.OBSERVATIONS["phq9"]) == {(codes.LOINC, "44261-6")}
    assert pairs(codes.OBSERVATIONS["weight"]) == {(codes.LOINC, "29463-7")}
    assert len(codes.PHQ9_ITEMS) == 9 and codes.PHQ9_ITEMS[8].code == "44260-8"
    assert len({c.code for c in codes.PHQ9_ITEMS}) == 9
    assert (codes.ALT.code, codes.AST.code, codes.BILIRUBIN.code) == ("1742-6", "1920-8", "1975-2")
    assert (codes.BODY_HEIGHT.code, codes.BMI.code) == ("8302-2", "39156-5")
    urine = {k: [c.code for c in v.codings] for k, v in codes.URINE_ANALYTES.items()}
    assert urine == {"opioids": ["19295-5"], "fentanyl": ["59673-4"], "methadone": ["19550-3"],
                     "buprenorphine": ["58359-1"], "oxycodone": []}  # fmt: skip
    assert {k: v.code for k, v in codes.RESULT.items()} == {"positive": "10828004", "negative": "260385009"}  # fmt: skip


def test_what_the_reference_has_no_code_for_is_words_only() -> None:
    for kind in ("cows", "ciwa_ar", "audit", "craving", "pregnancy_test", "naloxone_challenge",
                 "substance_use", "urine_screen", "liver"):  # fmt: skip
        assert codes.OBSERVATIONS[kind].codings == (), kind
        assert codes.OBSERVATIONS[kind].text
    assert codes.CATEGORY == {"urine_screen": "laboratory", "liver": "laboratory",
                              "pregnancy_test": "laboratory", "weight": "vital-signs",
                              "naloxone_challenge": "procedure", "substance_use": "social-history"}  # fmt: skip
    assert codes.SURVEY == "survey"
