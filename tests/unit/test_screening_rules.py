"""Part A A2-A4: every screening rule with its boundaries (day before / of / after)."""

from __future__ import annotations

from datetime import date

import pytest

from naltrack.clinical.findings import BlockKind, Code, Decision, Severity
from naltrack.clinical.policy import Policy
from naltrack.clinical.screening import ScreeningResult, screen
from naltrack.clinical.screening_facts import (
    Analyte,
    LabResult,
    LastOpioidUse,
    Liver,
    MedicationEntry,
    NaloxoneChallenge,
    Phq9Summary,
    RenalImpairment,
    UrineDrugScreen,
)
from naltrack.clinical.vocab import Formulation, OpioidKind, SexAtBirth
from tests.builders import (
    AS_OF,
    days,
    eligible_aud,
    eligible_oud,
    findings,
    negative_uds,
    only,
    run,
)

NEG, POS = LabResult.NEGATIVE, LabResult.POSITIVE
ORAL, XR, IMPLANT = Formulation.ORAL, Formulation.XR_INJECTION, Formulation.IMPLANT


def meds(*names: str) -> tuple[MedicationEntry, ...]:
    return tuple(MedicationEntry(n) for n in names)


def severity_of(result: ScreeningResult, code: Code) -> Severity | None:
    found = findings(result, code)
    assert len(found) <= 1
    return found[0].severity if found else None


# --- A2: urine drug screen ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "expected"),
    [(0, None), (2, None), (3, None), (4, Severity.REVIEW), (30, Severity.REVIEW)],
)
def test_uds_counts_on_the_day_or_up_to_3_days_before(
    days_before: int, expected: Severity | None
) -> None:
    result = run(eligible_oud(urine_drug_screen=negative_uds(AS_OF - days(days_before))))
    assert severity_of(result, Code.UDS_MISSING) is expected


def test_oud_without_uds_needs_review_and_aud_only_does_not() -> None:
    assert (
        severity_of(run(eligible_oud(urine_drug_screen=None)), Code.UDS_MISSING) is Severity.REVIEW
    )
    assert severity_of(run(eligible_aud()), Code.UDS_MISSING) is None


@pytest.mark.parametrize("analyte", list(Analyte))
def test_any_positive_opioid_analyte_defers_with_no_date(analyte: Analyte) -> None:
    uds = UrineDrugScreen(AS_OF, {a: (POS if a is analyte else NEG) for a in Analyte})
    result = run(eligible_oud(urine_drug_screen=uds))
    finding = only(result, Code.UDS_POSITIVE)
    assert (finding.severity, finding.block_kind, finding.until) == (
        Severity.BLOCK,
        BlockKind.DEFERRAL,
        None,
    )
    assert result.decision is Decision.NOT_YET
    assert result.earliest_start_date is None
    assert analyte.value in finding.message


def test_negative_challenge_after_positive_screen_is_a_review_only_with_the_setting_on() -> None:
    facts = eligible_oud(
        urine_drug_screen=UrineDrugScreen(AS_OF - days(1), {Analyte.FENTANYL: POS}),
        naloxone_challenge=NaloxoneChallenge(AS_OF, NEG),
    )
    assert only(run(facts), Code.UDS_POSITIVE).severity is Severity.BLOCK
    on = Policy(version="tip63", allow_positive_uds_after_negative_challenge=True)
    assert only(screen(facts, on), Code.UDS_POSITIVE).severity is Severity.REVIEW
    # A challenge dated before the positive screen does not clear it.
    earlier = eligible_oud(
        urine_drug_screen=UrineDrugScreen(AS_OF, {Analyte.FENTANYL: POS}),
        naloxone_challenge=NaloxoneChallenge(AS_OF - days(1), NEG),
    )
    assert only(screen(earlier, on), Code.UDS_POSITIVE).severity is Severity.BLOCK


def test_untested_fentanyl_after_fentanyl_use_is_noted() -> None:
    facts = eligible_oud(
        last_opioid_use=LastOpioidUse(AS_OF - days(20), OpioidKind.FENTANYL),
        urine_drug_screen=UrineDrugScreen(AS_OF, {Analyte.OPIOIDS: NEG}),
    )
    assert only(run(facts), Code.UDS_ANALYTE_NOT_TESTED).severity is Severity.INFO


@pytest.mark.parametrize(
    ("challenge_day", "severity", "until"),
    [
        (AS_OF, Severity.BLOCK, AS_OF + days(1)),  # day of the challenge: repeat tomorrow
        (AS_OF - days(1), Severity.REVIEW, None),  # the day after: repeat before starting
        (AS_OF - days(2), Severity.REVIEW, None),
    ],
)
def test_positive_naloxone_challenge(
    challenge_day: date, severity: Severity, until: date | None
) -> None:
    result = run(eligible_oud(naloxone_challenge=NaloxoneChallenge(challenge_day, POS)))
    finding = only(result, Code.NALOXONE_CHALLENGE_POSITIVE)
    assert finding.severity is severity
    assert finding.until == until


@pytest.mark.parametrize(
    ("score", "blocked"), [(0, False), (4, False), (5, True), (6, True), (48, True)]
)
def test_cows_5_or_more_defers(score: int, blocked: bool) -> None:
    result = run(eligible_oud(cows_score=score))
    assert bool(findings(result, Code.OPIOID_WITHDRAWAL)) is blocked
    if blocked:
        assert result.decision is Decision.NOT_YET and result.earliest_start_date is None


@pytest.mark.parametrize(("score", "blocked"), [(9, False), (10, True), (11, True)])
def test_ciwa_ar_10_or_more_defers(score: int, blocked: bool) -> None:
    result = run(eligible_aud(ciwa_ar_score=score))
    assert bool(findings(result, Code.ALCOHOL_WITHDRAWAL)) is blocked


# --- A3: contraindications ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("medication", "severity"),
    [
        ("oxycodone", Severity.BLOCK),
        ("Oxycodone/Acetaminophen 5-325 MG tablet", Severity.BLOCK),
        ("Percocet", Severity.BLOCK),
        ("tramadol", Severity.BLOCK),
        ("tapentadol", Severity.BLOCK),
        ("meperidine", Severity.BLOCK),
        ("pentazocine", Severity.BLOCK),
        ("butorphanol", Severity.BLOCK),
        ("nalbuphine", Severity.BLOCK),
        ("methadone", Severity.BLOCK),
        ("Suboxone", Severity.BLOCK),
        ("Sublocade", Severity.BLOCK),
        ("Embeda", Severity.BLOCK),
        ("morphine/naltrexone", Severity.BLOCK),
        ("Tylenol with Codeine", Severity.BLOCK),
        ("codeine sulfate 30 mg", Severity.BLOCK),
        ("guaifenesin with codeine", Severity.REVIEW),
        ("Tussionex", Severity.REVIEW),
        ("hydrocodone/homatropine", Severity.REVIEW),
        ("loperamide", Severity.REVIEW),
        ("Lomotil", Severity.REVIEW),
        ("opium tincture", Severity.REVIEW),
        ("sertraline", None),
    ],
)
def test_opioid_medications(medication: str, severity: Severity | None) -> None:
    result = run(eligible_oud(medications=meds(medication)))
    found = findings(result, Code.OPIOID_MEDICATION)
    assert [f.severity for f in found] == ([severity] if severity else [])
    if severity is Severity.BLOCK:
        assert found[0].block_kind is BlockKind.CONTRAINDICATION
        assert result.decision is Decision.CONTRAINDICATED
        assert result.earliest_start_date is None


def test_medication_matched_by_rxnorm_code_even_with_an_unknown_name() -> None:
    result = run(eligible_oud(medications=(MedicationEntry("Brand X tabs", rxnorm="7804"),)))
    assert only(result, Code.OPIOID_MEDICATION).severity is Severity.BLOCK


def test_unknown_medication_is_listed_as_not_checked_not_an_error() -> None:
    result = run(eligible_oud(medications=meds("Zorblaxin 20 mg")))
    finding = only(result, Code.MEDICATION_NOT_CHECKED)
    assert finding.severity is Severity.INFO
    assert "Zorblaxin" in finding.message
    assert result.decision is Decision.ELIGIBLE


def test_partly_known_combination_reports_the_unknown_part_and_checks_the_rest() -> None:
    result = run(eligible_oud(medications=meds("oxycodone/zorblaxin")))
    assert only(result, Code.OPIOID_MEDICATION).severity is Severity.BLOCK
    assert "zorblaxin" in only(result, Code.MEDICATION_NOT_CHECKED).message


def test_needing_opioid_analgesia_is_a_contraindication() -> None:
    result = run(eligible_oud(needs_opioid_analgesia=True))
    assert only(result, Code.OPIOID_ANALGESIA_NEEDED).block_kind is BlockKind.CONTRAINDICATION


@pytest.mark.parametrize(
    ("allergy", "formulation", "blocked"),
    [
        ("naltrexone", ORAL, True),
        ("Vivitrol", IMPLANT, True),
        ("naltrexone hydrochloride", XR, True),
        ("polylactide-co-glycolide", XR, True),
        ("PLG", XR, True),
        ("carboxymethylcellulose", XR, True),
        ("polysorbate 20", XR, True),
        ("carboxymethylcellulose", ORAL, False),
        ("penicillin", XR, False),
    ],
)
def test_hypersensitivity(allergy: str, formulation: Formulation, blocked: bool) -> None:
    result = run(eligible_oud(formulation=formulation, allergies=(allergy,)))
    assert bool(findings(result, Code.HYPERSENSITIVITY)) is blocked


@pytest.mark.parametrize(
    ("formulation", "severity"),
    [(ORAL, Severity.BLOCK), (XR, Severity.REVIEW), (IMPLANT, Severity.REVIEW)],
)
def test_liver_disease_blocks_oral_and_needs_review_for_the_injection(
    formulation: Formulation, severity: Severity
) -> None:
    liver = Liver(acute_hepatitis=True, alt=30, ast=30, alt_uln=40, ast_uln=40, date=AS_OF)
    assert (
        only(run(eligible_oud(formulation=formulation, liver=liver)), Code.LIVER_DISEASE).severity
        is severity
    )
    failure = Liver(liver_failure=True, alt=30, ast=30, alt_uln=40, ast_uln=40, date=AS_OF)
    assert (
        only(run(eligible_oud(formulation=formulation, liver=failure)), Code.LIVER_DISEASE).severity
        is severity
    )


@pytest.mark.parametrize(
    ("alt", "severity"),
    [(120, None), (121, Severity.REVIEW), (200, Severity.REVIEW), (201, Severity.BLOCK)],
)
def test_lft_multiples_of_the_upper_limit(alt: float, severity: Severity | None) -> None:
    # ULN 40: 3x = 120 (not above), 5x = 200 (not above).
    result = run(eligible_oud(liver=Liver(alt=alt, ast=20, alt_uln=40, ast_uln=40, date=AS_OF)))
    assert severity_of(result, Code.LFT_ELEVATED) is severity


def test_ast_counts_like_alt() -> None:
    result = run(eligible_oud(liver=Liver(alt=20, ast=250, alt_uln=40, ast_uln=40, date=AS_OF)))
    assert "AST" in only(result, Code.LFT_ELEVATED).message


@pytest.mark.parametrize(("age_days", "missing"), [(89, False), (90, False), (91, True)])
def test_lft_baseline_older_than_90_days_is_missing(age_days: int, missing: bool) -> None:
    liver = Liver(alt=30, ast=30, alt_uln=40, ast_uln=40, date=AS_OF - days(age_days))
    result = run(eligible_oud(liver=liver))
    assert bool(findings(result, Code.LFT_BASELINE_MISSING)) is missing
    assert result.decision is Decision.ELIGIBLE  # info only: the start need not wait


def test_lft_values_without_a_date_count_as_current_and_none_count_as_missing() -> None:
    assert not findings(
        run(eligible_oud(liver=Liver(alt=30, alt_uln=40))), Code.LFT_BASELINE_MISSING
    )
    assert findings(run(eligible_oud(liver=None)), Code.LFT_BASELINE_MISSING)


# --- A4: reviews --------------------------------------------------------------------------------


def test_pregnancy_needs_review_and_names_the_preferred_options() -> None:
    finding = only(run(eligible_aud(pregnant=True)), Code.PREGNANCY)
    assert finding.severity is Severity.REVIEW
    assert "methadone or buprenorphine" in finding.message


@pytest.mark.parametrize(
    ("sex", "age", "unknown"),
    [
        (SexAtBirth.FEMALE, 11, False),
        (SexAtBirth.FEMALE, 12, True),
        (SexAtBirth.FEMALE, 55, True),
        (SexAtBirth.FEMALE, 56, False),
        (SexAtBirth.FEMALE, None, True),
        (SexAtBirth.MALE, 30, False),
    ],
)
def test_pregnancy_status_unknown(sex: SexAtBirth, age: int | None, unknown: bool) -> None:
    result = run(eligible_aud(sex_at_birth=sex, age_years=age, pregnant=None))
    assert bool(findings(result, Code.PREGNANCY_STATUS_UNKNOWN)) is unknown


def test_breastfeeding_is_info() -> None:
    assert only(run(eligible_aud(breastfeeding=True)), Code.BREASTFEEDING).severity is Severity.INFO


@pytest.mark.parametrize(("age", "review"), [(17, True), (18, False), (19, False)])
def test_under_18_is_off_label(age: int, review: bool) -> None:
    assert bool(findings(run(eligible_oud(age_years=age)), Code.AGE_UNDER_18)) is review


@pytest.mark.parametrize(
    ("renal", "review"),
    [
        (RenalImpairment.NONE, False),
        (RenalImpairment.MILD, False),
        (RenalImpairment.MODERATE, True),
        (RenalImpairment.SEVERE, True),
    ],
)
def test_renal_impairment(renal: RenalImpairment, review: bool) -> None:
    assert (
        bool(findings(run(eligible_oud(renal_impairment=renal)), Code.RENAL_IMPAIRMENT)) is review
    )


@pytest.mark.parametrize(
    ("formulation", "platelets", "review"),
    [(XR, 49.0, True), (XR, 50.0, False), (IMPLANT, 49.0, True), (ORAL, 10.0, False)],
)
def test_bleeding_risk_from_platelets_only_for_procedures(
    formulation: Formulation, platelets: float, review: bool
) -> None:
    result = run(eligible_oud(formulation=formulation, platelets_10e9_per_l=platelets))
    assert bool(findings(result, Code.BLEEDING_RISK)) is review


def test_bleeding_risk_from_an_anticoagulant_or_a_coagulation_disorder() -> None:
    assert findings(
        run(eligible_oud(formulation=XR, medications=meds("Eliquis 5 mg"))), Code.BLEEDING_RISK
    )
    assert findings(
        run(eligible_oud(formulation=XR, coagulation_disorder=True)), Code.BLEEDING_RISK
    )
    assert not findings(
        run(eligible_oud(formulation=ORAL, medications=meds("warfarin"))), Code.BLEEDING_RISK
    )


@pytest.mark.parametrize(
    ("formulation", "days_away", "review"),
    [
        (ORAL, 3, True), (ORAL, 4, False),
        (XR, 0, True), (XR, 30, True), (XR, 31, False),
        (IMPLANT, 90, True), (IMPLANT, 91, False),
        (XR, -1, False),  # a surgery in the past is not planned
    ],
)  # fmt: skip
def test_surgery_within_the_blocking_window(
    formulation: Formulation, days_away: int, review: bool
) -> None:
    result = run(
        eligible_oud(formulation=formulation, planned_surgery_date=AS_OF + days(days_away))
    )
    assert bool(findings(result, Code.SURGERY_PLANNED)) is review


@pytest.mark.parametrize(
    ("total", "item9", "suicide", "depression"),
    [
        (9, 0, None, None),
        (10, 0, None, Severity.INFO),
        (19, 0, None, Severity.INFO),
        (20, 0, None, Severity.REVIEW),
        (5, 1, Severity.REVIEW, None),
        (27, 3, Severity.REVIEW, Severity.REVIEW),
    ],
)
def test_phq9_item9_and_total(
    total: int, item9: int, suicide: Severity | None, depression: Severity | None
) -> None:
    result = run(eligible_oud(phq9=Phq9Summary(total=total, item9=item9)))
    assert severity_of(result, Code.SUICIDE_RISK) is suicide
    assert severity_of(result, Code.DEPRESSION) is depression
    if suicide:
        assert "today" in only(result, Code.SUICIDE_RISK).action


@pytest.mark.parametrize(
    ("drank_days_ago", "formulation", "review"),
    [(0, XR, True), (1, XR, True), (2, XR, False), (0, ORAL, False)],
)
def test_active_drinking_before_the_first_injection(
    drank_days_ago: int, formulation: Formulation, review: bool
) -> None:
    result = run(
        eligible_aud(formulation=formulation, last_alcohol_use=AS_OF - days(drank_days_ago))
    )
    assert bool(findings(result, Code.ACTIVE_DRINKING)) is review


@pytest.mark.parametrize(
    ("medication", "severity"),
    [
        ("thioridazine", Severity.REVIEW),
        ("Antabuse", Severity.REVIEW),
        ("kratom", Severity.REVIEW),
        ("valproate", Severity.INFO),
        ("isoniazid", Severity.INFO),
        ("ketoconazole", Severity.INFO),
        ("methotrexate", Severity.INFO),
        ("acetaminophen", Severity.INFO),
        ("kava", Severity.INFO),
        ("St. John's Wort", Severity.INFO),
        ("alprazolam", Severity.INFO),
        ("Ambien", Severity.INFO),
        ("gabapentin", Severity.INFO),
        ("phenobarbital", Severity.INFO),
        ("sertraline", None),
    ],
)
def test_interactions(medication: str, severity: Severity | None) -> None:
    result = run(eligible_oud(medications=meds(medication)))
    assert severity_of(result, Code.INTERACTION) is severity


@pytest.mark.parametrize("medication", ["Contrave", "bupropion/naltrexone", "naltrexone 50 mg"])
def test_duplicate_naltrexone(medication: str) -> None:
    assert (
        only(run(eligible_oud(medications=meds(medication))), Code.DUPLICATE_NALTREXONE).severity
        is Severity.REVIEW
    )


@pytest.mark.parametrize(
    ("bmi", "needle"),
    [(19.9, "1.5-inch"), (20.0, "either"), (29.9, "either"), (30.0, "2-inch"), (None, "habitus")],
)
def test_needle_length_for_the_injection(bmi: float | None, needle: str) -> None:
    finding = only(run(eligible_oud(formulation=XR, bmi=bmi)), Code.NEEDLE_LENGTH)
    assert finding.severity is Severity.INFO
    assert needle in finding.message
    assert not findings(run(eligible_oud(formulation=ORAL, bmi=bmi)), Code.NEEDLE_LENGTH)


def test_overdose_education_is_always_given_for_oud_and_never_blocks() -> None:
    assert only(run(eligible_oud()), Code.OVERDOSE_EDUCATION).severity is Severity.INFO
    assert not findings(run(eligible_aud()), Code.OVERDOSE_EDUCATION)


def test_every_finding_has_a_message_an_action_and_a_source() -> None:
    facts = eligible_oud(
        formulation=XR, medications=meds("Suboxone", "kava", "Zorblaxin"), allergies=("PLG",),
        pregnant=True, sex_at_birth=SexAtBirth.FEMALE, age_years=17, cows_score=7,
        phq9=Phq9Summary(total=22, item9=2), planned_surgery_date=AS_OF + days(5),
        renal_impairment=RenalImpairment.SEVERE, platelets_10e9_per_l=20,
    )  # fmt: skip
    result = run(facts)
    assert len(result.findings) >= 12
    for f in result.findings:
        assert f.message and f.action and f.source, f
    assert result.decision is Decision.CONTRAINDICATED
