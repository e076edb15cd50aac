"""The CDS Hooks advice (clinical/cds.py): which orders are opioids or naltrexone, and each card's
indicator, words and source for every protection level and screening decision, with the dates
the protection status gives (the same the chart and the wallet card show)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from naltrack.clinical.cds import (
    BLOCKADE_SOURCE,
    PAIN_OPTIONS,
    PAIN_SOURCE,
    SUMMARY_MAX,
    TOLERANCE_SOURCE,
    Advice,
    Indicator,
    OrderKind,
    StartFacts,
    _what,
    classify_order,
    naltrexone_order,
    opioid_order,
    patient_view,
)
from naltrack.clinical.coverage import Administration
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.protection import Protection, ProtectionStatus, protection_status
from naltrack.clinical.vocab import Formulation, StopReason

SHOT = date(2026, 11, 1)  # an injection: covered 28 days, waning from day 25, overdue from day 29


def status(on: date, *, stopped: bool = False, reason: StopReason | None = None,
           formulation: Formulation = Formulation.XR_INJECTION) -> ProtectionStatus:  # fmt: skip
    dose = Administration(SHOT, formulation, 50 if formulation is Formulation.ORAL else None)
    return protection_status(
        [dose], on, DEFAULT_POLICY, treatment_stopped=stopped, stop_reason=reason
    )


@pytest.mark.parametrize(
    ("text", "rxnorm", "kind"),
    [
        ("oxycodone 5 MG Oral Tablet", None, OrderKind.OPIOID),
        ("anything", "7804", OrderKind.OPIOID),  # the code decides before the words
        ("guaifenesin with codeine", None, OrderKind.OPIOID),  # an antitussive opioid
        ("loperamide", None, OrderKind.OPIOID),  # an antidiarrheal opioid
        ("buprenorphine", None, OrderKind.OPIOID),  # maintenance
        ("pentazocine", None, OrderKind.OPIOID),  # mixed agonist-antagonist
        ("naltrexone hydrochloride 50 MG Oral Tablet", None, OrderKind.NALTREXONE),
        ("x", "637213", OrderKind.NALTREXONE),  # XR-naltrexone 380 mg
        ("morphine/naltrexone", None, OrderKind.OPIOID),  # Embeda: the opioid decides
        ("bupropion/naltrexone", None, OrderKind.OTHER),  # Contrave: not a naltrexone start
        ("ibuprofen 400 MG", None, OrderKind.OTHER),
        ("an unknown word", None, OrderKind.OTHER),
    ],
)
def test_classify_order(text: str, rxnorm: str | None, kind: OrderKind) -> None:
    assert classify_order(text, rxnorm) is kind


def test_a_summary_must_be_under_140_characters() -> None:
    Advice(Indicator.INFO, "x" * (SUMMARY_MAX - 1), "", "", "k")
    with pytest.raises(ValueError, match="under 140"):
        Advice(Indicator.INFO, "x" * SUMMARY_MAX, "", "", "k")


# --- patient-view ---------------------------------------------------------------------------------


def test_patient_view_while_blocked() -> None:
    s = status(SHOT + timedelta(days=10))
    assert s.level is Protection.BLOCKED
    a = patient_view(s)
    assert a is not None
    assert (a.indicator, a.summary, a.source, a.kind) == (
        Indicator.WARNING, "Naltrexone blocks opioids until about 2026-11-29", BLOCKADE_SOURCE, "blockade")  # fmt: skip
    assert (a.start, a.until) == (SHOT, date(2026, 11, 29))  # the flag's period
    assert a.detail == (
        "Already treated for a substance use disorder with the monthly naltrexone injection "
        "(XR-naltrexone 380 mg) at this program (last dose 2026-11-01): a rule that would offer "
        "medication for opioid use disorder does not apply. Opioid analgesics will not work until "
        f"then. {PAIN_OPTIONS}"
    )


def test_patient_view_while_waning() -> None:
    s = status(SHOT + timedelta(days=25))
    assert s.level is Protection.WANING
    a = patient_view(s)
    assert a is not None and (a.indicator, a.kind, a.source) == (
        Indicator.WARNING,
        "blockade",
        BLOCKADE_SOURCE,
    )
    assert a.summary == "Naltrexone blockade wearing off; blocks opioids until about 2026-11-29"
    assert (a.start, a.until) == (SHOT, date(2026, 11, 29))
    assert "The next dose is due; as the blockade wears off, opioid use can overdose." in a.detail
    assert a.detail.startswith("Already treated") and a.detail.endswith(PAIN_OPTIONS)


def test_patient_view_when_the_injection_is_overdue() -> None:
    s = status(SHOT + timedelta(days=29))  # overdue from day 29
    assert s.level is Protection.ENDED
    a = patient_view(s)
    assert a is not None and (a.indicator, a.kind, a.source) == (
        Indicator.CRITICAL,
        "overdue",
        TOLERANCE_SOURCE,
    )
    assert a.summary == "Naltrexone has worn off: dose overdue, high opioid overdose risk"
    assert (a.start, a.until) == (date(2026, 11, 29), None)  # from the end of cover, until a dose
    assert "No naltrexone covers today (cover ended 2026-11-29)." in a.detail
    assert a.detail.endswith("Check for naloxone on hand and contact the program.")


def test_patient_view_after_stopping_within_and_after_the_risk_window() -> None:
    within = status(SHOT + timedelta(days=40), stopped=True)
    assert within.level is Protection.STOPPED and within.risk_until == date(2026, 12, 28)
    a = patient_view(within)
    assert a is not None and (a.indicator, a.kind, a.source) == (
        Indicator.WARNING,
        "stopped",
        TOLERANCE_SOURCE,
    )
    assert a.summary == "Stopped naltrexone: opioid overdose risk until about 2026-12-28"
    assert (a.start, a.until) == (SHOT, date(2026, 12, 28))
    assert a.detail.startswith("Treated with the monthly naltrexone injection (XR-naltrexone 380 mg) at this program until 2026-11-01")  # fmt: skip
    assert patient_view(status(date(2026, 12, 28), stopped=True)) is not None  # the last day
    assert patient_view(status(date(2026, 12, 29), stopped=True)) is None


def test_patient_view_says_nothing_without_a_dose_or_after_death() -> None:
    assert patient_view(protection_status([], SHOT, DEFAULT_POLICY)) is None
    assert patient_view(status(SHOT + timedelta(days=3), reason=StopReason.DEATH)) is None


def test_the_formulation_is_named() -> None:
    a = patient_view(status(SHOT, formulation=Formulation.ORAL))
    assert a is not None and "with naltrexone tablets at this program" in a.detail
    assert _what(status(SHOT, formulation=Formulation.IMPLANT)) == "a naltrexone implant"
    assert _what(protection_status([], SHOT, DEFAULT_POLICY)) == "naltrexone"  # no dose: no form


# --- an opioid ordered ----------------------------------------------------------------------------


@pytest.mark.parametrize("days", [10, 25])
def test_an_opioid_while_blocked_or_waning_is_critical(days: int) -> None:
    a = opioid_order(status(SHOT + timedelta(days=days)), "oxycodone")
    assert a is not None and (a.indicator, a.kind, a.source) == (
        Indicator.CRITICAL,
        "opioid_order",
        PAIN_SOURCE,
    )
    assert a.summary == "Naltrexone will block oxycodone until about 2026-11-29"
    assert a.detail.startswith("The patient receives the monthly naltrexone injection (XR-naltrexone 380 mg) (last dose 2026-11-01)")  # fmt: skip
    assert a.detail.endswith(PAIN_OPTIONS)


def test_an_opioids_name_is_cut_to_keep_the_summary_short() -> None:
    a = opioid_order(status(SHOT), "y" * 200)
    assert a is not None and "y" * 40 + " until" in a.summary and "y" * 41 not in a.summary


def test_an_opioid_after_the_blockade_warns_of_lost_tolerance() -> None:
    for s in (status(SHOT + timedelta(days=29)), status(SHOT + timedelta(days=40), stopped=True)):
        a = opioid_order(s, "morphine")
        assert a is not None and (a.indicator, a.kind, a.source) == (
            Indicator.WARNING,
            "opioid_order",
            TOLERANCE_SOURCE,
        )
        assert a.summary == "Opioid after naltrexone: tolerance lost, overdose risk with morphine"
        assert a.detail.startswith("The naltrexone blockade ended about 2026-11-29.")
    assert (
        opioid_order(status(date(2026, 12, 28), stopped=True), "morphine") is not None
    )  # last day
    assert opioid_order(status(date(2026, 12, 29), stopped=True), "morphine") is None
    long = opioid_order(status(SHOT + timedelta(days=29)), "z" * 90)
    assert long is not None and long.summary.endswith("with " + "z" * 40)
    assert opioid_order(protection_status([], SHOT, DEFAULT_POLICY), "morphine") is None


# --- naltrexone ordered ---------------------------------------------------------------------------

NONE = StartFacts(None, None, None)
ON = date(2026, 12, 10)


def test_naltrexone_for_a_covered_patient_is_a_duplicate() -> None:
    assert naltrexone_order(status(SHOT + timedelta(days=5)), NONE, SHOT + timedelta(days=5)) == Advice(
        Indicator.INFO, "Already on naltrexone at this program until about 2026-11-29",
        "The patient receives the monthly naltrexone injection (XR-naltrexone 380 mg) (last dose "
        "2026-11-01) from the program: a second order would duplicate it.", BLOCKADE_SOURCE, "duplicate")  # fmt: skip


WITHDRAWAL = "a start before it precipitates withdrawal."


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (NONE, Advice(Indicator.WARNING, "Naltrexone start: no signed opioid-free screening at the program",
                      "Starting naltrexone before the opioid-free interval is complete precipitates "
                      "withdrawal. The program has no signed screening for this start.", "Part A A1-A3", "start")),
        (StartFacts(date(2026, 12, 8), "contraindicated", None),
         Advice(Indicator.CRITICAL, "Naltrexone start: contraindicated at the program's screening of 2026-12-08",
                "The program's screening found a contraindication to naltrexone (for example current "
                "opioid analgesics or acute hepatitis).", "Part A A3-A4", "start")),
        (StartFacts(date(2026, 12, 8), "not_yet", date(2026, 12, 15)),
         Advice(Indicator.CRITICAL, "Naltrexone start: opioid-free interval not complete; earliest 2026-12-15",
                f"The program's screening of 2026-12-08 gives 2026-12-15 as the earliest start day; {WITHDRAWAL}",
                "Part A A1-A2", "start")),
        (StartFacts(date(2026, 12, 8), "not_yet", None),
         Advice(Indicator.CRITICAL, "Naltrexone start: opioid-free interval not complete; earliest an unknown day",
                f"The program's screening of 2026-12-08 gives an unknown day as the earliest start day; {WITHDRAWAL}",
                "Part A A1-A2", "start")),
        (StartFacts(date(2026, 12, 8), "eligible", date(2026, 12, 11)),
         Advice(Indicator.CRITICAL, "Naltrexone start: opioid-free interval not complete; earliest 2026-12-11",
                f"The program's screening of 2026-12-08 gives 2026-12-11 as the earliest start day; {WITHDRAWAL}",
                "Part A A1-A2", "start")),
        (StartFacts(date(2026, 12, 8), "needs_review", date(2026, 12, 10)),
         Advice(Indicator.WARNING, "Naltrexone start: the program's screening of 2026-12-08 needs review",
                "A finding of the screening needs a prescriber's review before the start.", "Part A A1-A3", "start")),
    ],
)  # fmt: skip
def test_naltrexone_before_the_start_shows_the_screening(
    facts: StartFacts, expected: Advice
) -> None:
    assert naltrexone_order(protection_status([], ON, DEFAULT_POLICY), facts, ON) == expected


def test_naltrexone_on_or_after_an_eligible_start_says_nothing() -> None:
    for day in (ON, ON - timedelta(days=1)):
        facts = StartFacts(date(2026, 12, 8), "eligible", day)
        assert naltrexone_order(protection_status([], ON, DEFAULT_POLICY), facts, ON) is None
    assert naltrexone_order(protection_status([], ON, DEFAULT_POLICY), StartFacts(date(2026, 12, 8), "eligible", None), ON) is None  # fmt: skip
