"""Matching typed medication names against the knowledge tables."""

from __future__ import annotations

import pytest

from naltrack.clinical.medications import DrugClass, knowledge, match_medication


@pytest.mark.parametrize(
    ("entry", "ingredients"),
    [
        ("OXYCODONE", ("oxycodone",)),
        ("oxycodone/acetaminophen", ("oxycodone", "acetaminophen")),
        ("Oxycodone HCl 5 mg + Acetaminophen 325 mg tab", ("oxycodone", "acetaminophen")),
        ("acetaminophen-codeine", ("acetaminophen", "codeine")),
        ("guaifenesin with codeine", ("guaifenesin", "codeine")),
        ("Suboxone 8 mg/2 mg film", ("buprenorphine", "naloxone")),
        ("St. John's Wort", ("st johns wort",)),
        ("Tylenol #3", ("acetaminophen", "codeine")),
        ("MS Contin 30 mg ER", ("morphine",)),
        ("divalproex sodium", ("valproic acid",)),
    ],
)
def test_names_are_matched_ignoring_case_punctuation_strengths_and_forms(
    entry: str, ingredients: tuple[str, ...]
) -> None:
    match = match_medication(entry)
    assert match.ingredients == ingredients
    assert match.recognized


def test_cough_combination_makes_codeine_an_antitussive_not_an_analgesic() -> None:
    classes = match_medication("guaifenesin with codeine").classes
    assert DrugClass.OPIOID_ANTITUSSIVE in classes
    assert DrugClass.OPIOID_AGONIST_ANALGESIC not in classes
    assert DrugClass.OPIOID_AGONIST_ANALGESIC in match_medication("codeine").classes


def test_unknown_names_are_reported_not_dropped() -> None:
    match = match_medication("Zorblaxin")
    assert match.ingredients == ()
    assert match.unrecognized == ("zorblaxin",)
    assert not match.recognized


def test_every_product_names_known_ingredients_and_every_row_has_a_source() -> None:
    kb = knowledge()
    for ing in kb.ingredients.values():
        assert ing.source.strip(), ing.name
    for prod in kb.products.values():
        assert prod.source.strip(), prod.name
        assert all(name in kb.ingredients for name in prod.ingredients)
    for row in kb.interactions.values():
        assert row.severity in ("review", "info") and row.source


@pytest.mark.parametrize(
    ("drug_class", "members"),
    [
        (
            DrugClass.OPIOID_AGONIST_ANALGESIC,
            {"morphine", "oxycodone", "tramadol", "tapentadol", "meperidine", "fentanyl"},
        ),
        (DrugClass.OPIOID_MAINTENANCE, {"methadone", "buprenorphine"}),
        (DrugClass.MIXED_AGONIST_ANTAGONIST, {"pentazocine", "butorphanol", "nalbuphine"}),
        (DrugClass.OPIOID_ANTIDIARRHEAL, {"loperamide", "diphenoxylate", "difenoxin", "opium"}),
        (
            DrugClass.ANTICOAGULANT,
            {
                "warfarin",
                "apixaban",
                "rivaroxaban",
                "dabigatran",
                "edoxaban",
                "heparin",
                "enoxaparin",
            },
        ),
        (
            DrugClass.HEPATOTOXIC,
            {
                "valproic acid",
                "isoniazid",
                "ketoconazole",
                "methotrexate",
                "acetaminophen",
                "disulfiram",
            },
        ),
        (
            DrugClass.CNS_DEPRESSANT,
            {"alprazolam", "zolpidem", "gabapentin", "pregabalin", "phenobarbital"},
        ),
        (DrugClass.NALTREXONE_CONTAINING, {"naltrexone"}),
    ],
)
def test_part_a_lists_are_in_the_tables(drug_class: DrugClass, members: set[str]) -> None:
    kb = knowledge()
    have = {name for name, ing in kb.ingredients.items() if drug_class in ing.classes}
    assert members <= have
