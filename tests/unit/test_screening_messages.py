"""Part A A1-A4, rule by rule: the exact words a clinician reads (message and action), with the
days and values each rule turns on (the day before, of and after a limit).

Every number comes from shared/clinical-reference.md Part A (the naltrack default policy); the
section is named above each table. The words are the screening's contract with the clinician
(shared/contracts/screening.md: each finding has a message and an action), so a changed sentence
must be a deliberate change of this file too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from naltrack.clinical import screening
from naltrack.clinical.findings import RULES, BlockKind, Code, Decision, Severity
from naltrack.clinical.medications import DrugClass, MedicationMatch, knowledge
from naltrack.clinical.policy import DEFAULT_POLICY, Policy
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
from naltrack.clinical.vocab import Formulation, Indication, OpioidKind, SexAtBirth
from tests.builders import AS_OF, days, eligible_aud, eligible_oud, findings

ORAL, XR, IMPLANT = Formulation.ORAL, Formulation.XR_INJECTION, Formulation.IMPLANT
BLOCK, REVIEW, INFO = Severity.BLOCK, Severity.REVIEW, Severity.INFO
NEG, POS = LabResult.NEGATIVE, LabResult.POSITIVE
TIP63 = dataclasses.replace(DEFAULT_POLICY, allow_positive_uds_after_negative_challenge=True)

Said = tuple[Severity, str, str]


def said(facts: ScreeningFacts, code: Code, policy: Policy = DEFAULT_POLICY) -> list[Said]:
    """What the screening says under `code`: severity, message and action, in order; each
    finding also names its rule's source (a knowledge row names its own: see the interactions)."""
    found = findings(screen(facts, policy), code)
    if code is not Code.INTERACTION:
        assert all(f.source == RULES[code].source for f in found), found
    return [(f.severity, f.message, f.action) for f in found]


def d(n: int) -> str:
    """The ISO date `n` days after AS_OF (negative: before)."""
    return (AS_OF + days(n)).isoformat()


# --- A1: the opioid-free interval --------------------------------------------------------------
# Deferral until last use + 7 (short-acting) or + 10 (fentanyl, methadone, buprenorphine,
# unknown); review until + 14; a depot is always a review; OUD without a last use: review.


def _interval(kind: OpioidKind, ago: int) -> list[Said]:
    facts = eligible_oud(last_opioid_use=LastOpioidUse(AS_OF - days(ago), kind))
    return said(facts, Code.OPIOID_FREE_INTERVAL)


def _deferred(words: str, ago: int, needed: int) -> list[Said]:
    return [
        (
            BLOCK,
            f"Last {words} use {d(-ago)}; at least {needed} opioid-free days are needed before "
            "the first dose.",
            f"Book induction on or after {d(needed - ago)}.",
        )
    ]


def _reviewed(words: str, ago: int) -> list[Said]:
    return [
        (
            REVIEW,
            f"Last {words} use {d(-ago)} ({ago} days ago): the 10-day minimum is met, but "
            f"precipitated withdrawal remains possible until {d(14 - ago)} (14 days).",
            f"Consider a naloxone challenge before the first dose, or wait until {d(14 - ago)}.",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "ago", "expected"),
    [
        (OpioidKind.SHORT_ACTING, 6, _deferred("short-acting opioid", 6, 7)),  # the day before
        (OpioidKind.SHORT_ACTING, 7, []),  # the first allowed day: no review window
        (OpioidKind.FENTANYL, 9, _deferred("fentanyl", 9, 10)),
        (OpioidKind.FENTANYL, 10, _reviewed("fentanyl", 10)),  # the first allowed day
        (OpioidKind.FENTANYL, 13, _reviewed("fentanyl", 13)),  # the last day of the review
        (OpioidKind.FENTANYL, 14, []),
        (OpioidKind.METHADONE, 9, _deferred("methadone", 9, 10)),
        (OpioidKind.METHADONE, 11, _reviewed("methadone", 11)),
        (OpioidKind.BUPRENORPHINE, 12, _reviewed("buprenorphine", 12)),
        (OpioidKind.UNKNOWN, 0, _deferred("opioid of unknown kind", 0, 10)),
        (
            OpioidKind.BUPRENORPHINE_DEPOT,
            200,
            [
                (
                    REVIEW,
                    f"Last depot buprenorphine (monthly injection or implant) use {d(-200)} (200 "
                    "days ago): a depot releases buprenorphine for weeks to months, so "
                    "precipitated withdrawal is possible for an unknown time.",
                    "Specialist decision on timing; consider a naloxone challenge before the "
                    "first dose.",
                )
            ],
        ),
    ],
)
def test_the_opioid_free_interval_in_words(
    kind: OpioidKind, ago: int, expected: list[Said]
) -> None:
    assert _interval(kind, ago) == expected


def test_a_deferral_for_the_interval_lasts_until_its_first_allowed_day() -> None:
    facts = eligible_oud(last_opioid_use=LastOpioidUse(AS_OF - days(9), OpioidKind.FENTANYL))
    finding = findings(screen(facts), Code.OPIOID_FREE_INTERVAL)[0]
    assert (finding.block_kind, finding.until) == (BlockKind.DEFERRAL, AS_OF + days(1))


def test_oud_without_a_last_use_is_asked_for_it() -> None:
    assert said(eligible_oud(last_opioid_use=None), Code.LAST_OPIOID_USE_UNKNOWN) == [
        (
            REVIEW,
            "The date of last opioid use is not recorded, so the opioid-free interval cannot be "
            "checked.",
            "Record the date and kind of last opioid use; verify with a urine screen and consider "
            "a naloxone challenge.",
        )
    ]
    assert said(eligible_aud(), Code.LAST_OPIOID_USE_UNKNOWN) == []


# --- A2: verifying abstinence ------------------------------------------------------------------


def test_a_positive_screen_defers_with_no_date_in_words() -> None:
    uds = UrineDrugScreen(AS_OF - days(1), {Analyte.OPIOIDS: NEG, Analyte.FENTANYL: POS})
    facts = eligible_oud(urine_drug_screen=uds)
    assert said(facts, Code.UDS_POSITIVE) == [
        (
            BLOCK,
            f"Urine drug screen {d(-1)} positive for fentanyl. Naltrexone must not start while "
            "opioids are in the urine.",
            "Repeat the urine screen after a longer opioid-free interval.",
        )
    ]
    finding = findings(screen(facts), Code.UDS_POSITIVE)[0]
    assert (finding.block_kind, finding.until) == (BlockKind.DEFERRAL, None)


def test_a_negative_challenge_after_a_positive_screen_is_a_review_in_words() -> None:
    facts = eligible_oud(
        urine_drug_screen=UrineDrugScreen(AS_OF - days(2), {Analyte.METHADONE: POS}),
        naloxone_challenge=NaloxoneChallenge(AS_OF - days(1), NEG),
    )
    assert said(facts, Code.UDS_POSITIVE, TIP63) == [
        (
            REVIEW,
            f"Urine drug screen {d(-2)} positive for methadone. A naloxone challenge on {d(-1)} "
            "was negative; the clinic's policy allows a start after review (TIP 63 2021; the "
            "label says contraindication).",
            "Prescriber reviews the positive screen and the challenge before the first dose.",
        )
    ]


@pytest.mark.parametrize(
    ("screened", "expected_when"),
    [(0, None), (-3, None), (-4, f" (last one {d(-4)})"), (None, "")],  # on the day .. 3 before
)
def test_a_missing_screen_in_words(screened: int | None, expected_when: str | None) -> None:
    uds = (
        None
        if screened is None
        else UrineDrugScreen(AS_OF + days(screened), {Analyte.OPIOIDS: NEG})
    )
    expected = (
        []
        if expected_when is None
        else [
            (
                REVIEW,
                f"No urine drug screen on {d(0)} or in the 3 days before{expected_when}; "
                "self-reported abstinence must be verified.",
                "Collect a urine drug screen (opioids, fentanyl, methadone, buprenorphine, "
                "oxycodone) before the first dose.",
            )
        ]
    )
    assert said(eligible_oud(urine_drug_screen=uds), Code.UDS_MISSING) == expected


def test_an_untested_analyte_in_words() -> None:
    facts = eligible_oud(
        last_opioid_use=LastOpioidUse(AS_OF - days(30), OpioidKind.METHADONE),
        urine_drug_screen=UrineDrugScreen(AS_OF, {Analyte.OPIOIDS: NEG}),
    )
    assert said(facts, Code.UDS_ANALYTE_NOT_TESTED) == [
        (
            INFO,
            f"The urine screen of {d(0)} did not test methadone, the last opioid used; a "
            "standard opiate immunoassay does not detect it.",
            "Add a methadone test to the urine screen.",
        )
    ]


@pytest.mark.parametrize(
    ("challenged", "expected"),
    [
        (
            0,  # today: deferred until tomorrow (repeat after 24 hours)
            [
                (
                    BLOCK,
                    f"Naloxone challenge {d(0)} was positive: the patient is still "
                    "opioid-dependent.",
                    f"Do not give naltrexone; repeat the challenge on or after {d(1)}.",
                )
            ],
        ),
        (
            -1,  # yesterday: the repeat is due, and none is recorded
            [
                (
                    REVIEW,
                    f"The last naloxone challenge ({d(-1)}) was positive and no later challenge "
                    "is recorded.",
                    "Repeat the naloxone challenge before the first dose.",
                )
            ],
        ),
    ],
)
def test_a_positive_naloxone_challenge_in_words(challenged: int, expected: list[Said]) -> None:
    facts = eligible_oud(naloxone_challenge=NaloxoneChallenge(AS_OF + days(challenged), POS))
    assert said(facts, Code.NALOXONE_CHALLENGE_POSITIVE) == expected
    if expected[0][0] is BLOCK:
        finding = findings(screen(facts), Code.NALOXONE_CHALLENGE_POSITIVE)[0]
        assert finding.until == AS_OF + days(1)
    negative = eligible_oud(naloxone_challenge=NaloxoneChallenge(AS_OF, NEG))
    assert said(negative, Code.NALOXONE_CHALLENGE_POSITIVE) == []


@pytest.mark.parametrize(
    ("cows", "ciwa", "opioid", "alcohol"),
    [
        (4, 9, [], []),  # one below each threshold
        (
            5,
            10,
            [
                (
                    BLOCK,
                    "COWS 5: signs of opioid withdrawal (threshold 5).",
                    "Do not give naltrexone now; treat symptoms and reassess.",
                )
            ],
            [
                (
                    BLOCK,
                    "CIWA-Ar 10: alcohol withdrawal (threshold 10).",
                    "Treat alcohol withdrawal first; naltrexone does not treat it.",
                )
            ],
        ),
    ],
)
def test_withdrawal_in_words(cows: int, ciwa: int, opioid: list[Said], alcohol: list[Said]) -> None:
    facts = eligible_oud(cows_score=cows, ciwa_ar_score=ciwa)
    assert said(facts, Code.OPIOID_WITHDRAWAL) == opioid
    assert said(facts, Code.ALCOHOL_WITHDRAWAL) == alcohol


# --- A3: contraindications ---------------------------------------------------------------------


def test_needing_opioid_analgesia_in_words() -> None:
    assert said(eligible_oud(needs_opioid_analgesia=True), Code.OPIOID_ANALGESIA_NEEDED) == [
        (
            BLOCK,
            "The patient needs opioid pain relief; naltrexone would block it.",
            "Treat the pain first or use non-opioid analgesia; screen again afterwards.",
        )
    ]
    assert said(eligible_oud(needs_opioid_analgesia=False), Code.OPIOID_ANALGESIA_NEEDED) == []


@pytest.mark.parametrize(
    ("formulation", "hepatitis", "failure", "expected"),
    [
        (
            ORAL,
            True,
            None,
            (
                BLOCK,
                "The patient has acute hepatitis: oral naltrexone is contraindicated (tablet "
                "label).",
                "Do not start oral naltrexone; discuss alternatives with hepatology.",
            ),
        ),
        (
            ORAL,
            False,
            True,
            (
                BLOCK,
                "The patient has liver failure: oral naltrexone is contraindicated (tablet label).",
                "Do not start oral naltrexone; discuss alternatives with hepatology.",
            ),
        ),
        (
            XR,
            True,
            True,  # both: the hepatitis is named
            (
                REVIEW,
                "The patient has acute hepatitis: the injection label keeps a hepatotoxicity "
                "warning.",
                "Prescriber weighs the liver risk and documents the decision; monitor liver tests.",
            ),
        ),
        (
            IMPLANT,
            None,
            True,
            (
                REVIEW,
                "The patient has liver failure: the injection label keeps a hepatotoxicity "
                "warning.",
                "Prescriber weighs the liver risk and documents the decision; monitor liver tests.",
            ),
        ),
        (ORAL, False, False, None),
    ],
)
def test_liver_disease_in_words(
    formulation: Formulation, hepatitis: bool | None, failure: bool | None, expected: Said | None
) -> None:
    liver = Liver(acute_hepatitis=hepatitis, liver_failure=failure, alt=30, alt_uln=40, date=AS_OF)
    facts = eligible_oud(formulation=formulation, liver=liver)
    assert said(facts, Code.LIVER_DISEASE) == ([expected] if expected else [])
    if expected and expected[0] is BLOCK:
        finding = findings(screen(facts), Code.LIVER_DISEASE)[0]
        assert (finding.block_kind, screen(facts).decision) == (
            BlockKind.CONTRAINDICATION, Decision.CONTRAINDICATED,
        )  # fmt: skip


LFT_REVIEW_ACTION = "Prescriber reviews the liver tests; repeat them within a month of starting."
LFT_BLOCK_ACTION = (
    "Hold naltrexone; investigate the liver. Only a prescriber's documented override allows a "
    "start."
)


@pytest.mark.parametrize(
    ("alt", "expected"),
    [
        (120, None),  # exactly 3x: not above it
        (121, (REVIEW, "ALT 121 U/L is 3.0x the upper limit of normal (40), above 3x.", LFT_REVIEW_ACTION)),
        (200, (REVIEW, "ALT 200 U/L is 5.0x the upper limit of normal (40), above 3x.", LFT_REVIEW_ACTION)),
        (201, (BLOCK, "ALT 201 U/L is 5.0x the upper limit of normal (40), above 5x.", LFT_BLOCK_ACTION)),
    ],
)  # fmt: skip
def test_liver_tests_above_3x_and_5x_in_words(alt: float, expected: Said | None) -> None:
    liver = Liver(alt=alt, ast=20, alt_uln=40, ast_uln=40, date=AS_OF)
    assert said(eligible_oud(liver=liver), Code.LFT_ELEVATED) == ([expected] if expected else [])


BASELINE_ACTION = "Order ALT, AST and bilirubin; the start need not wait for them."


@pytest.mark.parametrize(
    ("liver", "why"),
    [
        (Liver(alt=30, alt_uln=40, date=AS_OF - days(90)), None),  # 90 days old: still current
        (Liver(ast=30, ast_uln=40, date=AS_OF - days(1)), None),  # AST alone is a baseline
        (Liver(alt=30, alt_uln=40, date=AS_OF), None),  # ALT alone too
        (Liver(alt=30, alt_uln=40), None),  # no date: current
        (
            Liver(alt=30, ast=30, alt_uln=40, ast_uln=40, date=AS_OF - days(91)),
            f"the last values are from {d(-91)}",
        ),
        (Liver(acute_hepatitis=False, date=AS_OF), "no liver test values are recorded"),
        (None, "no liver test values are recorded"),
    ],
)
def test_a_missing_liver_baseline_in_words(liver: Liver | None, why: str | None) -> None:
    expected = (
        []
        if why is None
        else [(INFO, f"No baseline liver tests in the last 90 days ({why}).", BASELINE_ACTION)]
    )
    assert said(eligible_oud(liver=liver), Code.LFT_BASELINE_MISSING) == expected


# --- A3 and A4: medications, interactions and allergies ------------------------------------------


def meds(*names: str) -> tuple[MedicationEntry, ...]:
    return tuple(MedicationEntry(n) for n in names)


NOT_IN_TABLES = (
    "'zorblaxin' is not in naltrack's medication tables, so it was not checked for opioids or "
    "interactions."
)
OPIOID_BLOCKED = (
    "is {what}: naltrexone is contraindicated while taking opioids; it blocks them and can "
    "precipitate withdrawal."
)
OPIOID_BLOCK_ACTION = (
    "Stop or taper the opioid and complete the opioid-free interval before screening again."
)
OPIOID_REVIEWED = "is {what}: it will not work on naltrexone, and it points to opioid exposure."
OPIOID_REVIEW_ACTION = "Choose a non-opioid alternative and ask about recent opioid use."


@pytest.mark.parametrize(
    ("entry", "not_checked", "opioid"),
    [
        (
            "zorblaxin",
            [(INFO, NOT_IN_TABLES, "Check it by hand against its label: opioid content and interactions.")],
            [],
        ),
        ("sertraline", [], []),  # known, and nothing to say
        (
            "oxycodone foo bar",
            [(INFO, "Part of 'oxycodone foo bar' (foo bar) is not in naltrack's medication tables "
                    "and was not checked (contains oxycodone).",
              "Check the unrecognized part by hand against its label.")],
            [(BLOCK, "'oxycodone foo bar' (contains oxycodone) "
                     + OPIOID_BLOCKED.format(what="an opioid analgesic"), OPIOID_BLOCK_ACTION)],
        ),
        (
            "oxycodone methadone",
            [],
            [(BLOCK, "'oxycodone methadone' (contains oxycodone, methadone) "
                     + OPIOID_BLOCKED.format(what="an opioid analgesic and opioid maintenance"),
              OPIOID_BLOCK_ACTION)],
        ),
        (
            "pentazocine",
            [],
            [(BLOCK, "'pentazocine' (contains pentazocine) "
                     + OPIOID_BLOCKED.format(what="a mixed opioid agonist-antagonist"),
              OPIOID_BLOCK_ACTION)],
        ),
        (
            "loperamide",
            [],
            [(REVIEW, "'loperamide' (contains loperamide) "
                      + OPIOID_REVIEWED.format(what="an opioid antidiarrheal"),
              OPIOID_REVIEW_ACTION)],
        ),
        (
            "loperamide codeine guaifenesin",  # a cough product's codeine: an antitussive
            [],
            [(REVIEW, "'loperamide codeine guaifenesin' (contains loperamide, codeine, guaifenesin) "
                      + OPIOID_REVIEWED.format(
                          what="an opioid antidiarrheal and an opioid cough medicine"),
              OPIOID_REVIEW_ACTION)],
        ),
    ],
)  # fmt: skip
def test_medications_in_words(entry: str, not_checked: list[Said], opioid: list[Said]) -> None:
    facts = eligible_oud(medications=meds(entry))
    assert said(facts, Code.MEDICATION_NOT_CHECKED) == not_checked
    assert said(facts, Code.OPIOID_MEDICATION) == opioid


def test_a_product_known_only_by_its_class_is_named_without_an_empty_ingredient_list(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """products.csv may list a product by its class alone (the loader allows no ingredients):
    the finding then names the product and its class, with no "(contains )"."""
    match = MedicationMatch(
        entry="Brandol",
        ingredients=(),
        classes=frozenset({DrugClass.OPIOID_AGONIST_ANALGESIC}),
        unrecognized=(),
    )
    monkeypatch.setattr(screening, "match_medication", lambda name, rxnorm=None: match)
    assert said(eligible_oud(medications=meds("Brandol")), Code.OPIOID_MEDICATION) == [
        (
            BLOCK,
            "'Brandol' " + OPIOID_BLOCKED.format(what="an opioid analgesic"),
            OPIOID_BLOCK_ACTION,
        )
    ]


def test_a_product_with_naltrexone_in_words() -> None:
    assert said(eligible_oud(medications=meds("Contrave")), Code.DUPLICATE_NALTREXONE) == [
        (
            REVIEW,
            "'Contrave' (contains bupropion, naltrexone) already contains naltrexone.",
            "Avoid duplicate naltrexone: stop one product or confirm a planned switch.",
        )
    ]


def _interactions(entry: str) -> list[tuple[Severity, str, str, str]]:
    found = findings(screen(eligible_oud(medications=meds(entry))), Code.INTERACTION)
    return [(f.severity, f.message, f.action, f.source) for f in found]


def test_an_interaction_names_the_medicine_and_its_own_source() -> None:
    assert _interactions("kava") == [
        (
            INFO,
            "'kava': Kava can injure the liver; with naltrexone the liver risk adds up.",
            "Monitor liver tests.",
            "Part A A4; fact sheet 5 (naltrack default policy)",
        )
    ]


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_of_several_interactions_the_review_one_is_said_whatever_the_table_order(
    order: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kava (info) with disulfiram (review) in one entry: one finding, the review (Part A A4:
    disulfiram, two hepatotoxic drugs), however knowledge/interactions.csv orders its rows."""
    kb = knowledge()
    rows = list(kb.interactions.items())
    if order == "reversed":
        rows.reverse()
    monkeypatch.setattr(
        screening, "knowledge", lambda: dataclasses.replace(kb, interactions=dict(rows))
    )
    assert _interactions("kava disulfiram") == [
        (
            REVIEW,
            "'kava disulfiram': Disulfiram with naltrexone: two potentially hepatotoxic drugs; "
            "the combination is not ordinarily recommended.",
            "Weigh benefit against liver risk; check liver tests before and during treatment.",
            "Naltrexone tablet label, drug interactions (fact sheet 5)",
        )
    ]


@pytest.mark.parametrize(
    ("allergy", "formulation", "expected"),
    [
        (
            "naltrexone",
            ORAL,
            [(BLOCK, "Recorded allergy to 'naltrexone' (naltrexone).",
              "Do not give naltrexone; choose another medicine for use disorder.")],
        ),
        (
            "carboxymethylcellulose",
            XR,
            [(BLOCK, "Recorded allergy to 'carboxymethylcellulose', a component of the injection "
                     "(polylactide-co-glycolide microspheres or the diluent).",
              "Do not give the injection; consider oral naltrexone or another medicine.")],
        ),
        ("carboxymethylcellulose", ORAL, []),  # not in the tablets
        ("penicillin", XR, []),
    ],
)  # fmt: skip
def test_hypersensitivity_in_words(
    allergy: str, formulation: Formulation, expected: list[Said]
) -> None:
    facts = eligible_oud(formulation=formulation, allergies=(allergy,))
    assert said(facts, Code.HYPERSENSITIVITY) == expected


# --- A4: reviews ---------------------------------------------------------------------------------

PREGNANCY_UNKNOWN = (
    REVIEW,
    "Pregnancy status is not recorded for a patient who could be pregnant.",
    "Do a pregnancy test before the first dose.",
)


@pytest.mark.parametrize(
    ("sex", "age", "pregnant", "expected_code", "expected"),
    [
        (
            SexAtBirth.FEMALE,
            30,
            True,
            Code.PREGNANCY,
            [
                (
                    REVIEW,
                    "The patient is pregnant: naltrexone is not started as first choice in "
                    "pregnancy; for OUD, methadone or buprenorphine are preferred.",
                    "Discuss methadone or buprenorphine; if naltrexone is still chosen, document "
                    "the informed decision and involve obstetric care.",
                )
            ],
        ),
        (SexAtBirth.FEMALE, 30, False, Code.PREGNANCY, []),
        (SexAtBirth.FEMALE, 11, None, Code.PREGNANCY_STATUS_UNKNOWN, []),  # below 12
        (SexAtBirth.FEMALE, 12, None, Code.PREGNANCY_STATUS_UNKNOWN, [PREGNANCY_UNKNOWN]),
        (SexAtBirth.FEMALE, 55, None, Code.PREGNANCY_STATUS_UNKNOWN, [PREGNANCY_UNKNOWN]),
        (SexAtBirth.FEMALE, 56, None, Code.PREGNANCY_STATUS_UNKNOWN, []),  # above 55
        (SexAtBirth.FEMALE, None, None, Code.PREGNANCY_STATUS_UNKNOWN, [PREGNANCY_UNKNOWN]),
        (SexAtBirth.FEMALE, 30, True, Code.PREGNANCY_STATUS_UNKNOWN, []),
        (SexAtBirth.FEMALE, 30, False, Code.PREGNANCY_STATUS_UNKNOWN, []),
        (SexAtBirth.MALE, 30, None, Code.PREGNANCY_STATUS_UNKNOWN, []),
        (None, 30, None, Code.PREGNANCY_STATUS_UNKNOWN, []),
    ],
)
def test_pregnancy_in_words(
    sex: SexAtBirth | None,
    age: int | None,
    pregnant: bool | None,
    expected_code: Code,
    expected: list[Said],
) -> None:
    facts = eligible_oud(sex_at_birth=sex, age_years=age, pregnant=pregnant)
    assert said(facts, expected_code) == expected


def test_breastfeeding_in_words() -> None:
    assert said(eligible_aud(breastfeeding=True), Code.BREASTFEEDING) == [
        (
            INFO,
            "The patient is breastfeeding: naltrexone passes into milk only minimally (LactMed: "
            "compatible).",
            "No need to stop breastfeeding; watch the infant and note it in the plan.",
        )
    ]
    assert said(eligible_aud(breastfeeding=False), Code.BREASTFEEDING) == []


@pytest.mark.parametrize(("age", "review"), [(17, True), (18, False), (None, False)])
def test_under_18_in_words(age: int | None, review: bool) -> None:
    expected = [
        (
            REVIEW,
            "The patient is 17: naltrexone is approved from 18, so this is off-label use.",
            "Prescriber attests to the off-label use and involves a guardian as required.",
        )
    ]
    assert said(eligible_oud(age_years=age), Code.AGE_UNDER_18) == (expected if review else [])


@pytest.mark.parametrize(
    ("renal", "word"),
    [
        (RenalImpairment.MODERATE, "Moderate"),
        (RenalImpairment.SEVERE, "Severe"),
        (RenalImpairment.MILD, None),
        (RenalImpairment.NONE, None),
        (None, None),
    ],
)
def test_renal_impairment_in_words(renal: RenalImpairment | None, word: str | None) -> None:
    expected = [
        (
            REVIEW,
            f"{word} renal impairment: naltrexone has not been studied there and is cleared "
            "mainly by the kidneys.",
            "Prescriber reviews; use with caution.",
        )
    ]
    facts = eligible_oud(renal_impairment=renal)
    assert said(facts, Code.RENAL_IMPAIRMENT) == (expected if word else [])


BLEEDING_ACTION = "Prescriber weighs the bleeding risk of the procedure; consider oral naltrexone."


@pytest.mark.parametrize(
    ("formulation", "changes", "reasons"),
    [
        (
            XR,
            {"coagulation_disorder": True, "medications": meds("warfarin"),
             "platelets_10e9_per_l": 49.5},
            "the extended-release injection: a coagulation disorder; an anticoagulant "
            "('warfarin'); platelets 49.5 x10^9/L (below 50)",
        ),
        (IMPLANT, {"platelets_10e9_per_l": 49.0},
         "a naltrexone implant: platelets 49 x10^9/L (below 50)"),
        (XR, {"platelets_10e9_per_l": 50.0}, None),  # at the floor: not below it
        (XR, {"coagulation_disorder": False, "medications": meds("sertraline")}, None),
        (ORAL, {"coagulation_disorder": True, "platelets_10e9_per_l": 10.0}, None),
    ],
)  # fmt: skip
def test_bleeding_risk_in_words(
    formulation: Formulation, changes: dict[str, Any], reasons: str | None
) -> None:
    facts = eligible_oud(formulation=formulation, **changes)
    expected = [(REVIEW, f"Bleeding risk with {reasons}.", BLEEDING_ACTION)] if reasons else []
    assert said(facts, Code.BLEEDING_RISK) == expected


SURGERY_ACTION = (
    "Start after the surgery, or agree a non-opioid pain plan with the surgical team and give "
    "the wallet card."
)


@pytest.mark.parametrize(
    ("formulation", "words", "window", "away", "review"),
    [
        (ORAL, "oral naltrexone", 3, -1, False),  # yesterday: already past
        (ORAL, "oral naltrexone", 3, 0, True),  # today
        (ORAL, "oral naltrexone", 3, 3, True),
        (ORAL, "oral naltrexone", 3, 4, False),
        (XR, "the extended-release injection", 30, 30, True),
        (XR, "the extended-release injection", 30, 31, False),
        (IMPLANT, "a naltrexone implant", 90, 90, True),
        (IMPLANT, "a naltrexone implant", 90, 91, False),
    ],
)
def test_planned_surgery_in_words(
    formulation: Formulation, words: str, window: int, away: int, review: bool
) -> None:
    facts = eligible_oud(formulation=formulation, planned_surgery_date=AS_OF + days(away))
    expected = [
        (
            REVIEW,
            f"Surgery planned on {d(away)}, {away} days away: {words} would still block opioid "
            f"analgesia then (window {window} days).",
            SURGERY_ACTION,
        )
    ]
    assert said(facts, Code.SURGERY_PLANNED) == (expected if review else [])


SUICIDE = (
    REVIEW,
    "PHQ-9 item 9 is {n}: thoughts of death or self-harm.",
    "Do a suicide-risk assessment today (for example C-SSRS) before the first dose.",
)


@pytest.mark.parametrize(
    ("total", "item9", "suicide", "depression"),
    [
        (9, 0, [], []),
        (10, 1, [(REVIEW, SUICIDE[1].format(n=1), SUICIDE[2])],
         [(INFO, "PHQ-9 total 10: depressive symptoms.",
           "Monitor mood at each visit; consider treatment.")]),
        (19, 3, [(REVIEW, SUICIDE[1].format(n=3), SUICIDE[2])],
         [(INFO, "PHQ-9 total 19: depressive symptoms.",
           "Monitor mood at each visit; consider treatment.")]),
        (20, 0, [],
         [(REVIEW, "PHQ-9 total 20: severe depressive symptoms.",
           "Prescriber reviews mood treatment before the first dose; monitor closely.")]),
    ],
)  # fmt: skip
def test_phq9_in_words(total: int, item9: int, suicide: list[Said], depression: list[Said]) -> None:
    facts = eligible_oud(phq9=Phq9Summary(total=total, item9=item9))
    assert said(facts, Code.SUICIDE_RISK) == suicide
    assert said(facts, Code.DEPRESSION) == depression
    assert said(eligible_oud(phq9=None), Code.DEPRESSION) == []


@pytest.mark.parametrize(
    ("indications", "formulation", "drank", "review"),
    [
        ({Indication.AUD}, XR, 0, True),  # the decision day
        ({Indication.AUD}, XR, -1, True),  # the day before
        ({Indication.AUD}, XR, -2, False),
        ({Indication.AUD}, ORAL, 0, False),  # only before the injection
        ({Indication.OUD}, XR, 0, False),
    ],
)
def test_active_drinking_in_words(
    indications: set[Indication], formulation: Formulation, drank: int, review: bool
) -> None:
    facts = eligible_aud(
        indications=frozenset(indications),
        formulation=formulation,
        last_alcohol_use=AS_OF + days(drank),
    )
    expected = [
        (
            REVIEW,
            f"Alcohol used on {d(drank)}: the injection is for patients who are not drinking at "
            "the first injection.",
            "Confirm the patient can abstain; check CIWA-Ar and consider a later date.",
        )
    ]
    assert said(facts, Code.ACTIVE_DRINKING) == (expected if review else [])


@pytest.mark.parametrize(
    ("bmi", "message", "action"),
    [
        (None, "BMI is not recorded: assess body habitus to choose the supplied needle.",
         "Record weight and height; use the 2-inch needle over more gluteal tissue."),
        (19.9, "BMI 19.9: the 1.5-inch supplied needle may suit (avoids the periosteum).",
         "Assess habitus; use the 1.5-inch needle from the carton if lean."),
        (20.0, "BMI 20: either supplied needle (1.5-inch or 2-inch) fits.",
         "Assess habitus before each injection; use only the supplied needles."),
        (29.9, "BMI 29.9: either supplied needle (1.5-inch or 2-inch) fits.",
         "Assess habitus before each injection; use only the supplied needles."),
        (30.0, "BMI 30: use the 2-inch supplied needle.",
         "Use the 2-inch needle from the carton; no other needle."),
    ],
)  # fmt: skip
def test_the_needle_in_words(bmi: float | None, message: str, action: str) -> None:
    assert said(eligible_oud(formulation=XR, bmi=bmi), Code.NEEDLE_LENGTH) == [
        (INFO, message, action)
    ]
    assert said(eligible_oud(formulation=IMPLANT, bmi=bmi), Code.NEEDLE_LENGTH) == []


def test_overdose_education_in_words() -> None:
    assert said(eligible_oud(), Code.OVERDOSE_EDUCATION) == [
        (
            INFO,
            "After detox, tolerance is gone: a dose once tolerated can kill when the blockade "
            "wanes, after a missed dose or after stopping, and large doses can overcome the "
            "blockade.",
            "Teach overdose risk, offer an overdose reversal agent (naloxone) and record it.",
        )
    ]
    assert said(eligible_aud(), Code.OVERDOSE_EDUCATION) == []
