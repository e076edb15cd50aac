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
        # dots inside a word are dropped, not split on: an abbreviation typed with its dots
        ("A.P.A.P. 500 mg", ("acetaminophen",)),
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


# --- the match, word by word (Part A A3 reads its classes) -------------------------------------

A = DrugClass


@pytest.mark.parametrize(
    ("entry", "rxnorm", "ingredients"),
    [
        ("anything typed", "7804", ("oxycodone",)),  # the code wins over the text
        ("anything typed", " 7804 ", ("oxycodone",)),  # a code is read without its spaces
        ("Vivitrol kit", "637213", ("naltrexone",)),  # a product's code gives its ingredients
        ("oxycodone", "999999999", ("oxycodone",)),  # an unknown code: the text is matched
        ("oxycodone", "", ("oxycodone",)),
        ("oxycodone", None, ("oxycodone",)),
    ],
)
def test_an_rxnorm_code_is_matched_first_and_the_text_otherwise(
    entry: str, rxnorm: str | None, ingredients: tuple[str, ...]
) -> None:
    match = match_medication(entry, rxnorm)
    assert (match.entry, match.ingredients, match.unrecognized) == (entry, ingredients, ())


@pytest.mark.parametrize(
    ("entry", "ingredients", "unrecognized", "recognized"),
    [
        ("oxycodone 5mg", ("oxycodone",), (), True),  # a word with a digit is a strength
        ("oxycodone #30", ("oxycodone",), (), True),
        ("oxycodone # 30", ("oxycodone",), (), True),
        ("oxycodone and oxycodone", ("oxycodone",), (), True),  # each ingredient once
        ("oxycodone zorblax", ("oxycodone",), ("zorblax",), False),  # half known is not known
        ("zorblax oxycodone zorblax", ("oxycodone",), ("zorblax", "zorblax"), False),
        ("mg tablet", (), (), False),  # only noise: nothing recognized
        ("", (), (), False),
        ("St. John\u2019s Wort", ("st johns wort",), (), True),
        ("phenergan with codeine", ("promethazine", "codeine"), (), True),  # longest name first
    ],
)
def test_each_word_is_an_ingredient_noise_or_unrecognized(
    entry: str, ingredients: tuple[str, ...], unrecognized: tuple[str, ...], recognized: bool
) -> None:
    match = match_medication(entry)
    assert (match.ingredients, match.unrecognized, match.recognized) == (
        ingredients, unrecognized, recognized,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("entry", "present", "absent"),
    [
        # Codeine or hydrocodone with a cough/cold ingredient is an antitussive (review) ...
        ("hycodan", {A.OPIOID_ANTITUSSIVE}, {A.OPIOID_AGONIST_ANALGESIC}),
        ("hydrocodone and homatropine", {A.OPIOID_ANTITUSSIVE}, {A.OPIOID_AGONIST_ANALGESIC}),
        ("tuzistra", {A.OPIOID_ANTITUSSIVE}, {A.OPIOID_AGONIST_ANALGESIC}),
        # ... but not when another opioid analgesic is in the same entry,
        ("guaifenesin codeine oxycodone", {A.OPIOID_ANTITUSSIVE, A.OPIOID_AGONIST_ANALGESIC}, set()),
        # nor without a cough/cold ingredient,
        ("hydrocodone acetaminophen", {A.OPIOID_AGONIST_ANALGESIC}, {A.OPIOID_ANTITUSSIVE}),
        ("codeine", {A.OPIOID_AGONIST_ANALGESIC}, {A.OPIOID_ANTITUSSIVE}),
        # and a cough/cold ingredient alone is no opioid.
        ("guaifenesin", {A.COUGH_COLD_PARTNER}, {A.OPIOID_ANTITUSSIVE, A.OPIOID_AGONIST_ANALGESIC}),
        # A product's own class is added to its ingredients' classes.
        ("butrans", {A.OPIOID_AGONIST_ANALGESIC, A.OPIOID_MAINTENANCE}, set()),
        ("percocet", {A.OPIOID_AGONIST_ANALGESIC, A.HEPATOTOXIC}, {A.OPIOID_ANTITUSSIVE}),
    ],
)  # fmt: skip
def test_the_classes_of_an_entry(
    entry: str, present: set[DrugClass], absent: set[DrugClass]
) -> None:
    classes = match_medication(entry).classes
    assert present <= classes
    assert not absent & classes


def test_a_products_class_is_kept_when_another_product_follows_in_the_same_entry() -> None:
    # Butrans is an analgesic by product (its buprenorphine alone is maintenance); Revia after it
    # adds naltrexone and must not drop the analgesic class (Part A A3 blocks on it).
    classes = match_medication("butrans and revia").classes
    assert {A.OPIOID_AGONIST_ANALGESIC, A.OPIOID_MAINTENANCE, A.NALTREXONE_CONTAINING} <= classes


def test_a_product_without_its_own_class_has_only_its_ingredients_classes() -> None:
    kb = knowledge()
    assert match_medication("percocet").classes == (
        kb.ingredients["oxycodone"].classes | kb.ingredients["acetaminophen"].classes
    )
    assert match_medication("vivitrol").classes == kb.ingredients["naltrexone"].classes


def test_the_tables_are_read_with_their_codes_and_lists() -> None:
    kb = knowledge()
    oxy = kb.ingredients["oxycodone"]
    assert (oxy.rxnorm, oxy.classes) == ("7804", frozenset({A.OPIOID_AGONIST_ANALGESIC}))
    assert kb.ingredients["difenoxin"].rxnorm is None  # an empty cell is no code
    assert kb.ingredients["opium"].synonyms == (
        "opium tincture", "paregoric", "camphorated opium tincture",
    )  # fmt: skip
    tussionex = kb.products["tussionex"]
    assert tussionex.ingredients == ("hydrocodone", "chlorpheniramine")
    assert tussionex.product_class is A.OPIOID_ANTITUSSIVE
    assert kb.products["percocet"].product_class is None
    assert kb.by_rxnorm["637213"] == ("product", "vivitrol")
    assert kb.by_phrase[("paregoric",)] == ("ingredient", "opium")
    assert kb.longest_phrase == max(len(p) for p in kb.by_phrase)
