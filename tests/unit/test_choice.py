"""The medication choice aid's core (issue 15): which options, this patient's opioid-free days,
the cells with their sources, and the cautions each naltrexone form raises for this patient."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from naltrack.clinical import choice
from naltrack.clinical.choice import (
    NO_COVERAGE,
    NOT_COVERED,
    ChoiceFacts,
    LastScreening,
    Option,
    Topic,
    compare,
    maintenance,
    opioid_free,
    options_for,
)
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.screening_facts import LastOpioidUse, Liver, MedicationEntry, ScreeningFacts
from naltrack.clinical.vocab import Formulation, Indication, OpioidKind

TODAY = date(2026, 11, 27)
OUD = frozenset({Indication.OUD})
AUD = frozenset({Indication.AUD})
IMPLANT = dataclasses.replace(DEFAULT_POLICY, choice_offers_implant=True)


def facts(ind: frozenset[Indication] = OUD, **kw: object) -> ScreeningFacts:
    return ScreeningFacts(as_of=TODAY, indications=ind, formulation=Formulation.ORAL, **kw)  # type: ignore[arg-type]


def aid(f: ScreeningFacts, policy: object = DEFAULT_POLICY, **kw: object) -> choice.ChoiceAid:
    return compare(ChoiceFacts(f, **kw), policy)  # type: ignore[arg-type]


def codes(a: choice.ChoiceAid, option: Option) -> set[str]:
    return {c.code for c in a.column(option).cautions}


def test_oud_options_without_the_implant_by_default() -> None:
    assert options_for(OUD, DEFAULT_POLICY) == (
        Option.NALTREXONE_TABLET, Option.NALTREXONE_INJECTION, Option.BUPRENORPHINE, Option.METHADONE,
    )  # fmt: skip


def test_oud_options_with_the_implant_where_the_clinic_offers_it() -> None:
    assert options_for(OUD, IMPLANT) == (
        Option.NALTREXONE_TABLET, Option.NALTREXONE_INJECTION, Option.NALTREXONE_IMPLANT,
        Option.BUPRENORPHINE, Option.METHADONE,
    )  # fmt: skip


def test_aud_only_options() -> None:
    assert options_for(AUD, IMPLANT) == (
        Option.NALTREXONE_TABLET, Option.NALTREXONE_INJECTION, Option.ACAMPROSATE, Option.DISULFIRAM,
    )  # fmt: skip


def test_oud_and_aud_lists_naltrexone_once() -> None:
    assert options_for(OUD | AUD, DEFAULT_POLICY) == (
        Option.NALTREXONE_TABLET, Option.NALTREXONE_INJECTION, Option.BUPRENORPHINE,
        Option.METHADONE, Option.ACAMPROSATE, Option.DISULFIRAM,
    )  # fmt: skip


def test_default_policy_does_not_offer_the_implant() -> None:
    assert DEFAULT_POLICY.choice_offers_implant is False


@pytest.mark.parametrize(
    ("kind", "last", "days", "first", "review", "left"),
    [
        (OpioidKind.METHADONE, date(2026, 11, 20), 10, date(2026, 11, 30), date(2026, 12, 4), 3),
        (OpioidKind.SHORT_ACTING, date(2026, 11, 20), 7, date(2026, 11, 27), date(2026, 11, 27), 0),
        (OpioidKind.SHORT_ACTING, date(2026, 11, 21), 7, date(2026, 11, 28), date(2026, 11, 28), 1),
        (OpioidKind.FENTANYL, date(2026, 11, 1), 10, date(2026, 11, 11), date(2026, 11, 15), 0),
        (OpioidKind.BUPRENORPHINE_DEPOT, date(2026, 11, 1), 0, date(2026, 11, 1), None, 0),
    ],
)  # fmt: skip
def test_opioid_free_days_for_this_patient(kind: OpioidKind, last: date, days: int, first: date,
                                           review: date | None, left: int) -> None:  # fmt: skip
    free = opioid_free(facts(last_opioid_use=LastOpioidUse(last, kind)), DEFAULT_POLICY)
    assert free is not None
    assert (free.days, free.first_day, free.review_until, free.days_left) == (
        days,
        first,
        review,
        left,
    )
    assert free.last_use == last


def test_no_last_use_no_interval() -> None:
    assert opioid_free(facts(), DEFAULT_POLICY) is None


def test_methadone_last_use_cell_names_the_days_and_dates() -> None:
    a = aid(facts(last_opioid_use=LastOpioidUse(date(2026, 11, 20), OpioidKind.METHADONE)))
    cell = a.column(Option.NALTREXONE_INJECTION).cell(Topic.OPIOID_FREE_FIRST)
    assert cell.text == (
        "Yes: 10 days without opioids after the last methadone use (2026-11-20); earliest first "
        "dose 2026-11-30 (3 days from today). Until 2026-12-04 a naloxone challenge or a "
        "clinician's review."
    )
    assert cell.source == "Part A A1; fact sheet 1.2, 1.12"
    assert a.opioid_free is not None and a.opioid_free.days == 10
    assert "OPIOID_FREE_INTERVAL" in codes(a, Option.NALTREXONE_TABLET)
    assert codes(a, Option.BUPRENORPHINE) == set()


def test_interval_met_short_acting_no_review_window() -> None:
    a = aid(facts(last_opioid_use=LastOpioidUse(date(2026, 11, 1), OpioidKind.SHORT_ACTING)))
    assert a.column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text == (
        "Yes: 7 days without opioids after the last short-acting opioid use (2026-11-01); "
        "earliest first dose 2026-11-08 (already met)."
    )


def test_depot_cell_says_a_specialist_decides() -> None:
    a = aid(facts(last_opioid_use=LastOpioidUse(date(2026, 11, 1), OpioidKind.BUPRENORPHINE_DEPOT)))
    text = a.column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text
    assert text.endswith("(already met). A depot's effect lasts weeks to months: a specialist decides the timing.")  # fmt: skip


def test_unknown_last_use_for_oud() -> None:
    a = aid(facts())
    text = a.column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text
    assert text.startswith("Yes: 7 to 10 or more days without opioids")
    assert "LAST_OPIOID_USE_UNKNOWN" in codes(a, Option.NALTREXONE_TABLET)


def test_aud_only_no_opioid_history() -> None:
    a = aid(facts(AUD))
    text = a.column(Option.NALTREXONE_INJECTION).cell(Topic.OPIOID_FREE_FIRST).text
    assert text.startswith("No opioid use is recorded; for alcohol")
    assert a.opioid_free is None
    for option in (Option.ACAMPROSATE, Option.DISULFIRAM):
        col = a.column(option)
        assert col.cell(Topic.VISITS).text == NOT_COVERED
        assert col.cell(Topic.PREGNANCY).text == NOT_COVERED
        assert col.cell(Topic.OPIOID_FREE_FIRST).source == "reference silent"
        assert not col.referral_out
    assert a.column(Option.ACAMPROSATE).cell(Topic.LIVER).text == NOT_COVERED
    assert a.column(Option.DISULFIRAM).cell(Topic.LIVER).source == "Part A A4; fact sheet 5"
    preg = a.column(Option.NALTREXONE_TABLET).cell(Topic.PREGNANCY).text
    assert preg == "Not to be started as a first choice in pregnancy."


def test_pregnant_oud() -> None:
    a = aid(facts(pregnant=True))
    assert "PREGNANCY" in codes(a, Option.NALTREXONE_INJECTION)
    bup = a.column(Option.BUPRENORPHINE)
    assert [c.code for c in bup.cautions] == ["PREGNANCY"]
    assert "preferred for OUD" in bup.cautions[0].text
    assert bup.cell(Topic.PREGNANCY).text == "Preferred for OUD in pregnancy (ASAM; NYS guideline)."
    assert a.column(Option.METHADONE).cautions == bup.cautions
    tablet = a.column(Option.NALTREXONE_TABLET).cell(Topic.PREGNANCY)
    assert tablet.text.endswith("methadone or buprenorphine are preferred for OUD.")


def test_not_pregnant_no_pregnancy_caution() -> None:
    a = aid(facts(pregnant=False))
    assert "PREGNANCY" not in codes(a, Option.NALTREXONE_TABLET)
    assert a.column(Option.BUPRENORPHINE).cautions == ()


def test_pregnant_aud_only_no_referral_caution() -> None:
    a = aid(facts(AUD, pregnant=True))
    assert a.column(Option.ACAMPROSATE).cautions == ()
    assert "PREGNANCY" in codes(a, Option.NALTREXONE_TABLET)


def test_liver_disease_differs_by_form() -> None:
    a = aid(facts(liver=Liver(acute_hepatitis=True)), IMPLANT)
    sev = {o: {c.code: c.severity for c in a.column(o).cautions}["LIVER_DISEASE"] for o in choice.FORMULATION_OF}  # fmt: skip
    assert sev == {Option.NALTREXONE_TABLET: "block", Option.NALTREXONE_INJECTION: "review",
                   Option.NALTREXONE_IMPLANT: "review"}  # fmt: skip


def test_interaction_info_is_not_a_caution_but_review_is() -> None:
    info = aid(facts(medications=(MedicationEntry("diazepam"),)))
    assert "INTERACTION" not in codes(info, Option.NALTREXONE_TABLET)
    review = aid(facts(medications=(MedicationEntry("disulfiram"),)))
    assert "INTERACTION" in codes(review, Option.NALTREXONE_TABLET)


def test_planned_surgery_and_analgesia() -> None:
    a = aid(facts(planned_surgery_date=date(2026, 12, 10), needs_opioid_analgesia=True))
    assert {"SURGERY_PLANNED", "OPIOID_ANALGESIA_NEEDED"} <= codes(a, Option.NALTREXONE_INJECTION)
    assert "SURGERY_PLANNED" not in codes(a, Option.NALTREXONE_TABLET)  # 13 days away, 3-day window


@pytest.mark.parametrize(
    ("entry", "kind", "text"),
    [
        ("methadone 80 mg", OpioidKind.METHADONE, "Yes: on methadone now; naltrexone needs 10 days without opioids after its last dose (a clinician's review until day 14)."),
        ("Suboxone 8/2 mg", OpioidKind.BUPRENORPHINE, "Yes: on buprenorphine now; naltrexone needs 10 days without opioids after its last dose (a clinician's review until day 14)."),
        ("Sublocade 100 mg", OpioidKind.BUPRENORPHINE_DEPOT, "Yes: on depot buprenorphine (monthly injection or implant) now; naltrexone needs 0 days without opioids after its last dose (a specialist decides the timing)."),
    ],
)  # fmt: skip
def test_maintenance_gives_the_interval(entry: str, kind: OpioidKind, text: str) -> None:
    f = facts(medications=(MedicationEntry("sertraline"), MedicationEntry(entry)))
    assert maintenance(f) is kind
    a = aid(f)
    assert a.column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text == text
    assert "OPIOID_MEDICATION" in codes(a, Option.NALTREXONE_TABLET)


def test_no_maintenance() -> None:
    assert maintenance(facts(medications=(MedicationEntry("oxycodone"),))) is None


def test_last_screening_is_quoted() -> None:
    last = LastScreening(
        date(2026, 11, 25), Formulation.XR_INJECTION, "not_yet", date(2026, 11, 30)
    )
    a = aid(
        facts(last_opioid_use=LastOpioidUse(date(2026, 11, 20), OpioidKind.METHADONE)),
        last_screening=last,
    )
    text = a.column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text
    assert text.endswith(
        " Last screening 2026-11-25 (xr_injection): not yet, earliest start 2026-11-30."
    )
    no_date = LastScreening(date(2026, 11, 25), Formulation.ORAL, "eligible", None)
    text = aid(facts(), last_screening=no_date).column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text  # fmt: skip
    assert text.endswith(" Last screening 2026-11-25 (oral): eligible.")


def test_coverage_from_the_record_or_ask_the_program() -> None:
    none = aid(facts(), IMPLANT)
    assert none.column(Option.METHADONE).cell(Topic.COST).text == NO_COVERAGE
    assert none.column(Option.NALTREXONE_IMPLANT).cell(Topic.COST).text.startswith(NO_COVERAGE + " Some payers")  # fmt: skip
    known = aid(facts(), coverage="Medicaid, pharmacy benefit")
    cell = known.column(Option.NALTREXONE_INJECTION).cell(Topic.COST)
    assert (cell.text, cell.source) == ("Medicaid, pharmacy benefit", "the patient's record")


def test_referral_options_and_sources() -> None:
    a = aid(facts(), IMPLANT)
    assert [c.option for c in a.columns if c.referral_out] == [
        Option.BUPRENORPHINE,
        Option.METHADONE,
    ]
    bup = a.column(Option.BUPRENORPHINE)
    assert bup.cell(Topic.OPIOID_FREE_FIRST).source == "fact sheet 3 (ASAM 2015)"
    assert bup.cell(Topic.OVERDOSE).text == NOT_COVERED
    assert bup.title == "Buprenorphine"
    assert [t for t, _ in bup.cells] == list(Topic)
    assert a.policy == DEFAULT_POLICY.version
    assert a.indications == OUD


def test_cells_use_the_policy_numbers() -> None:
    p = dataclasses.replace(IMPLANT, injection_interval_days=30, implant_coverage_days=120,
                            injection_earliest_redose_day=22, surgery_window_days_oral=4,
                            surgery_window_days_xr_injection=31, surgery_window_days_implant=91)  # fmt: skip
    a = aid(facts(), p)
    assert a.column(Option.NALTREXONE_INJECTION).cell(Topic.VISITS).text.startswith("One clinic visit every 30 days for the injection (given by a nurse; earliest day 22)")  # fmt: skip
    assert "every 120 days" in a.column(Option.NALTREXONE_IMPLANT).cell(Topic.VISITS).text
    assert "Stop 4 days" in a.column(Option.NALTREXONE_TABLET).cell(Topic.PAIN).text
    assert "Stop 31 days" in a.column(Option.NALTREXONE_INJECTION).cell(Topic.PAIN).text
    assert "within 91 days" in a.column(Option.NALTREXONE_IMPLANT).cell(Topic.PAIN).text


def test_every_cell_has_text_and_source() -> None:
    a = aid(facts(OUD | AUD), IMPLANT)
    for col in a.columns:
        assert col.title == choice.OPTION_TITLES[col.option]
        for _, cell in col.cells:
            assert cell.text and cell.source


def test_the_numbers_the_patient_version_words() -> None:
    a = aid(facts())
    assert (a.injection_every_days, a.implant_every_days, a.free_days_range) == (28, 90, (7, 10))
    p = dataclasses.replace(DEFAULT_POLICY, injection_interval_days=30, implant_coverage_days=120)
    b = aid(facts(), p)
    assert (b.injection_every_days, b.implant_every_days) == (30, 120)


def test_the_implant_column_word_for_word() -> None:
    col = aid(facts(), IMPLANT).column(Option.NALTREXONE_IMPLANT)
    assert [(t.value, c.text, c.source) for t, c in col.cells] == [
        ("opioid_free_first", "Yes: 7 to 10 or more days without opioids, by the kind last used; the date of last opioid use is not recorded, so the days for this patient are not known yet.", "Part A A1; fact sheet 1.2, 1.12"),
        ("visits", "A small procedure; replaced about every 90 days. Off-label, not approved in the US.", "Part A A5; fact sheet 2.5"),
        ("overdose", "Blocks opioids for months; as the implant runs out, or after removal, tolerance is lost and the overdose risk is high.", "fact sheet 2.5, 4.1; Part A A6"),
        ("pain", "Blocks opioid pain medicines while it lasts; planned surgery within 90 days needs a clinician's review.", "Part A A4; fact sheet 1.6, 4.3"),
        ("pregnancy", "Not to be started as a first choice in pregnancy; methadone or buprenorphine are preferred for OUD.", "Part A A4; fact sheet 1.8"),
        ("liver", "Liver disease needs a clinician's review (as for the injection); liver tests at baseline.", "Part A A3; fact sheet 1.7"),
        ("work_travel", "Few visits once in place; carry a medication-alert card (fact sheet 4.4).", "Part A A5; fact sheet 2.5, 4.4"),
        ("cost", "naltrack holds no coverage record for this patient: ask the program. Some payers consider implants experimental (Aetna CPB 0878).", "fact sheet 2.5; the patient's record"),
    ]  # fmt: skip
    assert col.title == "Naltrexone implant" and not col.referral_out


def test_aud_only_opioid_free_cell_word_for_word() -> None:
    cell = aid(facts(AUD)).column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST)
    assert cell == choice.Cell(
        "No opioid use is recorded; for alcohol, not drinking at the first injection (3-7 days of abstinence, TIP 28).",
        "Part A A1; fact sheet 1.2, 1.12",
    )  # fmt: skip


def test_the_pregnancy_caution_on_a_referral_option_word_for_word() -> None:
    bup = aid(facts(pregnant=True)).column(Option.BUPRENORPHINE)
    assert bup.cautions == (
        choice.Caution("PREGNANCY", "info", "Pregnant: the reference says methadone or buprenorphine are preferred for OUD.", "Part A A4; fact sheet 1.8"),
    )  # fmt: skip
    assert bup.cell(Topic.PREGNANCY).source == "Part A A4; fact sheet 1.8"


def test_a_screening_caution_carries_the_findings_words_and_source() -> None:
    a = aid(facts(last_opioid_use=LastOpioidUse(date(2026, 11, 20), OpioidKind.METHADONE)))
    first = a.column(Option.NALTREXONE_TABLET).cautions[0]
    assert first == choice.Caution(
        "OPIOID_FREE_INTERVAL", "block",
        "Last methadone use 2026-11-20; at least 10 opioid-free days are needed before the first dose.",
        "VIVITROL and naltrexone tablet labels, section 2 (7-10 days opioid-free; up to 2 weeks after methadone or buprenorphine); Part A A1; fact sheet 1.2",
    )  # fmt: skip


def test_cautions_are_screened_under_the_clinics_policy() -> None:
    p = dataclasses.replace(DEFAULT_POLICY, surgery_window_days_oral=20)
    a = aid(facts(planned_surgery_date=date(2026, 12, 10)), p)
    assert "SURGERY_PLANNED" in codes(a, Option.NALTREXONE_TABLET)


def test_a_coded_maintenance_entry_is_found_by_its_rxnorm() -> None:
    f = facts(medications=(MedicationEntry("OTP daily dose", rxnorm="6813"),))
    assert maintenance(f) is OpioidKind.METHADONE


def test_the_last_screening_follows_the_interval_text() -> None:
    last = LastScreening(date(2026, 11, 25), Formulation.ORAL, "not_yet", None)
    a = aid(
        facts(last_opioid_use=LastOpioidUse(date(2026, 11, 1), OpioidKind.SHORT_ACTING)),
        last_screening=last,
    )
    assert a.column(Option.NALTREXONE_TABLET).cell(Topic.OPIOID_FREE_FIRST).text == (
        "Yes: 7 days without opioids after the last short-acting opioid use (2026-11-01); "
        "earliest first dose 2026-11-08 (already met). Last screening 2026-11-25 (oral): not yet."
    )


def test_the_opioid_free_range_follows_the_policy() -> None:
    intervals = dict(DEFAULT_POLICY.opioid_free_interval)
    intervals[OpioidKind.SHORT_ACTING] = dataclasses.replace(
        intervals[OpioidKind.SHORT_ACTING], deferral_days=8, review_days=8
    )
    intervals[OpioidKind.UNKNOWN] = dataclasses.replace(
        intervals[OpioidKind.UNKNOWN], deferral_days=12
    )
    p = dataclasses.replace(DEFAULT_POLICY, opioid_free_interval=intervals)
    assert aid(facts(), p).free_days_range == (8, 12)
