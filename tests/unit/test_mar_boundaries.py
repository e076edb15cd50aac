"""Boundary tables for the MAR's decisions (clinical/mar.py), written to kill the mutants that
`make mutation MUTATE="mar"` left alive (issue 9 Part 8): each row is the day before, of or after a
threshold of /work/shared/clinical-reference.md (Part A A2 urine-screen look-back, A4 needles, A5
injection tiers and oral doses), and the assertions name the exact codes, fields and words a
clinician reads."""

from __future__ import annotations

import dataclasses

import pytest

from naltrack.clinical.mar import (
    FirstDoseGate,
    Needle,
    OralFacts,
    Override,
    PriorInjection,
    Problem,
    Refusal,
    SignedScreening,
    UrineScreen,
    decide_injection,
    decide_oral_dose,
    first_dose_refusal,
    implant_covered_days,
    needle_for,
    oral_dose_refusal,
    screen_result,
    urine_screen_required,
    visit_decision,
)
from naltrack.clinical.policy import DEFAULT_POLICY as P
from naltrack.clinical.regimens import InjectionTier
from naltrack.clinical.vocab import Side

# The same facts and entry builders as the MAR's first tests.
from tests.unit.test_mar import ON, days, entry, facts


def codes(problems: tuple[Problem, ...]) -> list[str]:
    return [p.code for p in problems]


# --- A4 needles: the reasons a nurse reads -------------------------------------------------------


@pytest.mark.parametrize(
    ("bmi", "reason"),
    [
        (None, "BMI not recorded: assess the habitus; the 2-inch needle reaches the muscle through "
               "more gluteal tissue"),
        (19.9, "BMI 19.9 is under 20: the 1.5-inch needle (avoids the periosteum)"),
        (20.0, "BMI 20: either supplied needle fits"),
        (29.9, "BMI 29.9: either supplied needle fits"),
        (30.0, "BMI 30 is 30 or more: the 2-inch needle"),
    ],
)  # fmt: skip
def test_needle_reason_names_the_part_a_a4_threshold(bmi: float | None, reason: str) -> None:
    # clinical-reference.md A4 NEEDLE_LENGTH: BMI 30 or more -> 2-inch; under 20 -> 1.5-inch.
    assert needle_for(bmi, P)[1] == reason


# --- A2 urine-screen look-back of the signed screening ------------------------------------------


@pytest.mark.parametrize(
    ("screened_before", "code", "field"),
    [
        (-1, Refusal.SCREENING_AFTER_DOSE, "given_at"),  # screening dated tomorrow
        (0, None, None),
        (P.uds_lookback_days, None, None),  # A2: the last day the screening counts
        (P.uds_lookback_days + 1, Refusal.SCREENING_TOO_OLD, "screening"),
    ],
)
def test_first_dose_screening_counts_from_its_day_through_the_a2_lookback(
    screened_before: int, code: str | None, field: str | None
) -> None:
    problem = first_dose_refusal(
        SignedScreening(ON - days(screened_before), FirstDoseGate.ALLOWED), ON, P
    )
    assert (problem.code, problem.field) == (code, field) if problem else code is None


def test_first_dose_refusal_messages_are_exact() -> None:
    after = first_dose_refusal(SignedScreening(ON + days(1), FirstDoseGate.ALLOWED), ON, P)
    assert after is not None
    assert after.message == "the signed screening is dated 2026-11-22, after this dose"
    stale = first_dose_refusal(SignedScreening(ON - days(4), FirstDoseGate.ALLOWED), ON, P)
    assert stale is not None and stale.message == (
        "the last signed screening (2026-11-17) is too old for a first dose on 2026-11-21 "
        "(it counts through 2026-11-20); screen again"
    )
    none = first_dose_refusal(None, ON, P)
    assert none == Problem(
        Refusal.NO_SIGNED_SCREENING,
        "no signed screening: a prescriber must screen and sign before the first dose",
        "screening",
    )


@pytest.mark.parametrize(
    ("decision", "overridden", "code"),
    [
        (FirstDoseGate.ALLOWED, False, None),
        (FirstDoseGate.CONTRAINDICATED, False, Refusal.SCREENING_CONTRAINDICATED),
        (FirstDoseGate.CONTRAINDICATED, True, None),  # the screening's own override
        (FirstDoseGate.NOT_YET, False, Refusal.SCREENING_NOT_YET),
        (FirstDoseGate.NOT_YET, True, None),
    ],
)
def test_first_dose_follows_the_screenings_decision(
    decision: FirstDoseGate, overridden: bool, code: str | None
) -> None:
    problem = first_dose_refusal(SignedScreening(ON, decision, None, overridden), ON, P)
    if code is None:
        assert problem is None
    else:
        assert problem is not None and (problem.code, problem.field) == (code, "screening")
        assert not problem.overridable


def test_contraindicated_and_deferred_screenings_say_why() -> None:
    ci = first_dose_refusal(SignedScreening(ON, FirstDoseGate.CONTRAINDICATED), ON, P)
    assert ci is not None and ci.message == (
        "the signed screening of 2026-11-21 found a contraindication; only a prescriber's "
        "override with a written reason allows a first dose"
    )
    open_ended = first_dose_refusal(SignedScreening(ON, FirstDoseGate.NOT_YET), ON, P)
    assert open_ended is not None and open_ended.message == (
        "not yet: the signed screening of 2026-11-21 defers the first dose (not until the "
        "deferral is cleared); screen again on that day"
    )


# --- A5 urine screen: the day and the day before ------------------------------------------------


@pytest.mark.parametrize(
    ("screen_day", "result"),
    [(-2, None), (-1, True), (0, True), (1, None)],  # a screen dated tomorrow does not count
)
def test_a_urine_screen_counts_on_the_day_and_the_day_before(
    screen_day: int, result: bool | None
) -> None:
    assert screen_result((UrineScreen(ON + days(screen_day), False),), ON) is result


def test_any_positive_screen_of_the_two_days_is_positive() -> None:
    both_negative = (UrineScreen(ON, False), UrineScreen(ON - days(1), False))
    assert screen_result(both_negative, ON) is True
    assert screen_result((UrineScreen(ON - days(1), True), UrineScreen(ON, False)), ON) is False
    assert screen_result((), ON) is None


@pytest.mark.parametrize(
    ("tier", "reported", "required"),
    [
        (tier, reported, tier is InjectionTier.LATE_UDS_REQUIRED
         or (tier is InjectionTier.LATE and reported))
        for tier in InjectionTier for reported in (False, True)
    ],
)  # fmt: skip
def test_urine_screen_is_required_only_in_the_a5_late_tiers(
    tier: InjectionTier, reported: bool, required: bool
) -> None:
    assert urine_screen_required(tier, reported) is required


# --- A5 injection tiers: day before/of/after each threshold, with opioid use reported -----------


@pytest.mark.parametrize(
    ("since", "tier", "required", "refused", "warned"),
    [
        (20, "too_early", False, [Refusal.TOO_EARLY], []),  # A5: earliest re-dose day 21
        (21, "early_window", False, [], []),
        (27, "early_window", False, [], []),
        (28, "due", False, [], []),  # A5: due day 28
        (29, "late", True, [Refusal.URINE_SCREEN_MISSING], ["late"]),  # A5: overdue from day 29
        (34, "late", True, [Refusal.URINE_SCREEN_MISSING], ["late"]),
        (35, "late_uds_required", True, [Refusal.URINE_SCREEN_MISSING], []),  # A5: day 35-55
        (55, "late_uds_required", True, [Refusal.URINE_SCREEN_MISSING], []),
        (56, "rescreen", False, [], []),  # A5: from day 56 the prescriber re-screens
    ],
)
def test_tiers_with_opioid_use_reported(
    since: int, tier: str, required: bool, refused: list[str], warned: list[str]
) -> None:
    d = decide_injection(facts(since, opioid_use_reported=True), entry(), P)
    assert (d.tier, d.urine_screen_required) == (tier, required)
    assert codes(d.refusals) == refused
    assert codes(d.warnings) == warned
    assert d.needs_first_dose_gate is (tier == "rescreen")
    # On timing alone: the re-screen tier gives only through the first-dose gate.
    assert d.may_give is (tier not in ("too_early", "rescreen"))


def test_the_decision_carries_the_days_of_the_cycle() -> None:
    d = decide_injection(facts(28), entry(), P)
    last = ON - days(28)
    assert (d.earliest_on, d.due_on, d.overdue_from) == (
        last + days(P.injection_earliest_redose_day),
        last + days(P.injection_interval_days),
        last + days(P.injection_overdue_from_day),
    )
    assert (d.earliest_on, d.due_on, d.overdue_from) == (ON - days(7), ON, ON + days(1))
    assert (d.timing_message, d.timing_action) == (
        "Day 28: the injection is due today.",
        "Give the injection today.",
    )
    assert not d.first_dose and d.policy == P.version
    first = decide_injection(facts(None), None, P)
    assert (first.earliest_on, first.due_on, first.overdue_from) == (None, None, None)
    assert (first.tier, first.timing_action, first.may_give) == ("first_dose", "", True)
    assert first.timing_message == (
        "First injection: the signed screening must allow a first dose today."
    )
    assert first.side_reason == "first injection: either side"


def test_refusal_messages_of_the_late_tiers_are_exact() -> None:
    late = decide_injection(facts(30, opioid_use_reported=True), None, P)
    assert late.refusals == (
        Problem(
            Refusal.URINE_SCREEN_MISSING,
            "Day 30: the injection is overdue; the blockade is waning. A urine drug screen is "
            "required first (opioid use is reported at this late injection): record a negative "
            "screen (today or yesterday).",
            "urine_screen",
        ),
    )
    overdue = decide_injection(facts(40), None, P)
    assert overdue.refusals[0].message.endswith(
        "A urine drug screen is required first (the injection is well overdue): record a "
        "negative screen (today or yesterday)."
    )
    assert overdue.refusals[0].field == "urine_screen" and not overdue.refusals[0].overridable
    positive = decide_injection(facts(40, urine_screens=(UrineScreen(ON, True),)), None, P)
    assert positive.refusals[0].message.endswith(
        "The urine drug screen is positive: the injection is held and the prescriber decides "
        "(consult, or a naloxone challenge)."
    )
    assert (positive.refusals[0].field, positive.refusals[0].overridable) == ("urine_screen", True)
    assert late.warnings[0] == Problem(
        "late", f"{late.timing_message} {late.timing_action}", "given_at"
    )


def test_a_negative_screen_lets_the_late_tiers_give() -> None:
    negative = (UrineScreen(ON, False),)
    for since in (29, 34, 35, 55):
        d = decide_injection(
            facts(since, opioid_use_reported=True, urine_screens=negative), None, P
        )
        assert d.accepted and d.urine_screen_negative is True, since
    # In the late tier without reported use a positive screen is not asked for and holds nothing.
    d = decide_injection(facts(30, urine_screens=(UrineScreen(ON, True),)), None, P)
    assert d.accepted and not d.urine_screen_required and d.urine_screen_negative is False


def test_too_early_is_refused_with_the_day_it_may_be_given() -> None:
    d = decide_injection(facts(20), None, P)
    assert d.refusals == (
        Problem(
            Refusal.TOO_EARLY,
            "Day 20 after the last injection: before the earliest re-dose day (21). Do not inject "
            "yet; the next injection may be given from 2026-11-22.",
            "given_at",
            overridable=True,
        ),
    )


def test_a_second_injection_on_the_same_day_is_too_early() -> None:
    # The last injection given on the day itself counts (A5: earliest re-dose day 21).
    d = decide_injection(facts(0), entry(side="right"), P)
    assert d.tier == "too_early" and codes(d.refusals) == [Refusal.TOO_EARLY]
    assert not d.first_dose and d.side is Side.RIGHT


def test_an_injection_recorded_after_the_day_is_not_the_last_one() -> None:
    later = PriorInjection(ON + days(1), Side.LEFT)
    d = decide_injection(facts(None, last_injection=later), None, P)
    assert d.first_dose and d.tier == "first_dose" and d.side is Side.LEFT
    assert d.earliest_on is None


def test_rescreen_tier_needs_a_screening_like_a_first_dose() -> None:
    # A5: after day 55 the prescriber re-screens as for a first dose.
    d = decide_injection(facts(56, screening=None), None, P)
    assert (d.tier, d.first_dose, d.needs_first_dose_gate) == ("rescreen", False, True)
    assert codes(d.refusals) == [Refusal.NO_SIGNED_SCREENING]
    old = SignedScreening(ON - days(P.uds_lookback_days + 1), FirstDoseGate.ALLOWED)
    assert codes(decide_injection(facts(56, screening=old), None, P).refusals) == [
        Refusal.SCREENING_TOO_OLD
    ]
    # Day 55 is still the urine-screen tier: no screening needed, the screen is.
    d55 = decide_injection(facts(55, screening=None), None, P)
    assert not d55.needs_first_dose_gate and codes(d55.refusals) == [Refusal.URINE_SCREEN_MISSING]


def test_a_new_episode_is_a_first_dose_even_with_an_earlier_injection() -> None:
    d = decide_injection(facts(40, earlier_dose_in_episode=False, screening=None), None, P)
    assert (d.tier, d.first_dose, d.needs_first_dose_gate) == ("first_dose", True, True)
    assert codes(d.refusals) == [Refusal.NO_SIGNED_SCREENING]
    assert not d.urine_screen_required  # the first-dose gate replaces the late-tier screen


# --- sides, needles and the entry's refusals and warnings ---------------------------------------


def test_side_when_the_last_side_is_not_recorded() -> None:
    d = decide_injection(facts(last_injection=PriorInjection(ON - days(28), None)), entry(), P)
    assert d.side is Side.LEFT
    assert d.side_reason == "the side of the injection on 2026-10-24 is not recorded: either side"
    assert d.accepted and d.warnings == ()
    right = decide_injection(
        facts(last_injection=PriorInjection(ON - days(28), Side.RIGHT)), None, P
    )
    assert right.side is Side.LEFT
    assert right.side_reason == "alternates from the right gluteal on 2026-10-24"


def test_same_side_warning_is_exact() -> None:
    d = decide_injection(facts(), entry(side="left"), P)
    assert d.warnings == (
        Problem(
            "same_side",
            "Same side as the last injection: alternates from the left gluteal on 2026-10-24; "
            "alternate sides.",
            "site",
        ),
    )


@pytest.mark.parametrize(
    ("bmi", "needle", "warned"),
    [
        (19.9, "1.5in", False), (19.9, "2in", True),  # A4: under 20 the 1.5-inch
        (20.0, "2in", False), (29.9, "1.5in", False),  # A4: either supplied needle
        (30.0, "1.5in", True), (30.0, "2in", False),  # A4: 30 or more the 2-inch
        (30.0, "1in", False),  # refused, not warned: not an administration needle
    ],
)  # fmt: skip
def test_needle_habitus_warning(bmi: float, needle: str, warned: bool) -> None:
    d = decide_injection(facts(bmi=bmi), entry(needle=needle), P)
    assert ("needle_habitus" in codes(d.warnings)) is warned


def test_needle_habitus_warning_says_which_needle() -> None:
    d = decide_injection(facts(bmi=32.0), entry(needle="1.5in"), P)
    assert d.warnings == (
        Problem(
            "needle_habitus",
            "Needle differs from the one proposed (2in: BMI 32 is 30 or more: the 2-inch needle).",
            "needle",
        ),
    )


def test_reversal_agent_not_discussed_is_a_warning() -> None:
    # clinical-reference.md 2.2 / label 2.2: discuss naloxone at every injection.
    d = decide_injection(facts(), entry(reversal_agent_discussed=False), P)
    assert d.accepted
    assert d.warnings == (
        Problem(
            "reversal_agent",
            "An overdose reversal agent (naloxone) was not discussed at this injection.",
            "reversal_agent_discussed",
        ),
    )


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"side": "oral"}, Problem("site", "choose the left or right gluteal muscle", "site")),
        ({"side": "left"}, None),
        ({"needle": "1in"}, Problem(
            "needle_not_supplied",
            "the 1-inch needle is for preparing the suspension only; inject with the 1.5-inch or "
            "2-inch supplied needle", "needle")),
        ({"needle": "5/8in"}, Problem(
            "needle_not_supplied", "choose one of the supplied needles (1.5-inch or 2-inch)",
            "needle")),
        ({"needle": "2in"}, None),
        ({"lot": ""}, Problem("lot_missing", "the lot number is required", "lot")),
        ({"expiry": None}, Problem("expiry_missing", "the expiry date is required", "expiry")),
        ({"expiry": ON - days(1)}, Problem(
            "lot_expired", "this lot expired on 2026-11-20: do not use it", "expiry")),
        ({"expiry": ON}, None),  # expires today: still usable
        ({"dose_mg": 190}, Problem(
            "strength",
            "the injection comes only as 380 mg; a 190 mg injection is refused, not credited",
            "dose_mg")),
        ({"dose_mg": None}, None),  # the dose field left empty: the product's one strength
        ({"dose_mg": 380}, None),  # fact sheet 2.3: only one strength
    ],
)  # fmt: skip
def test_each_entry_refusal_is_exact(changes: dict[str, object], problem: Problem | None) -> None:
    d = decide_injection(facts(), entry(**changes), P)
    assert d.refusals == ((problem,) if problem else ())


def test_entry_refusals_come_before_the_days_refusals() -> None:
    d = decide_injection(facts(20), entry(lot=""), P)
    assert codes(d.refusals) == [Refusal.LOT_MISSING, Refusal.TOO_EARLY]


# --- the prescriber's override ------------------------------------------------------------------


def test_override_lifts_only_the_codes_it_names() -> None:
    too_early = Override(frozenset({Refusal.TOO_EARLY}), "travelling abroad", "pat")
    d = decide_injection(facts(20, override=too_early), None, P)
    assert d.accepted and codes(d.overridden) == [Refusal.TOO_EARLY]
    assert d.override == too_early
    other = Override(frozenset({Refusal.URINE_SCREEN_POSITIVE}), "travelling abroad", "pat")
    d = decide_injection(facts(20, override=other), None, P)
    assert codes(d.refusals) == [Refusal.TOO_EARLY] and d.overridden == ()
    assert d.override is None  # an override that lifted nothing is not shown


# --- as_dict: what the MAR stores and the API returns --------------------------------------------


def test_decision_as_dict() -> None:
    d = decide_injection(facts(20, bmi=31.5), entry(needle="1.5in"), P)
    assert d.as_dict() == {
        "on": "2026-11-21",
        "side": "right",
        "side_reason": "alternates from the left gluteal on 2026-11-01",
        "needle": "2in",
        "needle_reason": "BMI 31.5 is 30 or more: the 2-inch needle",
        "needles_fitting": ["2in"],
        "bmi": 31.5,
        "first_dose": False,
        "tier": "too_early",
        "timing_message": "Day 20 after the last injection: before the earliest re-dose day (21).",
        "timing_action": "Do not inject yet; the next injection may be given from 2026-11-22.",
        "may_give": False,
        "earliest_on": "2026-11-22",
        "due_on": "2026-11-29",
        "overdue_from": "2026-11-30",
        "needs_first_dose_gate": False,
        "urine_screen_required": False,
        "urine_screen_negative": None,
        "refusals": [
            {
                "code": "too_early",
                "message": "Day 20 after the last injection: before the earliest re-dose day "
                "(21). Do not inject yet; the next injection may be given from 2026-11-22.",
                "field": "given_at",
                "overridable": True,
            }
        ],
        "overridden": [],
        "warnings": [
            {
                "code": "needle_habitus",
                "message": "Needle differs from the one proposed (2in: BMI 31.5 is 30 or more: "
                "the 2-inch needle).",
                "field": "needle",
                "overridable": False,
            }
        ],
        "policy": P.version,
    }
    first = decide_injection(facts(None), None, P).as_dict()
    assert (first["earliest_on"], first["due_on"], first["overdue_from"]) == (None, None, None)
    override = Override(frozenset({Refusal.TOO_EARLY}), "travel", "pat")
    lifted = decide_injection(facts(20, override=override), None, P).as_dict()
    assert lifted["refusals"] == []
    assert lifted["overridden"] == [
        {
            "code": "too_early",
            "message": "Day 20 after the last injection: before the earliest re-dose day (21). "
            "Do not inject yet; the next injection may be given from 2026-11-22.",
            "field": "given_at",
            "overridable": True,
        }
    ]


# --- A5 oral doses ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mg", "ok"),
    [(None, False), (-25, False), (0, False), (24, False), (25, True), (26, False), (50, True),
     (75, True), (100, True), (125, True), (P.oral_max_single_dose_mg, True),
     (P.oral_max_single_dose_mg + 1, False), (P.oral_max_single_dose_mg + 25, False)],
)  # fmt: skip
def test_oral_dose_is_whole_half_tablets_up_to_the_largest_label_dose(
    mg: int | None, ok: bool
) -> None:
    # clinical-reference.md A5: 25 mg induction, 50 mg daily, up to 150 mg every third day.
    problem = oral_dose_refusal(mg, P)
    if ok:
        assert problem is None
    else:
        assert problem == Problem(
            Refusal.ORAL_DOSE,
            "an oral dose is 25-150 mg in steps of 25 mg (50 mg scored tablets)",
            "dose_mg",
        )


def test_oral_first_dose_needs_the_signed_screening() -> None:
    first = decide_oral_dose(OralFacts(ON, False), 25, P)
    assert (first.first_dose, first.tier, first.policy) == (True, "first_dose", P.version)
    assert codes(first.refusals) == [Refusal.NO_SIGNED_SCREENING] and not first.accepted
    allowed = decide_oral_dose(
        OralFacts(ON, False, SignedScreening(ON, FirstDoseGate.ALLOWED)), 25, P
    )
    assert allowed.accepted and allowed.tier == "first_dose" and allowed.on == ON
    later = decide_oral_dose(OralFacts(ON, True), 50, P)
    assert (later.first_dose, later.tier, later.refusals) == (False, "", ())
    both = decide_oral_dose(OralFacts(ON, False), 24, P)
    assert codes(both.refusals) == [Refusal.ORAL_DOSE, Refusal.NO_SIGNED_SCREENING]


# --- what a recorded dose books, and the schedule command's visit decision -----------------------


def test_an_implant_covers_its_configured_days() -> None:
    # clinical-reference.md A5: implant coverage a clinic setting, default 90 days.
    assert implant_covered_days(P) == P.implant_coverage_days == 90


@pytest.mark.parametrize(
    ("since", "reported", "screens", "tier", "refused"),
    [
        (28, True, (), "due", []),
        (30, False, (), "late", []),
        (30, True, (), "late", [Refusal.URINE_SCREEN_MISSING]),
        (40, False, (UrineScreen(ON, True),), "late_uds_required",
         [Refusal.URINE_SCREEN_POSITIVE]),
        (56, False, (), "rescreen", [Refusal.NO_SIGNED_SCREENING]),
    ],
)  # fmt: skip
def test_visit_decision_of_a_patient_in_treatment(
    since: int,
    reported: bool,
    screens: tuple[UrineScreen, ...],
    tier: str,
    refused: list[str],
) -> None:
    d = visit_decision(
        PriorInjection(ON - days(since), Side.RIGHT),
        ON,
        P,
        opioid_use_reported=reported,
        urine_screens=screens,
    )
    assert (d.tier, codes(d.refusals), d.first_dose, d.side) == (tier, refused, False, Side.LEFT)
    assert d.bmi is None and d.needle is Needle.INCH_2


def test_visit_decision_defaults_to_no_reported_use_and_no_screen() -> None:
    d = visit_decision(PriorInjection(ON - days(30), Side.LEFT), ON, P)
    assert (d.tier, d.urine_screen_required, d.urine_screen_negative) == ("late", False, None)
    assert d.accepted and codes(d.warnings) == ["late"]


@pytest.mark.parametrize(("since", "tier"), [(13, "too_early"), (14, "early_window")])
def test_the_clinics_own_earliest_redose_day_decides(since: int, tier: str) -> None:
    # clinical-reference.md A5: the earliest re-dose day is a setting (21 by default), and the
    # decision must use the clinic's policy, not the default one.
    clinic = dataclasses.replace(P, injection_earliest_redose_day=14)
    assert decide_injection(facts(since), None, clinic).tier == tier
