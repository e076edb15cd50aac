"""Medication knowledge: read the data files in knowledge/ and match what a clinician typed.

The tables are data a pharmacist can review (one row per ingredient or product, each with its
source); this module only reads them and matches names. Matching ignores case, punctuation,
strengths, dosage forms and salts, and understands combination names such as
"oxycodone/acetaminophen" or "guaifenesin with codeine". A name it does not know is reported as
unrecognized, never silently passed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources


class DrugClass(StrEnum):
    OPIOID_AGONIST_ANALGESIC = "opioid_agonist_analgesic"
    OPIOID_MAINTENANCE = "opioid_maintenance"
    OPIOID_ANTITUSSIVE = "opioid_antitussive"
    OPIOID_ANTIDIARRHEAL = "opioid_antidiarrheal"
    MIXED_AGONIST_ANTAGONIST = "mixed_agonist_antagonist"
    NALTREXONE_CONTAINING = "naltrexone_containing"
    HEPATOTOXIC = "hepatotoxic"
    CNS_DEPRESSANT = "cns_depressant"
    ANTICOAGULANT = "anticoagulant"
    # An opioid (codeine, hydrocodone) that is an antitussive when combined with a cough/cold part.
    COUGH_OPIOID = "cough_opioid"
    COUGH_COLD_PARTNER = "cough_cold_partner"
    XR_EXCIPIENT = "xr_excipient"
    INTERACTION_THIORIDAZINE = "interaction_thioridazine"
    INTERACTION_DISULFIRAM = "interaction_disulfiram"
    INTERACTION_KRATOM = "interaction_kratom"
    INTERACTION_MU_AGONIST = "interaction_mu_agonist"
    INTERACTION_KAVA = "interaction_kava"
    INTERACTION_ST_JOHNS_WORT = "interaction_st_johns_wort"


# Opioid classes whose presence blocks the start (Part A A3) and those that need review.
OPIOID_BLOCKING = frozenset(
    {
        DrugClass.OPIOID_AGONIST_ANALGESIC,
        DrugClass.OPIOID_MAINTENANCE,
        DrugClass.MIXED_AGONIST_ANTAGONIST,
    }
)
OPIOID_REVIEW = frozenset({DrugClass.OPIOID_ANTITUSSIVE, DrugClass.OPIOID_ANTIDIARRHEAL})


@dataclass(frozen=True, slots=True)
class Ingredient:
    name: str
    synonyms: tuple[str, ...]
    rxnorm: str | None
    classes: frozenset[DrugClass]
    source: str


@dataclass(frozen=True, slots=True)
class Product:
    name: str
    synonyms: tuple[str, ...]
    ingredients: tuple[str, ...]
    product_class: DrugClass | None
    rxnorm: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class InteractionRow:
    drug_class: DrugClass
    severity: str  # "review" or "info"
    message: str
    action: str
    source: str


@dataclass(frozen=True, slots=True)
class MedicationMatch:
    """What one entry of a medication or allergy list turned out to contain."""

    entry: str
    ingredients: tuple[str, ...]
    classes: frozenset[DrugClass]
    unrecognized: tuple[str, ...]

    @property
    def recognized(self) -> bool:
        return bool(self.ingredients) and not self.unrecognized


@dataclass(frozen=True, slots=True)
class Knowledge:
    ingredients: dict[str, Ingredient]
    products: dict[str, Product]
    interactions: dict[DrugClass, InteractionRow]
    by_phrase: dict[tuple[str, ...], tuple[str, str]]  # phrase -> ("ingredient"|"product", name)
    by_rxnorm: dict[str, tuple[str, str]]
    longest_phrase: int


# Words that say nothing about what a medicine is: strengths, forms, salts, routes, connectors.
NOISE_WORDS = frozenset(
    [
        "mg",
        "mcg",
        "ug",
        "g",
        "gm",
        "gram",
        "grams",
        "ml",
        "l",
        "unit",
        "units",
        "iu",
        "meq",
        "percent",
        "mg/ml",
        "ng",
        "tablet",
        "tablets",
        "tab",
        "tabs",
        "capsule",
        "capsules",
        "cap",
        "caps",
        "pill",
        "pills",
        "caplet",
        "caplets",
        "softgel",
        "er",
        "xr",
        "sr",
        "cr",
        "ir",
        "la",
        "dr",
        "xl",
        "ext",
        "extended",
        "release",
        "delayed",
        "immediate",
        "controlled",
        "sustained",
        "oral",
        "orally",
        "solution",
        "suspension",
        "liquid",
        "syrup",
        "elixir",
        "tincture",
        "drops",
        "injection",
        "injectable",
        "inj",
        "patch",
        "patches",
        "transdermal",
        "film",
        "films",
        "sublingual",
        "sl",
        "buccal",
        "spray",
        "nasal",
        "cream",
        "gel",
        "topical",
        "lozenge",
        "troche",
        "powder",
        "kit",
        "pen",
        "vial",
        "vials",
        "implant",
        "depot",
        "ampule",
        "hydrochloride",
        "hcl",
        "sulfate",
        "sulphate",
        "bitartrate",
        "tartrate",
        "citrate",
        "phosphate",
        "sodium",
        "potassium",
        "mesylate",
        "maleate",
        "besylate",
        "acetate",
        "succinate",
        "fumarate",
        "hydrobromide",
        "hbr",
        "napsylate",
        "daily",
        "dose",
        "doses",
        "with",
        "and",
        "plus",
        "of",
        "for",
        "the",
        "a",
        "in",
        "per",
        "or",
        "w",
        "each",
        "every",
        "q",
        "qd",
        "qhs",
        "bid",
        "tid",
        "qid",
        "prn",
        "po",
        "im",
        "iv",
        "sc",
        "sq",
        "hs",
        "am",
        "pm",
        "once",
        "twice",
        "no",
        "#",
        "generic",
        "brand",
    ]
)
_SPLIT = re.compile(r"[^a-z0-9#]+")


def normalize(text: str) -> tuple[str, ...]:
    """Lower-case words without punctuation: "St. John's Wort" -> ("st", "johns", "wort")."""
    text = text.lower().replace("'", "").replace("\u2019", "").replace(".", "")
    return tuple(w for w in _SPLIT.split(text) if w)


def _is_noise(word: str) -> bool:
    return word in NOISE_WORDS or any(ch.isdigit() for ch in word) or word == "#"


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files("naltrack.clinical.knowledge").joinpath(name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(";") if v.strip())


@cache
def knowledge() -> Knowledge:
    """Load the knowledge files once (on first use, never at import)."""
    ingredients: dict[str, Ingredient] = {}
    for row in _read_csv("ingredients.csv"):
        ing = Ingredient(
            name=row["ingredient"],
            synonyms=_split_list(row["synonyms"]),
            rxnorm=row["rxnorm"] or None,
            classes=frozenset(DrugClass(c) for c in _split_list(row["classes"])),
            source=row["source"],
        )
        ingredients[ing.name] = ing
    products: dict[str, Product] = {}
    for row in _read_csv("products.csv"):
        prod = Product(
            name=row["name"],
            synonyms=_split_list(row["synonyms"]),
            ingredients=_split_list(row["ingredients"]),
            product_class=DrugClass(row["product_class"]) if row["product_class"] else None,
            rxnorm=_split_list(row["rxnorm"]),
            source=row["source"],
        )
        for ing_name in prod.ingredients:
            if ing_name not in ingredients:
                raise ValueError(f"products.csv: {prod.name} names unknown ingredient {ing_name}")
        products[prod.name] = prod
    interactions = {
        DrugClass(row["class"]): InteractionRow(
            DrugClass(row["class"]), row["severity"], row["message"], row["action"], row["source"]
        )
        for row in _read_csv("interactions.csv")
    }

    by_phrase: dict[tuple[str, ...], tuple[str, str]] = {}
    by_rxnorm: dict[str, tuple[str, str]] = {}
    for ing in ingredients.values():
        for phrase in (ing.name, *ing.synonyms):
            by_phrase[normalize(phrase)] = ("ingredient", ing.name)
        if ing.rxnorm:
            by_rxnorm[ing.rxnorm] = ("ingredient", ing.name)
    for prod in products.values():
        for phrase in (prod.name, *prod.synonyms):
            by_phrase[normalize(phrase)] = ("product", prod.name)
        for code in prod.rxnorm:
            by_rxnorm[code] = ("product", prod.name)
    return Knowledge(
        ingredients=ingredients,
        products=products,
        interactions=interactions,
        by_phrase=by_phrase,
        by_rxnorm=by_rxnorm,
        longest_phrase=max(len(p) for p in by_phrase),
    )


def _expand(kb: Knowledge, kind: str, name: str) -> tuple[list[str], set[DrugClass]]:
    """Ingredients and product-level classes of one matched name."""
    if kind == "ingredient":
        return [name], set()
    prod = kb.products[name]
    return list(prod.ingredients), {prod.product_class} if prod.product_class else set()


def match_medication(entry: str, rxnorm: str | None = None) -> MedicationMatch:
    """Match one typed medication (or allergy) against the knowledge tables."""
    kb = knowledge()
    found: list[str] = []
    product_classes: set[DrugClass] = set()
    unrecognized: list[str] = []

    coded = kb.by_rxnorm.get(rxnorm.strip()) if rxnorm else None
    if coded is not None:
        found, product_classes = _expand(kb, *coded)
    else:
        words = normalize(entry)
        i = 0
        while i < len(words):
            for size in range(min(kb.longest_phrase, len(words) - i), 0, -1):
                hit = kb.by_phrase.get(words[i : i + size])
                if hit is not None:
                    ings, extra = _expand(kb, *hit)
                    found.extend(ings)
                    product_classes |= extra
                    i += size
                    break
            else:
                if not _is_noise(words[i]):
                    unrecognized.append(words[i])
                i += 1

    ingredients = tuple(dict.fromkeys(found))
    classes = _classes_of(kb, ingredients, product_classes)
    return MedicationMatch(
        entry=entry,
        ingredients=ingredients,
        classes=frozenset(classes),
        unrecognized=tuple(unrecognized),
    )


def _classes_of(
    kb: Knowledge, ingredients: Iterable[str], product_classes: set[DrugClass]
) -> set[DrugClass]:
    names = list(ingredients)
    classes: set[DrugClass] = set(product_classes)
    for name in names:
        classes |= kb.ingredients[name].classes
    # Codeine or hydrocodone with a cough/cold ingredient is a cough product: its opioid is an
    # antitussive (review), not an analgesic (contraindication). Part A A3.
    cough_product = DrugClass.OPIOID_ANTITUSSIVE in classes or any(
        DrugClass.COUGH_COLD_PARTNER in kb.ingredients[n].classes for n in names
    )
    if cough_product and any(DrugClass.COUGH_OPIOID in kb.ingredients[n].classes for n in names):
        classes.add(DrugClass.OPIOID_ANTITUSSIVE)
        other_analgesics = [
            n
            for n in names
            if DrugClass.OPIOID_AGONIST_ANALGESIC in kb.ingredients[n].classes
            and DrugClass.COUGH_OPIOID not in kb.ingredients[n].classes
        ]
        if not other_analgesics and DrugClass.OPIOID_AGONIST_ANALGESIC not in product_classes:
            classes.discard(DrugClass.OPIOID_AGONIST_ANALGESIC)
    return classes
