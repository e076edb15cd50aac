"""Properties that must hold for any input (hypothesis, derandomized: see tests/conftest.py)."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from naltrack.clinical.coverage import Administration, coverage
from naltrack.clinical.findings import Decision
from naltrack.clinical.regimens import ScheduleRequest, build_schedule
from naltrack.clinical.screening import screen
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
)
from naltrack.clinical.vocab import Formulation, Indication, OpioidKind, SexAtBirth, Side
from tests.builders import AS_OF, days

RANK = {
    Decision.ELIGIBLE: 0,
    Decision.NEEDS_REVIEW: 1,
    Decision.NOT_YET: 2,
    Decision.CONTRAINDICATED: 3,
}
past = st.integers(min_value=0, max_value=400).map(lambda n: AS_OF - days(n))
maybe = st.none().__or__


@st.composite
def screening_facts(draw: st.DrawFn) -> ScreeningFacts:
    indications = draw(st.sets(st.sampled_from(list(Indication)), min_size=1))
    uds = draw(
        maybe(
            st.builds(
                UrineDrugScreen,
                past,
                st.dictionaries(
                    st.sampled_from(list(Analyte)), st.sampled_from(list(LabResult)), min_size=1
                ),
            )
        )
    )
    return ScreeningFacts(
        as_of=AS_OF,
        indications=frozenset(indications),
        formulation=draw(st.sampled_from(list(Formulation))),
        age_years=draw(maybe(st.integers(10, 90))),
        sex_at_birth=draw(maybe(st.sampled_from(list(SexAtBirth)))),
        pregnant=draw(maybe(st.booleans())),
        breastfeeding=draw(maybe(st.booleans())),
        last_opioid_use=draw(
            maybe(st.builds(LastOpioidUse, past, st.sampled_from(list(OpioidKind))))
        ),
        last_alcohol_use=draw(maybe(past)),
        urine_drug_screen=uds,
        naloxone_challenge=draw(
            maybe(st.builds(NaloxoneChallenge, past, st.sampled_from(list(LabResult))))
        ),
        cows_score=draw(maybe(st.integers(0, 48))),
        ciwa_ar_score=draw(maybe(st.integers(0, 67))),
        liver=draw(
            maybe(
                st.builds(
                    Liver,
                    acute_hepatitis=maybe(st.booleans()),
                    alt=maybe(st.floats(0, 1000)),
                    ast=maybe(st.floats(0, 1000)),
                    alt_uln=st.just(40.0),
                    ast_uln=st.just(40.0),
                    date=maybe(past),
                )
            )
        ),
        renal_impairment=draw(maybe(st.sampled_from(list(RenalImpairment)))),
        coagulation_disorder=draw(maybe(st.booleans())),
        platelets_10e9_per_l=draw(maybe(st.floats(0, 500))),
        bmi=draw(maybe(st.floats(12, 60))),
        phq9=draw(
            maybe(
                st.integers(0, 3).flatmap(
                    lambda i9: st.builds(Phq9Summary, st.integers(i9, 27), st.just(i9))
                )
            )
        ),
        medications=tuple(
            MedicationEntry(n)
            for n in draw(
                st.lists(
                    st.sampled_from(
                        ["sertraline", "kava", "loperamide", "Zorblaxin", "warfarin", "Contrave"]
                    ),
                    max_size=3,
                )
            )
        ),
        needs_opioid_analgesia=draw(maybe(st.booleans())),
        planned_surgery_date=draw(maybe(st.integers(-10, 120).map(lambda n: AS_OF + days(n)))),
    )


BLOCKING_FACTS: list[Callable[[ScreeningFacts], ScreeningFacts]] = [
    lambda f: dataclasses.replace(f, needs_opioid_analgesia=True),
    lambda f: dataclasses.replace(f, cows_score=max(f.cows_score or 0, 5)),
    lambda f: dataclasses.replace(f, ciwa_ar_score=max(f.ciwa_ar_score or 0, 10)),
    lambda f: dataclasses.replace(f, medications=(*f.medications, MedicationEntry("oxycodone"))),
    lambda f: dataclasses.replace(f, allergies=(*f.allergies, "naltrexone")),
    lambda f: dataclasses.replace(
        f, urine_drug_screen=UrineDrugScreen(AS_OF, {Analyte.FENTANYL: LabResult.POSITIVE})
    ),
    lambda f: dataclasses.replace(
        f, naloxone_challenge=NaloxoneChallenge(AS_OF, LabResult.POSITIVE)
    ),
    lambda f: dataclasses.replace(
        f, last_opioid_use=LastOpioidUse(AS_OF - days(1), OpioidKind.SHORT_ACTING)
    ),
]


@given(screening_facts(), st.sampled_from(range(len(BLOCKING_FACTS))))
def test_adding_a_blocking_fact_never_makes_a_decision_more_permissive(
    facts: ScreeningFacts, which: int
) -> None:
    before = screen(facts)
    after = screen(BLOCKING_FACTS[which](facts))
    assert RANK[after.decision] >= max(RANK[before.decision], RANK[Decision.NOT_YET])
    if (
        before.decision is after.decision is Decision.NOT_YET
        and after.earliest_start_date is not None
    ):
        assert before.earliest_start_date is not None
        assert after.earliest_start_date >= before.earliest_start_date


@given(screening_facts())
def test_decision_and_earliest_date_follow_the_contract(facts: ScreeningFacts) -> None:
    result = screen(facts)
    if result.decision in (Decision.ELIGIBLE, Decision.NEEDS_REVIEW):
        assert result.earliest_start_date == AS_OF
    elif result.decision is Decision.CONTRAINDICATED:
        assert result.earliest_start_date is None
    elif result.earliest_start_date is not None:
        assert result.earliest_start_date > AS_OF
    assert all(f.source and f.action and f.message for f in result.findings)


administrations = st.lists(
    st.builds(
        Administration,
        st.integers(-60, 400).map(lambda n: date(2026, 1, 1) + days(n)),
        st.sampled_from(list(Formulation)),
        st.sampled_from([25.0, 50.0, 100.0, 150.0, 380.0]),
    ),
    max_size=60,
)


@given(administrations, st.integers(0, 365), st.integers(0, 400))
def test_pdc_stays_within_0_and_1(admins: list[Administration], start: int, length: int) -> None:
    first = date(2026, 1, 1) + days(start)
    report = coverage(admins, first, first + days(length))
    assert 0.0 <= report.pdc <= 1.0
    assert report.days_covered + sum(g.days for g in report.gaps) == report.days_in_period


@given(
    st.sampled_from(
        [
            "xr_injection",
            "oral_daily",
            "oral_mwf",
            "oral_weekdays_sat",
            "oral_every_other_day",
            "oral_every_third_day",
            "implant",
        ]
    ),
    st.integers(0, 365).map(lambda n: date(2026, 1, 1) + days(n)),
    st.integers(1, 40),
    maybe(st.sampled_from(list(Side))),
)
def test_schedule_dates_strictly_increase_and_injection_sides_alternate(
    regimen: str, start: date, count: int, last_side: Side | None
) -> None:
    schedule = build_schedule(
        ScheduleRequest(
            regimen, start, frozenset({Indication.OUD}), count=count, last_injection_side=last_side
        )
    )
    dates = [d.date for d in schedule.doses]
    assert dates == sorted(set(dates)) and dates[0] >= start
    if regimen == "xr_injection":
        sides = [d.side for d in schedule.doses]
        assert all(a is not b for a, b in itertools.pairwise(sides))
        if last_side is not None:
            assert sides[0] is last_side.other
