"""Reading a screening's facts from the contract's JSON (shared/contracts/screening.md): every
field, its bounds (the value of, and one past, each limit) and the field an error names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.screening_facts import (
    Analyte,
    LabResult,
    LastOpioidUse,
    Liver,
    MedicationEntry,
    NaloxoneChallenge,
    Phq9Summary,
    RenalImpairment,
    ScreeningFacts,
    UrineDrugScreen,
    parse_screening_facts,
)
from naltrack.clinical.vocab import Formulation, Indication, OpioidKind, SexAtBirth

BASE: dict[str, Any] = {"as_of": "2026-11-21", "indications": ["OUD"], "formulation": "oral"}
AS_OF = date(2026, 11, 21)


def parse(**fields: Any) -> ScreeningFacts:
    return parse_screening_facts({**BASE, **fields})


def refused(**fields: Any) -> tuple[str, str]:
    with pytest.raises(InputError) as err:
        parse_screening_facts({**BASE, **fields})
    return err.value.field, err.value.message


def test_every_field_of_a_full_document_is_read() -> None:
    got = parse_screening_facts(
        {
            "as_of": "2026-11-21",
            "indications": ["OUD", "AUD"],
            "formulation": "xr_injection",
            "age_years": 34,
            "sex_at_birth": "female",
            "pregnant": False,
            "breastfeeding": True,
            "last_opioid_use": {"date": "2026-11-01", "kind": "fentanyl"},
            "last_alcohol_use": "2026-11-20",
            "urine_drug_screen": {
                "date": "2026-11-20",
                "opioids": "negative",
                "fentanyl": "positive",
            },
            "naloxone_challenge": {"date": "2026-11-21", "result": "negative"},
            "cows_score": 3,
            "ciwa_ar_score": 4,
            "liver": {
                "acute_hepatitis": False,
                "liver_failure": True,
                "alt": 80,
                "ast": 70.5,
                "alt_uln": 40,
                "ast_uln": 35,
                "date": "2026-11-02",
            },
            "renal_impairment": "moderate",
            "coagulation_disorder": True,
            "platelets_10e9_per_l": 150,
            "bmi": 31.5,
            "phq9": {"total": 12, "item9": 1},
            "medications": [" sertraline ", {"name": " tramadol ", "rxnorm": " 10689 "}],
            "allergies": [" penicillin "],
            "needs_opioid_analgesia": False,
            "planned_surgery_date": "2027-01-10",
        }
    )
    assert got == ScreeningFacts(
        as_of=AS_OF,
        indications=frozenset({Indication.OUD, Indication.AUD}),
        formulation=Formulation.XR_INJECTION,
        age_years=34,
        sex_at_birth=SexAtBirth.FEMALE,
        pregnant=False,
        breastfeeding=True,
        last_opioid_use=LastOpioidUse(date(2026, 11, 1), OpioidKind.FENTANYL),
        last_alcohol_use=date(2026, 11, 20),
        urine_drug_screen=UrineDrugScreen(
            date(2026, 11, 20),
            {Analyte.OPIOIDS: LabResult.NEGATIVE, Analyte.FENTANYL: LabResult.POSITIVE},
        ),
        naloxone_challenge=NaloxoneChallenge(AS_OF, LabResult.NEGATIVE),
        cows_score=3,
        ciwa_ar_score=4,
        liver=Liver(False, True, 80.0, 70.5, 40.0, 35.0, date(2026, 11, 2)),
        renal_impairment=RenalImpairment.MODERATE,
        coagulation_disorder=True,
        platelets_10e9_per_l=150.0,
        bmi=31.5,
        phq9=Phq9Summary(12, 1),
        medications=(MedicationEntry("sertraline"), MedicationEntry("tramadol", "10689")),
        allergies=("penicillin",),
        needs_opioid_analgesia=False,
        planned_surgery_date=date(2027, 1, 10),
    )


def test_a_minimal_document_leaves_every_other_fact_unknown() -> None:
    assert parse() == ScreeningFacts(AS_OF, frozenset({Indication.OUD}), Formulation.ORAL)


def test_null_facts_are_unknown_facts() -> None:
    optional = [
        "age_years", "sex_at_birth", "pregnant", "breastfeeding", "last_opioid_use",
        "last_alcohol_use", "urine_drug_screen", "naloxone_challenge", "cows_score",
        "ciwa_ar_score", "liver", "renal_impairment", "coagulation_disorder",
        "platelets_10e9_per_l", "bmi", "phq9", "medications", "allergies",
        "needs_opioid_analgesia", "planned_surgery_date",
    ]  # fmt: skip
    assert parse(**dict.fromkeys(optional)) == parse()


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize(
    "field", ["pregnant", "breastfeeding", "coagulation_disorder", "needs_opioid_analgesia"]
)
def test_yes_no_facts_keep_true_and_false(field: str, value: bool) -> None:
    assert getattr(parse(**{field: value}), field) is value


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("age_years", 0, 120), ("cows_score", 0, 48), ("ciwa_ar_score", 0, 67)],
)
def test_whole_number_facts_accept_their_bounds_and_refuse_one_past(
    field: str, low: int, high: int
) -> None:
    assert getattr(parse(**{field: low}), field) == low
    assert getattr(parse(**{field: high}), field) == high
    assert refused(**{field: low - 1}) == (field, f"must be from {low} to {high} (got {low - 1})")
    assert refused(**{field: high + 1}) == (field, f"must be from {low} to {high} (got {high + 1})")


@pytest.mark.parametrize(
    ("field", "low", "high", "below", "above"),
    [("platelets_10e9_per_l", 0, 5000, -0.5, 5000.5), ("bmi", 5, 150, 4.9, 150.1)],
)
def test_number_facts_accept_their_bounds_and_refuse_past_them(
    field: str, low: float, high: float, below: float, above: float
) -> None:
    assert getattr(parse(**{field: low}), field) == low
    assert getattr(parse(**{field: high}), field) == high
    assert refused(**{field: below}) == (field, f"must be from {low:g} to {high:g} (got {below:g})")
    assert refused(**{field: above}) == (field, f"must be from {low:g} to {high:g} (got {above:g})")


@pytest.mark.parametrize(
    ("key", "low", "high", "below", "above"),
    [("alt", 0, 100_000, -1, 100_001), ("ast", 0, 100_000, -1, 100_001),
     ("alt_uln", 0.001, 100_000, 0.0005, 100_001), ("ast_uln", 0.001, 100_000, 0, 100_001)],
)  # fmt: skip
def test_liver_values_accept_their_bounds_and_refuse_past_them(
    key: str, low: float, high: float, below: float, above: float
) -> None:
    uln = {"alt_uln": 40, "ast_uln": 40}
    for ok in (low, high):
        liver = parse(liver={**uln, key: ok}).liver
        assert liver is not None and getattr(liver, key) == ok
    for bad in (below, above):
        assert refused(liver={**uln, key: bad}) == (
            f"liver.{key}", f"must be from {low:g} to {high:g} (got {bad:g})",
        )  # fmt: skip


@pytest.mark.parametrize(("value", "uln"), [("alt", "alt_uln"), ("ast", "ast_uln")])
def test_a_liver_value_needs_the_labs_upper_limit(value: str, uln: str) -> None:
    assert refused(liver={value: 80}) == (
        f"liver.{uln}", f"is required with liver.{value} (the lab's upper limit)",
    )  # fmt: skip
    liver = parse(liver={uln: 40}).liver
    assert liver is not None and getattr(liver, uln) == 40


def test_liver_flags_alone_are_read() -> None:
    assert parse(liver={"acute_hepatitis": True}).liver == Liver(acute_hepatitis=True)
    assert parse(liver={}).liver == Liver()


@pytest.mark.parametrize(
    ("phq9", "expected"),
    [
        ({"total": 0, "item9": 0}, Phq9Summary(0, 0)),
        ({"total": 27, "item9": 3}, Phq9Summary(27, 3)),
        ({"total": 2, "item9": 2}, Phq9Summary(2, 2)),
    ],
)
def test_phq9_summary_is_read(phq9: dict[str, int], expected: Phq9Summary) -> None:
    assert parse(phq9=phq9).phq9 == expected


@pytest.mark.parametrize(
    ("phq9", "expected"),
    [
        ({"item9": 1}, ("phq9.total", "is required (0-27)")),
        ({"total": 5}, ("phq9.item9", "is required (0-3)")),
        ({"total": 28, "item9": 0}, ("phq9.total", "must be from 0 to 27 (got 28)")),
        ({"total": -1, "item9": 0}, ("phq9.total", "must be from 0 to 27 (got -1)")),
        ({"total": 9, "item9": 4}, ("phq9.item9", "must be from 0 to 3 (got 4)")),
        ({"total": 9, "item9": -1}, ("phq9.item9", "must be from 0 to 3 (got -1)")),
        ({"total": 1, "item9": 2}, ("phq9.item9", "cannot be more than phq9.total")),
        ({"total": 1, "item9": 0, "item8": 1}, ("phq9.item8",
         "unknown field 'item8' (allowed: item9, total)")),
    ],
)  # fmt: skip
def test_a_bad_phq9_summary_is_refused_by_name(
    phq9: dict[str, int], expected: tuple[str, str]
) -> None:
    assert refused(phq9=phq9) == expected


def test_last_opioid_use_of_unknown_kind_is_treated_as_unknown() -> None:
    got = parse(last_opioid_use={"date": "2026-11-01"})
    assert got.last_opioid_use == LastOpioidUse(date(2026, 11, 1), OpioidKind.UNKNOWN)


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [
        ("last_opioid_use", {"date": "{day}", "kind": "methadone"}, "last_opioid_use.date"),
        ("last_alcohol_use", "{day}", "last_alcohol_use"),
        ("urine_drug_screen", {"date": "{day}", "opioids": "negative"}, "urine_drug_screen.date"),
        ("naloxone_challenge", {"date": "{day}", "result": "negative"}, "naloxone_challenge.date"),
        ("liver", {"date": "{day}"}, "liver.date"),
    ],
)
def test_observed_facts_may_be_dated_as_of_but_not_after(field: str, value: Any, path: str) -> None:
    def on(day: str) -> Any:
        if isinstance(value, str):
            return value.format(day=day)
        return {k: v.format(day=day) for k, v in value.items()}

    parse(**{field: on("2026-11-21")})
    assert refused(**{field: on("2026-11-22")}) == (
        path, "2026-11-22 is after as_of (2026-11-21)",
    )  # fmt: skip


def test_a_planned_surgery_may_be_in_the_future() -> None:
    assert parse(planned_surgery_date="2027-02-01").planned_surgery_date == date(2027, 2, 1)


def test_every_urine_analyte_is_read() -> None:
    screen = {a.value: "positive" for a in Analyte}
    got = parse(urine_drug_screen={"date": "2026-11-20", **screen}).urine_drug_screen
    assert got == UrineDrugScreen(date(2026, 11, 20), dict.fromkeys(Analyte, LabResult.POSITIVE))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"as_of": None}, ("as_of", "is required")),
        ({"as_of": "21/11/2026"}, ("as_of", "'21/11/2026' is not a date as YYYY-MM-DD")),
        ({"indications": None}, ("indications", "is required")),
        ({"indications": []}, ("indications", "must be a non-empty list of OUD and/or AUD")),
        ({"indications": "OUD"}, ("indications", "must be a non-empty list of OUD and/or AUD")),
        ({"indications": ["AUD", "GUD"]}, ("indications[1]", "must be one of OUD, AUD (got 'GUD')")),
        ({"formulation": None}, ("formulation", "is required")),
        ({"formulation": "patch"},
         ("formulation", "must be one of oral, xr_injection, implant (got 'patch')")),
        ({"sex_at_birth": "f"}, ("sex_at_birth", "must be one of female, male, other (got 'f')")),
        ({"renal_impairment": "bad"},
         ("renal_impairment", "must be one of none, mild, moderate, severe (got 'bad')")),
        ({"pregnant": "no"}, ("pregnant", "must be true or false")),
        ({"bmi": "30"}, ("bmi", "must be a number")),
        ({"last_opioid_use": "2026-11-01"}, ("last_opioid_use", "must be a JSON object")),
        ({"last_opioid_use": {"kind": "fentanyl"}}, ("last_opioid_use.date", "is required")),
        ({"last_opioid_use": {"date": "2026-11-01", "kind": "heroin"}},
         ("last_opioid_use.kind", "must be one of short_acting, fentanyl, methadone, "
          "buprenorphine, buprenorphine_depot, unknown (got 'heroin')")),
        ({"last_opioid_use": {"date": "2026-11-01", "amount": 1}},
         ("last_opioid_use.amount", "unknown field 'amount' (allowed: date, kind)")),
        ({"urine_drug_screen": {"date": "2026-11-20"}},
         ("urine_drug_screen", "at least one analyte result is needed (opioids, fentanyl, "
          "methadone, buprenorphine, oxycodone)")),
        ({"urine_drug_screen": {"opioids": "negative"}}, ("urine_drug_screen.date", "is required")),
        ({"urine_drug_screen": {"date": "2026-11-20", "opioids": "neg"}},
         ("urine_drug_screen.opioids", "must be one of negative, positive (got 'neg')")),
        ({"urine_drug_screen": {"date": "2026-11-20", "cocaine": "negative"}},
         ("urine_drug_screen.cocaine", "unknown field 'cocaine' (allowed: buprenorphine, date, "
          "fentanyl, methadone, opioids, oxycodone)")),
        ({"naloxone_challenge": {"date": "2026-11-20"}}, ("naloxone_challenge.result", "is required")),
        ({"naloxone_challenge": {"result": "negative"}}, ("naloxone_challenge.date", "is required")),
        ({"naloxone_challenge": {"date": "2026-11-20", "result": "unclear"}},
         ("naloxone_challenge.result", "must be one of negative, positive (got 'unclear')")),
        ({"naloxone_challenge": {"date": "2026-11-20", "result": "negative", "dose": 1}},
         ("naloxone_challenge.dose", "unknown field 'dose' (allowed: date, result)")),
        ({"liver": {"acute_hepatitis": "yes"}}, ("liver.acute_hepatitis", "must be true or false")),
        ({"liver": {"liver_failure": 1}}, ("liver.liver_failure", "must be true or false")),
        ({"liver": {"date": "2026-02-30"}}, ("liver.date", "'2026-02-30' is not a date as YYYY-MM-DD")),
        ({"liver": {"ggt": 30}}, ("liver.ggt", "unknown field 'ggt' (allowed: acute_hepatitis, "
          "alt, alt_uln, ast, ast_uln, date, liver_failure)")),
        ({"liver": 5}, ("liver", "must be a JSON object")),
        ({"phq9": [1]}, ("phq9", "must be a JSON object")),
        ({"medications": "sertraline"}, ("medications", "must be a list")),
        ({"allergies": "penicillin"}, ("allergies", "must be a list")),
        ({"planned_surgery_date": "soon"}, ("planned_surgery_date", "'soon' is not a date as YYYY-MM-DD")),
        ({"last_alcohol_use": 5}, ("last_alcohol_use", "must be a date as YYYY-MM-DD")),
        ({"weight": 80}, ("weight", "unknown field 'weight' (allowed: age_years, allergies, "
          "as_of, bmi, breastfeeding, ciwa_ar_score, coagulation_disorder, cows_score, formulation, "
          "indications, last_alcohol_use, last_opioid_use, liver, medications, naloxone_challenge, "
          "needs_opioid_analgesia, phq9, planned_surgery_date, platelets_10e9_per_l, pregnant, "
          "renal_impairment, sex_at_birth, urine_drug_screen)")),
    ],
)  # fmt: skip
def test_a_bad_fact_is_refused_by_name(fields: dict[str, Any], expected: tuple[str, str]) -> None:
    assert refused(**fields) == expected


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(InputError) as err:
        parse_screening_facts(["OUD"])
    assert (err.value.field, err.value.message) == ("", "must be a JSON object")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("  naltrexone 50 mg ", MedicationEntry("naltrexone 50 mg")),
        ({"name": "tramadol"}, MedicationEntry("tramadol")),
        ({"name": "tramadol", "rxnorm": 10689}, MedicationEntry("tramadol", "10689")),
        ({"name": "tramadol", "rxnorm": " 10689 "}, MedicationEntry("tramadol", "10689")),
        ({"name": "tramadol", "rxnorm": None}, MedicationEntry("tramadol")),
    ],
)
def test_a_medication_is_a_name_or_a_name_with_its_rxnorm_code(
    entry: object, expected: MedicationEntry
) -> None:
    assert parse(medications=["sertraline", entry]).medications == (
        MedicationEntry("sertraline"), expected,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("  ", ("medications[1]", "must be a medication name")),
        ({"rxnorm": "10689"}, ("medications[1].name", "is required")),
        ({"name": " "}, ("medications[1].name", "must be a non-empty text")),
        ({"name": "tramadol", "rxnorm": "RX10689"},
         ("medications[1].rxnorm", "must be an RxNorm code (digits)")),
        ({"name": "tramadol", "rxnorm": True}, ("medications[1].rxnorm", "must be an RxNorm code (digits)")),
        ({"name": "tramadol", "rxnorm": 10.5}, ("medications[1].rxnorm", "must be an RxNorm code (digits)")),
        ({"name": "tramadol", "dose": "50"},
         ("medications[1].dose", "unknown field 'dose' (allowed: name, rxnorm)")),
        (42, ("medications[1]", "must be a JSON object")),
    ],
)  # fmt: skip
def test_a_bad_medication_is_refused_by_its_place_in_the_list(
    entry: object, expected: tuple[str, str]
) -> None:
    assert refused(medications=["sertraline", entry]) == expected


@pytest.mark.parametrize("entry", ["", "  ", 7, None, {"name": "x"}])
def test_an_allergy_must_name_a_substance(entry: object) -> None:
    assert refused(allergies=["latex", entry]) == (
        "allergies[1]",
        "must be the name of a substance",
    )
