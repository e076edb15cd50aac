"""The MAR's decisions in the core (clinical/mar.py): needle, side, timing, urine screen, first
dose, strength and the prescriber's override. Boundary tables cite Part A A4/A5."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from naltrack.clinical.mar import (
    FirstDoseGate,
    InjectionEntry,
    InjectionFacts,
    Needle,
    OralFacts,
    Override,
    PriorInjection,
    Refusal,
    SignedScreening,
    UrineScreen,
    decide_injection,
    decide_oral_dose,
    first_dose_refusal,
    needle_for,
    visits_after_injection,
)
from naltrack.clinical.policy import DEFAULT_POLICY as P
from naltrack.clinical.vocab import Side

ON = date(2026, 11, 21)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def facts(since: int | None = 28, **changes: object) -> InjectionFacts:
    values: dict[str, object] = dict(
        on=ON,
        last_injection=PriorInjection(ON - days(since), Side.LEFT) if since is not None else None,
        earlier_dose_in_episode=since is not None,
        bmi=25.0,
        screening=SignedScreening(ON, FirstDoseGate.ALLOWED),
    )
    values.update(changes)
    return InjectionFacts(**values)  # type: ignore[arg-type]


def entry(**changes: object) -> InjectionEntry:
    values: dict[str, object] = dict(
        side="right", needle="1.5in", dose_mg=380, lot="LOT-1", expiry=ON + days(100),
        reversal_agent_discussed=True,
    )  # fmt: skip
    values.update(changes)
    return InjectionEntry(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("bmi", "proposed", "fitting"),
    [
        (None, Needle.INCH_2, (Needle.INCH_1_5, Needle.INCH_2)),
        (17.0, Needle.INCH_1_5, (Needle.INCH_1_5,)),  # lean: never the 1-inch (issue 9)
        (19.9, Needle.INCH_1_5, (Needle.INCH_1_5,)),
        (20.0, Needle.INCH_1_5, (Needle.INCH_1_5, Needle.INCH_2)),
        (29.9, Needle.INCH_1_5, (Needle.INCH_1_5, Needle.INCH_2)),
        (30.0, Needle.INCH_2, (Needle.INCH_2,)),
    ],
)
def test_needle_is_a_supplied_administration_needle_by_bmi(
    bmi: float | None, proposed: Needle, fitting: tuple[Needle, ...]
) -> None:
    needle, reason, fits = needle_for(bmi, P)
    assert (needle, fits) == (proposed, fitting)
    assert "1-inch" not in reason and needle.value != "1in"


def test_the_1_inch_preparation_needle_is_refused_for_the_injection() -> None:
    d = decide_injection(facts(bmi=17.0), entry(needle="1in"), P)
    assert [r.code for r in d.refusals] == [Refusal.NEEDLE_NOT_SUPPLIED]
    assert "preparing the suspension" in d.refusals[0].message
    assert d.refusals[0].field == "needle"


def test_a_needle_that_does_not_fit_the_habitus_is_a_warning() -> None:
    d = decide_injection(facts(bmi=32.0), entry(needle="1.5in"), P)
    assert d.accepted and [w.code for w in d.warnings] == ["needle_habitus"]


@pytest.mark.parametrize(
    ("since", "tier", "refused"),
    [
        (20, "too_early", [Refusal.TOO_EARLY]),
        (21, "early_window", []),
        (27, "early_window", []),
        (28, "due", []),
        (29, "late", []),
        (34, "late", []),
        (35, "late_uds_required", [Refusal.URINE_SCREEN_MISSING]),
        (55, "late_uds_required", [Refusal.URINE_SCREEN_MISSING]),
        (56, "rescreen", []),  # the screening of today allows it
    ],
)
def test_timing_tiers_refuse_what_the_core_refuses(
    since: int, tier: str, refused: list[str]
) -> None:
    d = decide_injection(facts(since), entry(), P)
    assert d.tier == tier
    assert [r.code for r in d.refusals] == refused


def test_late_tier_needs_a_screen_only_when_opioid_use_is_reported() -> None:
    quiet = decide_injection(facts(30), entry(), P)
    assert not quiet.urine_screen_required and quiet.accepted
    assert [w.code for w in quiet.warnings] == ["late"]
    reported = decide_injection(facts(30, opioid_use_reported=True), entry(), P)
    assert reported.urine_screen_required
    assert [r.code for r in reported.refusals] == [Refusal.URINE_SCREEN_MISSING]
    negative = facts(
        30, opioid_use_reported=True, urine_screens=(UrineScreen(ON - days(1), False),)
    )
    assert decide_injection(negative, entry(), P).accepted
    stale = facts(30, opioid_use_reported=True, urine_screens=(UrineScreen(ON - days(2), False),))
    assert decide_injection(stale, entry(), P).urine_screen_negative is None


def test_a_positive_late_screen_holds_the_injection_until_a_prescriber_overrides() -> None:
    positive = (UrineScreen(ON, True), UrineScreen(ON - days(1), False))
    held = decide_injection(facts(40, urine_screens=positive), entry(), P)
    assert [r.code for r in held.refusals] == [Refusal.URINE_SCREEN_POSITIVE]
    assert held.refusals[0].overridable and held.urine_screen_negative is False
    override = Override(
        frozenset({Refusal.URINE_SCREEN_POSITIVE}), "naloxone challenge negative", "pat"
    )
    lifted = decide_injection(facts(40, urine_screens=positive, override=override), entry(), P)
    assert lifted.accepted and [r.code for r in lifted.overridden] == [
        Refusal.URINE_SCREEN_POSITIVE
    ]
    assert lifted.override == override


def test_an_override_never_lifts_what_is_not_overridable() -> None:
    everything = Override(frozenset(r.value for r in Refusal), "anything", "pat")
    d = decide_injection(facts(40, override=everything), entry(dose_mg=190, lot=""), P)
    assert {r.code for r in d.refusals} == {
        Refusal.URINE_SCREEN_MISSING, Refusal.STRENGTH, Refusal.LOT_MISSING
    }  # fmt: skip
    blank = Override(frozenset({Refusal.TOO_EARLY}), "  ", "pat")
    assert not decide_injection(facts(20, override=blank), entry(), P).accepted


@pytest.mark.parametrize("mg", [190, 379, 381, 760])
def test_an_injection_of_a_strength_the_product_does_not_come_in_is_refused(mg: int) -> None:
    d = decide_injection(facts(), entry(dose_mg=mg), P)
    assert [(r.code, r.field) for r in d.refusals] == [(Refusal.STRENGTH, "dose_mg")]
    assert "refused, not credited" in d.refusals[0].message


def test_side_alternates_and_the_same_side_is_a_warning() -> None:
    d = decide_injection(facts(), entry(side="left"), P)
    assert d.side is Side.RIGHT and "alternates from the left gluteal" in d.side_reason
    assert [w.code for w in d.warnings] == ["same_side"]
    assert decide_injection(facts(None), None, P).side is Side.LEFT


def test_expired_lot_and_missing_parts_are_refused_with_their_fields() -> None:
    d = decide_injection(facts(), entry(side="oral", lot=" ", expiry=ON - days(1)), P)
    assert [r.field for r in d.refusals] == ["site", "lot", "expiry"]
    assert decide_injection(facts(), entry(expiry=ON), P).accepted  # expires today: still usable


def test_first_dose_follows_the_signed_screening() -> None:
    assert first_dose_refusal(None, ON, P).code == Refusal.NO_SIGNED_SCREENING  # type: ignore[union-attr]
    not_yet = SignedScreening(ON, FirstDoseGate.NOT_YET, ON + days(3))
    problem = first_dose_refusal(not_yet, ON, P)
    assert problem is not None and f"not before {ON + days(3)}" in problem.message
    assert first_dose_refusal(SignedScreening(ON, FirstDoseGate.NOT_YET, None, True), ON, P) is None
    lookback = SignedScreening(ON - days(P.uds_lookback_days), FirstDoseGate.ALLOWED)
    assert first_dose_refusal(lookback, ON, P) is None  # the last day it counts
    stale = SignedScreening(ON - days(P.uds_lookback_days + 1), FirstDoseGate.ALLOWED)
    assert first_dose_refusal(stale, ON, P).code == Refusal.SCREENING_TOO_OLD  # type: ignore[union-attr]
    d = decide_injection(facts(None, screening=None), entry(), P)
    assert d.first_dose and d.tier == "first_dose" and d.refusals[0].field == "screening"


def test_too_early_is_refused_even_in_a_new_episode() -> None:
    d = decide_injection(facts(10, earlier_dose_in_episode=False), entry(), P)
    assert Refusal.TOO_EARLY in [r.code for r in d.refusals] and d.first_dose


@pytest.mark.parametrize(
    ("mg", "ok"), [(None, False), (0, False), (24, False), (25, True), (50, True), (60, False),
                   (150, True), (175, False), (350, False)],
)  # fmt: skip
def test_oral_dose_bounds(mg: int | None, ok: bool) -> None:
    d = decide_oral_dose(OralFacts(ON, True), mg, P)
    assert d.accepted is ok
    if not ok:
        assert d.refusals[0].field == "dose_mg"


def test_visits_after_an_injection_are_the_due_day_and_the_redose_window() -> None:
    assert visits_after_injection(ON, P) == (ON + days(28), ON + days(20))


def test_every_refusal_is_described_in_the_rules_document() -> None:
    from naltrack.clinical.mar import OVERRIDABLE, REFUSAL_RULES
    from naltrack.clinical.rulesdoc import render_rules_doc

    assert set(REFUSAL_RULES) == set(Refusal)
    rows = {
        line.split("`")[1]: line
        for line in render_rules_doc(P).splitlines()
        if line.startswith("| `") and line.split("`")[1] in set(Refusal)
    }
    for code in Refusal:
        assert rows[code.value].endswith("| yes |" if code in OVERRIDABLE else "| no |")
    assert {
        Refusal.TOO_EARLY,
        Refusal.URINE_SCREEN_POSITIVE,
        Refusal.FIRST_DOSE_URINE_SCREEN_MISSING,
        Refusal.FIRST_DOSE_URINE_SCREEN_POSITIVE,
        Refusal.NO_ACTIVE_ORDER,
        Refusal.ORDER_MISMATCH,
        Refusal.NO_PRIOR_AUTHORIZATION,
    } == OVERRIDABLE
