"""Part A A2-A4: the boundaries a mutation run of screening.py probes, with the words a clinician
reads (which analyte, which enzyme, which date) and not only the severity."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from naltrack.clinical.findings import Code, Decision, Severity
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.screening import screen
from naltrack.clinical.screening_facts import (
    Analyte,
    LabResult,
    LastOpioidUse,
    Liver,
    MedicationEntry,
    NaloxoneChallenge,
    UrineDrugScreen,
)
from naltrack.clinical.vocab import Formulation, Indication, OpioidKind
from tests.builders import AS_OF, days, eligible_aud, eligible_oud, findings, only, run

NEG, POS = LabResult.NEGATIVE, LabResult.POSITIVE
TIP63 = dataclasses.replace(DEFAULT_POLICY, allow_positive_uds_after_negative_challenge=True)


# --- A2: a positive screen, and the negative challenge that may clear it ----------------------


@pytest.mark.parametrize(
    ("challenge_day", "result", "severity"),
    [
        (-1, NEG, Severity.BLOCK),  # the day before the screen: does not clear it
        (0, NEG, Severity.REVIEW),  # the same day as the screen: clears it (after review)
        (1, NEG, Severity.REVIEW),  # the day after
        (1, POS, Severity.BLOCK),  # a positive challenge clears nothing
    ],
)
def test_a_negative_challenge_from_the_day_of_the_positive_screen_allows_review(
    challenge_day: int, result: LabResult, severity: Severity
) -> None:
    screened = AS_OF - days(2)
    facts = eligible_oud(
        urine_drug_screen=UrineDrugScreen(screened, {Analyte.FENTANYL: POS, Analyte.OPIOIDS: POS}),
        naloxone_challenge=NaloxoneChallenge(screened + days(challenge_day), result),
    )
    finding = only(screen(facts, TIP63), Code.UDS_POSITIVE)
    assert finding.severity is severity
    # The positives in the order the screen lists them.
    assert finding.message.startswith(
        f"Urine drug screen {screened.isoformat()} positive for fentanyl, opioids."
    )
    if severity is Severity.REVIEW:
        challenged = (screened + days(challenge_day)).isoformat()
        assert f"A naloxone challenge on {challenged} was negative" in finding.message


@pytest.mark.parametrize(
    ("screened_days_ago", "missing", "last_one"),
    [(3, False, None), (4, True, AS_OF - days(4)), (None, True, None)],
)
def test_a_missing_screen_says_when_the_last_one_was(
    screened_days_ago: int | None, missing: bool, last_one: date | None
) -> None:
    uds = (
        UrineDrugScreen(AS_OF - days(screened_days_ago), {a: NEG for a in Analyte})
        if screened_days_ago is not None
        else None
    )
    found = findings(run(eligible_oud(urine_drug_screen=uds)), Code.UDS_MISSING)
    assert bool(found) is missing
    if found:
        when = f" (last one {last_one.isoformat()})" if last_one is not None else ""
        assert found[0].message == (
            f"No urine drug screen on {AS_OF.isoformat()} or in the 3 days before{when}; "
            "self-reported abstinence must be verified."
        )


@pytest.mark.parametrize(
    ("kind", "tested", "missing_analyte"),
    [
        (OpioidKind.FENTANYL, {Analyte.OPIOIDS}, "fentanyl"),
        (OpioidKind.FENTANYL, {Analyte.OPIOIDS, Analyte.FENTANYL}, None),
        (OpioidKind.METHADONE, {Analyte.OPIOIDS}, "methadone"),
        (OpioidKind.BUPRENORPHINE, {Analyte.OPIOIDS}, "buprenorphine"),
        (OpioidKind.BUPRENORPHINE_DEPOT, {Analyte.OPIOIDS}, "buprenorphine"),
        (OpioidKind.SHORT_ACTING, {Analyte.OPIOIDS}, None),  # the opiate assay detects it
    ],
)
def test_the_screen_must_test_the_analyte_of_the_last_opioid(
    kind: OpioidKind, tested: set[Analyte], missing_analyte: str | None
) -> None:
    facts = eligible_oud(
        last_opioid_use=LastOpioidUse(AS_OF - days(60), kind),
        urine_drug_screen=UrineDrugScreen(AS_OF, {a: NEG for a in tested}),
    )
    found = findings(screen(facts), Code.UDS_ANALYTE_NOT_TESTED)
    if missing_analyte is None:
        assert not found
        return
    assert [f.severity for f in found] == [Severity.INFO]
    assert found[0].message.startswith(
        f"The urine screen of {AS_OF.isoformat()} did not test {missing_analyte}, the last opioid"
    )
    assert found[0].action == f"Add a {missing_analyte} test to the urine screen."


def test_an_aud_only_patient_is_not_asked_for_the_analyte() -> None:
    facts = eligible_aud(
        last_opioid_use=LastOpioidUse(AS_OF - days(60), OpioidKind.FENTANYL),
        urine_drug_screen=UrineDrugScreen(AS_OF, {Analyte.OPIOIDS: NEG}),
    )
    assert not findings(screen(facts), Code.UDS_ANALYTE_NOT_TESTED)
    assert not findings(screen(facts), Code.UDS_MISSING)


# --- A3: liver tests: the worse enzyme is named -----------------------------------------------


@pytest.mark.parametrize(
    ("alt", "ast", "alt_uln", "ast_uln", "message"),
    [
        (
            160,
            160,
            40,
            40,
            "ALT 160 U/L is 4.0x the upper limit of normal (40), above 3x.",
        ),  # a tie
        (160, 170, 40, 40, "AST 170 U/L is 4.2x the upper limit of normal (40), above 3x."),
        (170, 160, 40, 40, "ALT 170 U/L is 4.2x the upper limit of normal (40), above 3x."),
        (90, 150, 20, 40, "ALT 90 U/L is 4.5x the upper limit of normal (20), above 3x."),
        (None, 130, 40, 40, "AST 130 U/L is 3.2x the upper limit of normal (40), above 3x."),
        (
            500,
            130,
            0,
            40,
            "AST 130 U/L is 3.2x the upper limit of normal (40), above 3x.",
        ),  # no ULN
    ],
)
def test_the_worse_liver_enzyme_is_named_with_its_multiple(
    alt: float | None, ast: float, alt_uln: float, ast_uln: float, message: str
) -> None:
    liver = Liver(alt=alt, ast=ast, alt_uln=alt_uln, ast_uln=ast_uln, date=AS_OF)
    finding = only(run(eligible_oud(liver=liver)), Code.LFT_ELEVATED)
    assert (finding.severity, finding.message) == (Severity.REVIEW, message)


def test_above_five_times_the_message_names_the_block_multiple() -> None:
    liver = Liver(alt=201, ast=20, alt_uln=40, ast_uln=40, date=AS_OF)
    finding = only(run(eligible_oud(liver=liver)), Code.LFT_ELEVATED)
    assert finding.severity is Severity.BLOCK
    assert finding.message == "ALT 201 U/L is 5.0x the upper limit of normal (40), above 5x."


def test_an_old_baseline_names_its_date() -> None:
    old = AS_OF - days(91)
    liver = Liver(alt=30, ast=30, alt_uln=40, ast_uln=40, date=old)
    finding = only(run(eligible_oud(liver=liver)), Code.LFT_BASELINE_MISSING)
    assert finding.message == (
        f"No baseline liver tests in the last 90 days (the last values are from {old.isoformat()})."
    )
    none = only(run(eligible_oud(liver=None)), Code.LFT_BASELINE_MISSING)
    assert none.message == (
        "No baseline liver tests in the last 90 days (no liver test values are recorded)."
    )


# --- the result as a whole ----------------------------------------------------------------------


def test_the_same_finding_twice_is_listed_once_and_findings_go_block_review_info() -> None:
    facts = eligible_oud(
        medications=(
            MedicationEntry("kava"),
            MedicationEntry("kava"),
            MedicationEntry("oxycodone"),
        ),
        phq9=None,
    )
    result = screen(facts)
    assert len(findings(result, Code.INTERACTION)) == 1
    order = [f.severity for f in result.findings]
    assert order == sorted(order, key=[Severity.BLOCK, Severity.REVIEW, Severity.INFO].index)
    assert order[0] is Severity.BLOCK
    assert result.decision is Decision.CONTRAINDICATED
    assert result.as_dict()["earliest_start_date"] is None


def test_an_eligible_result_starts_today_and_names_the_policy() -> None:
    result = screen(eligible_oud(indications=frozenset({Indication.OUD, Indication.AUD})))
    out = result.as_dict()
    assert (out["decision"], out["earliest_start_date"], out["policy"]) == (
        "eligible", AS_OF.isoformat(), DEFAULT_POLICY.version,
    )  # fmt: skip


def test_a_deferral_gives_its_first_allowed_day() -> None:
    facts = eligible_oud(
        last_opioid_use=LastOpioidUse(AS_OF - days(3), OpioidKind.SHORT_ACTING),
        formulation=Formulation.ORAL,
    )
    out = screen(facts).as_dict()
    assert (out["decision"], out["earliest_start_date"]) == (
        "not_yet", (AS_OF + days(4)).isoformat(),
    )  # fmt: skip
