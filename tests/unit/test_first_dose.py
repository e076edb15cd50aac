"""The first dose made safe (issue 12): a screening lacking a required fact cannot be signed as a
start (clinical/signoff.py; Part A A1, A2, A4), the signature names what was reviewed, and an OUD
first dose with no recent urine drug screen on file is refused unless a prescriber overrides it
(clinical/mar.py first_dose_urine_refusal; Part A A2: the decision day or up to 3 days before)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.findings import BlockKind, Code, Decision, Finding, Severity
from naltrack.clinical.mar import (
    FirstDoseGate,
    OralFacts,
    Override,
    Problem,
    Refusal,
    SignedScreening,
    UrineScreen,
    decide_injection,
    decide_oral_dose,
    first_dose_urine_refusal,
)
from naltrack.clinical.policy import DEFAULT_POLICY as P
from naltrack.clinical.screening import screen
from naltrack.clinical.screening_facts import ScreeningFacts
from naltrack.clinical.signoff import (
    FACTS,
    MissingFact,
    allows_start,
    attestation_items,
    check_signature,
    finding_from_dict,
    missing_facts,
    missing_words,
    open_findings,
)
from naltrack.clinical.vocab import Formulation, Indication, SexAtBirth
from tests.builders import AS_OF, eligible_oud, negative_uds
from tests.unit.test_mar import ON, entry
from tests.unit.test_mar import facts as injection_facts


def days(n: int) -> timedelta:
    return timedelta(days=n)


def facts(**changes: object) -> ScreeningFacts:
    """An empty screening: only the day, the indications and the formulation."""
    values: dict[str, object] = dict(
        as_of=AS_OF, indications=frozenset({Indication.OUD}), formulation=Formulation.XR_INJECTION
    )
    values.update(changes)
    return ScreeningFacts(**values)  # type: ignore[arg-type]


def oud_ready(**changes: object) -> ScreeningFacts:
    return eligible_oud(**changes)


def review(code: Code) -> Finding:
    return Finding(code, Severity.REVIEW, f"m {code}", "a", "s")


def info(code: Code) -> Finding:
    return Finding(code, Severity.INFO, f"m {code}", "a", "s")


def block(code: Code) -> Finding:
    return Finding(code, Severity.BLOCK, f"m {code}", "a", "s", BlockKind.DEFERRAL, AS_OF)


# --- which facts are required (Part A A1, A2, A4) ------------------------------------------------


def test_an_empty_oud_screening_lacks_last_use_and_the_urine_screen() -> None:
    # The example: an empty screening read "may start today once reviewed".
    result = screen(facts(indications=frozenset({Indication.OUD})))
    assert result.decision is Decision.NEEDS_REVIEW  # the contract's decision is unchanged
    assert missing_facts(result.findings) == (
        MissingFact("last_opioid_use", "the date and kind of last opioid use",
                    Code.LAST_OPIOID_USE_UNKNOWN),
        MissingFact("urine_drug_screen", "a recent urine drug screen", Code.UDS_MISSING),
    )  # fmt: skip


def test_a_complete_oud_screening_lacks_nothing() -> None:
    assert missing_facts(screen(oud_ready()).findings) == ()


def test_an_aud_only_screening_needs_no_opioid_facts() -> None:
    # A1: an AUD-only patient with no opioid history gets no interval finding; A2 is for OUD.
    assert missing_facts(screen(facts(indications=frozenset({Indication.AUD}))).findings) == ()


@pytest.mark.parametrize(
    ("age", "pregnant", "missing"),
    [
        (30, None, True),
        (30, False, False),
        (30, True, False),
        (60, None, False),
        (None, None, True),
    ],
)
def test_pregnancy_status_is_required_where_a_pregnancy_test_is(
    age: int | None, pregnant: bool | None, missing: bool
) -> None:
    # A4 PREGNANCY_STATUS_UNKNOWN: female, age 12-55 or unknown, no status: a pregnancy test.
    f = oud_ready(sex_at_birth=SexAtBirth.FEMALE, age_years=age, pregnant=pregnant)
    got = [m.fact for m in missing_facts(screen(f).findings)]
    assert got == (["pregnant"] if missing else [])


def test_a_positive_challenge_needs_a_repeat_only_once_it_may_be_repeated() -> None:
    from naltrack.clinical.screening_facts import LabResult, NaloxoneChallenge

    # A2: a positive challenge defers until the next day (a deferral, not a missing fact) ...
    today = oud_ready(naloxone_challenge=NaloxoneChallenge(AS_OF, LabResult.POSITIVE))
    assert missing_facts(screen(today).findings) == ()
    # ... then, with no later challenge, the repeat challenge is the missing fact.
    before = oud_ready(naloxone_challenge=NaloxoneChallenge(AS_OF - days(1), LabResult.POSITIVE))
    assert [m.words for m in missing_facts(screen(before).findings)] == [
        "a repeat naloxone challenge (the last one was positive)"
    ]


def test_missing_facts_are_listed_once_each_in_the_findings_order_and_only_as_reviews() -> None:
    found = (
        info(Code.LFT_BASELINE_MISSING),
        review(Code.UDS_MISSING),
        block(Code.NALOXONE_CHALLENGE_POSITIVE),
        review(Code.PREGNANCY_STATUS_UNKNOWN),
        review(Code.UDS_MISSING),
        info(Code.UDS_MISSING),
    )
    assert [m.code for m in missing_facts(found)] == [
        Code.UDS_MISSING,
        Code.PREGNANCY_STATUS_UNKNOWN,
    ]
    assert missing_facts(()) == ()


def test_missing_fact_as_json() -> None:
    assert MissingFact("pregnant", "pregnancy status", Code.PREGNANCY_STATUS_UNKNOWN).as_dict() == {
        "fact": "pregnant", "words": "pregnancy status", "code": "PREGNANCY_STATUS_UNKNOWN",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("codes", "words"),
    [
        ((), ""),
        ((Code.UDS_MISSING,), "a recent urine drug screen"),
        ((Code.LAST_OPIOID_USE_UNKNOWN, Code.UDS_MISSING),
         "the date and kind of last opioid use and a recent urine drug screen"),
        ((Code.LAST_OPIOID_USE_UNKNOWN, Code.UDS_MISSING, Code.PREGNANCY_STATUS_UNKNOWN),
         "the date and kind of last opioid use, a recent urine drug screen and pregnancy status "
         "(a pregnancy test)"),
    ],
)  # fmt: skip
def test_missing_words_read_as_a_list(codes: tuple[Code, ...], words: str) -> None:
    assert missing_words(missing_facts(review(c) for c in codes)) == words


# --- the signature: what allows a start, and the attestation -------------------------------------


@pytest.mark.parametrize(
    ("decision", "overriding", "allows"),
    [
        (Decision.ELIGIBLE, False, True),
        (Decision.NEEDS_REVIEW, False, True),
        (Decision.NOT_YET, False, False),
        (Decision.CONTRAINDICATED, False, False),
        (Decision.NOT_YET, True, True),
        (Decision.CONTRAINDICATED, True, True),
    ],
)
def test_a_signature_allows_a_start_when_the_gate_would(
    decision: Decision, overriding: bool, allows: bool
) -> None:
    assert allows_start(decision, overriding) is allows


def test_attestation_items_are_the_facts_and_every_review_and_blocks_only_when_overriding() -> None:
    found = (
        block(Code.OPIOID_FREE_INTERVAL),
        review(Code.SUICIDE_RISK),
        review(Code.INTERACTION),
        review(Code.INTERACTION),
        info(Code.OVERDOSE_EDUCATION),
    )
    assert attestation_items(found, overriding=False) == (FACTS, "SUICIDE_RISK", "INTERACTION")
    assert attestation_items(found, overriding=True) == (
        FACTS, "OPIOID_FREE_INTERVAL", "SUICIDE_RISK", "INTERACTION",
    )  # fmt: skip
    assert attestation_items((), overriding=True) == ("facts",)


def test_a_start_with_a_missing_fact_cannot_be_signed_and_the_message_names_it() -> None:
    found = screen(facts(indications=frozenset({Indication.OUD}))).findings
    everything = [FACTS, *(f.code.value for f in found)]
    with pytest.raises(InputError) as err:
        check_signature(found, Decision.NEEDS_REVIEW, reviewed=everything, overriding=False)
    assert (err.value.field, err.value.message) == (
        "screening",
        "cannot be signed as a start: record the date and kind of last opioid use and a recent "
        "urine drug screen, then screen again",
    )
    # Overriding a block does not lift it either: the override would allow a start.
    with pytest.raises(InputError, match="cannot be signed as a start"):
        check_signature(found, Decision.NOT_YET, reviewed=everything, overriding=True)
    # Signing a deferral as it is allows no start, so it may be signed.
    check_signature(found, Decision.NOT_YET, reviewed=everything, overriding=False)


def test_the_signature_must_name_every_required_item() -> None:
    found = (review(Code.SUICIDE_RISK), info(Code.OVERDOSE_EDUCATION), block(Code.UDS_POSITIVE))
    check_signature(
        found, Decision.NEEDS_REVIEW, reviewed=[FACTS, "SUICIDE_RISK"], overriding=False
    )
    with pytest.raises(InputError) as err:
        check_signature(found, Decision.NEEDS_REVIEW, reviewed=["SUICIDE_RISK"], overriding=False)
    assert (err.value.field, err.value.message) == (
        "reviewed", "tick what you reviewed before signing; not yet ticked: facts",
    )  # fmt: skip
    with pytest.raises(InputError) as err:
        check_signature(found, Decision.NOT_YET, reviewed=[], overriding=True)
    assert err.value.message.endswith("not yet ticked: facts, SUICIDE_RISK, UDS_POSITIVE")


def test_the_signature_names_only_this_screenings_items() -> None:
    found = (review(Code.SUICIDE_RISK),)
    with pytest.raises(InputError) as err:
        check_signature(
            found, Decision.NEEDS_REVIEW, reviewed=[FACTS, "SUICIDE_RISK", "PREGNANCY", "AGE"],
            overriding=False,
        )  # fmt: skip
    assert (err.value.field, err.value.message) == (
        "reviewed", "'AGE' is not a finding of this screening",
    )  # fmt: skip


def test_a_stored_finding_reads_back_as_it_was() -> None:
    stored = screen(facts(indications=frozenset({Indication.OUD}))).findings
    for f in (
        *stored,
        block(Code.OPIOID_FREE_INTERVAL),
        Finding(Code.UDS_POSITIVE, Severity.BLOCK, "m", "a", "s", BlockKind.DEFERRAL, None),
        Finding(Code.HYPERSENSITIVITY, Severity.BLOCK, "m", "a", "s", BlockKind.CONTRAINDICATION),
    ):
        assert finding_from_dict(f.as_dict()) == f
    assert finding_from_dict({"code": "UDS_MISSING", "severity": "review"}) == Finding(
        Code.UDS_MISSING, Severity.REVIEW, "", "", ""
    )


def test_the_open_findings_at_the_first_dose_are_the_blocks_and_the_reviews() -> None:
    found = (
        block(Code.OPIOID_FREE_INTERVAL),
        info(Code.NEEDLE_LENGTH),
        review(Code.SUICIDE_RISK),
        info(Code.OVERDOSE_EDUCATION),
    )
    assert open_findings(found) == (found[0], found[2])
    assert open_findings(()) == ()


# --- the MAR: a first dose without a recent urine screen (Part A A2) -----------------------------


def neg(before: int) -> UrineScreen:
    return UrineScreen(ON - days(before), False)


def pos(before: int) -> UrineScreen:
    return UrineScreen(ON - days(before), True)


@pytest.mark.parametrize(
    ("screens", "code"),
    [
        ((), Refusal.FIRST_DOSE_URINE_SCREEN_MISSING),
        ((neg(0),), None),
        ((neg(3),), None),  # the third day before: the last day of the A2 look-back
        ((neg(4),), Refusal.FIRST_DOSE_URINE_SCREEN_MISSING),  # the day after it
        ((UrineScreen(ON + days(1), False),), Refusal.FIRST_DOSE_URINE_SCREEN_MISSING),
        ((pos(1),), Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE),
        ((pos(2), neg(1)), None),  # a repeat negative screen clears the earlier positive one
        ((neg(2), pos(1)), Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE),
        ((neg(1), pos(1)), Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE),  # same day: any positive
        ((pos(4), neg(3)), None),  # a positive before the window does not count
        ((pos(3), neg(4)), Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE),
    ],
)
def test_an_oud_first_dose_needs_a_negative_screen_of_the_a2_lookback(
    screens: tuple[UrineScreen, ...], code: Refusal | None
) -> None:
    got = first_dose_urine_refusal(True, screens, ON, P)
    assert (got.code if got else None) == code
    assert got is None or (got.field, got.overridable) == ("urine_screen", True)
    assert first_dose_urine_refusal(False, screens, ON, P) is None  # AUD only: not required


def test_first_dose_urine_refusal_messages_are_exact() -> None:
    assert first_dose_urine_refusal(True, (), ON, P) == Problem(
        Refusal.FIRST_DOSE_URINE_SCREEN_MISSING,
        "no urine drug screen on file from 2026-11-18 to 2026-11-21: abstinence must be verified "
        "by an opioid-free urine screen before the first dose; record one, or a prescriber "
        "overrides with a written reason",
        "urine_screen",
        overridable=True,
    )
    assert first_dose_urine_refusal(True, (pos(1), neg(2)), ON, P) == Problem(
        Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE,
        "the urine drug screen of 2026-11-20 is positive: do not give the first dose; repeat the "
        "screen, or a prescriber overrides with a written reason",
        "urine_screen",
        overridable=True,
    )


def test_the_clinics_own_lookback_decides() -> None:
    import dataclasses

    one_day = dataclasses.replace(P, uds_lookback_days=1)
    assert first_dose_urine_refusal(True, (neg(1),), ON, one_day) is None
    assert first_dose_urine_refusal(True, (neg(2),), ON, one_day) is not None


def test_the_first_injection_is_refused_without_a_screen_until_a_prescriber_overrides() -> None:
    first = injection_facts(None, oud=True)
    refused = decide_injection(first, entry(), P)
    assert [r.code for r in refused.refusals] == [Refusal.FIRST_DOSE_URINE_SCREEN_MISSING]
    ov = Override(
        frozenset({Refusal.FIRST_DOSE_URINE_SCREEN_MISSING}), "Screen lost; POC cup", "dr"
    )
    lifted = decide_injection(injection_facts(None, oud=True, override=ov), entry(), P)
    assert lifted.accepted and [r.code for r in lifted.overridden] == [
        Refusal.FIRST_DOSE_URINE_SCREEN_MISSING
    ]
    with_screen = decide_injection(
        injection_facts(None, oud=True, urine_screens=(neg(0),)), entry(), P
    )
    assert with_screen.accepted
    # A later injection in the episode is not a first dose: the A5 tiers decide its screen.
    assert decide_injection(injection_facts(28, oud=True), entry(), P).accepted
    # The re-screen tier re-starts as a first dose does (A5: "re-screens as for a first dose").
    restart = decide_injection(injection_facts(60, oud=True), entry(), P)
    assert Refusal.FIRST_DOSE_URINE_SCREEN_MISSING in [r.code for r in restart.refusals]


def test_the_first_tablet_is_refused_without_a_screen_until_a_prescriber_overrides() -> None:
    allowed = SignedScreening(ON, FirstDoseGate.ALLOWED)
    refused = decide_oral_dose(OralFacts(ON, False, allowed, oud=True), 25, P)
    assert [r.code for r in refused.refusals] == [Refusal.FIRST_DOSE_URINE_SCREEN_MISSING]
    assert (refused.overridden, refused.override) == ((), None)
    ov = Override(
        frozenset({Refusal.FIRST_DOSE_URINE_SCREEN_MISSING}), "Screen lost; POC cup", "dr"
    )
    lifted = decide_oral_dose(OralFacts(ON, False, allowed, oud=True, override=ov), 25, P)
    assert lifted.accepted and lifted.override == ov
    assert [r.code for r in lifted.overridden] == [Refusal.FIRST_DOSE_URINE_SCREEN_MISSING]
    # An override lifts only what it names and only with a reason.
    other = Override(frozenset({Refusal.TOO_EARLY}), "reason", "dr")
    blank = Override(frozenset({Refusal.FIRST_DOSE_URINE_SCREEN_MISSING}), "  ", "dr")
    for o in (other, blank):
        kept = decide_oral_dose(OralFacts(ON, False, allowed, oud=True, override=o), 25, P)
        assert not kept.accepted and kept.override is None
    # Not overridable: the missing signed screening stays refused under the same override.
    gate = decide_oral_dose(
        OralFacts(ON, False, None, oud=True, override=Override(
            frozenset({Refusal.NO_SIGNED_SCREENING, Refusal.FIRST_DOSE_URINE_SCREEN_MISSING}), "r", "dr")),
        25, P,
    )  # fmt: skip
    assert [r.code for r in gate.refusals] == [Refusal.NO_SIGNED_SCREENING]
    assert [r.code for r in gate.overridden] == [Refusal.FIRST_DOSE_URINE_SCREEN_MISSING]
    screened = decide_oral_dose(
        OralFacts(ON, False, allowed, oud=True, urine_screens=(neg(2),)), 25, P
    )
    assert screened.accepted
    later = decide_oral_dose(OralFacts(ON, True, None, oud=True), 50, P)
    assert later.accepted


def test_formulation_words_do_not_matter_to_the_required_facts() -> None:
    for form in Formulation:
        f = facts(formulation=form, indications=frozenset({Indication.OUD}),
                  urine_drug_screen=negative_uds())  # fmt: skip
        assert [m.fact for m in missing_facts(screen(f).findings)] == ["last_opioid_use"]


def test_an_override_lifts_only_an_overridable_refusal_it_names_with_a_reason() -> None:
    from naltrack.clinical.mar import lifts

    missing = first_dose_urine_refusal(True, (), ON, P)
    assert missing is not None
    code = Refusal.FIRST_DOSE_URINE_SCREEN_MISSING
    assert lifts(Override(frozenset({code}), "Lost the cup; POC", "dr"), missing)
    assert not lifts(None, missing)
    assert not lifts(Override(frozenset({code}), " ", "dr"), missing)
    assert not lifts(Override(frozenset({Refusal.TOO_EARLY}), "reason", "dr"), missing)
    fixed = Problem(code, "m", "urine_screen", overridable=False)
    assert not lifts(Override(frozenset({code}), "reason", "dr"), fixed)
