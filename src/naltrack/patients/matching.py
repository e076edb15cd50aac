"""Is this the same person? The checks a registration runs before it creates a chart, so that one
person does not end up with two charts (two halves of a dose history, two sets of alerts).

A candidate is an existing patient that matches on at least one of:
  - the same name and birth date (names compared normalised: case, accents, spaces, hyphens and
    apostrophes ignored: "José María O'Neil" = "jose maria oneil");
  - the same phone number (digits only; the last ten, so "+1 555-0101..." = "(555) 0101...");
  - a similar name (difflib's ratio on the normalised names, given and family names tried in both
    orders, at least SIMILAR_NAME) born the same day, or in the same year with day and month
    swapped or one digit off: the typing mistakes that make a second chart.

No new dependency: difflib is the standard library's; a phonetic key (Soundex) would miss
accented and non-English names that a ratio handles, and would add a false match for every
short name. Pure functions: no Django, no database."""

from __future__ import annotations

import difflib
import unicodedata
from dataclasses import dataclass
from datetime import date

# The ratio above which two normalised names are taken for one misspelt name: "Jon Smith" and
# "John Smith" (0.95), "Katherine" and "Catherine" (0.89); "John Smith" and "Joan Smyth" (0.8) is
# not enough on its own, but the birth date must agree as well.
SIMILAR_NAME = 0.85
PHONE_DIGITS = 10  # compare the last ten digits (a national number without its country code)
MIN_PHONE_DIGITS = 7


class Reason:
    SAME_NAME_AND_BIRTH_DATE = "same name and birth date"
    SAME_PHONE = "same phone number"
    SIMILAR_NAME = "similar name and birth date"


@dataclass(frozen=True, slots=True)
class Person:
    given_name: str
    family_name: str
    birth_date: date
    phone: str = ""


def normalise_name(name: str) -> str:
    """Lower case, no accents, letters only, single spaces: "  José-María  O'Neil " ->
    "josemaria oneil"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    kept = "".join(c for c in decomposed if c.isalpha() or c.isspace())
    return " ".join(kept.split())


def normalise_phone(phone: str) -> str:
    """The last ten digits of a phone number, or "" when it has fewer than seven digits."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-PHONE_DIGITS:] if len(digits) >= MIN_PHONE_DIGITS else ""


def name_similarity(a: Person, b: Person) -> float:
    """The best difflib ratio of the two full names, b's given and family names tried both ways
    round (a name entered in the wrong boxes)."""
    first = f"{normalise_name(a.given_name)} {normalise_name(a.family_name)}"
    straight = f"{normalise_name(b.given_name)} {normalise_name(b.family_name)}"
    swapped = f"{normalise_name(b.family_name)} {normalise_name(b.given_name)}"
    return max(
        difflib.SequenceMatcher(None, first, straight).ratio(),
        difflib.SequenceMatcher(None, first, swapped).ratio(),
    )


def birth_dates_close(a: date, b: date) -> bool:
    """The same day, or the same year with day and month swapped or one of them one digit off."""
    if a == b:
        return True
    if a.year != b.year:
        return False
    if (a.day, a.month) == (b.month, b.day):
        return True
    return _one_digit_off(f"{a.month:02d}{a.day:02d}", f"{b.month:02d}{b.day:02d}")


def _one_digit_off(x: str, y: str) -> bool:
    return sum(1 for p, q in zip(x, y, strict=True) if p != q) == 1


def match_reasons(new: Person, existing: Person) -> list[str]:
    """Why `existing` may be the same person as `new` (empty: no reason to think so)."""
    reasons = []
    same_name = normalise_name(new.given_name) == normalise_name(
        existing.given_name
    ) and normalise_name(new.family_name) == normalise_name(existing.family_name)
    if same_name and new.birth_date == existing.birth_date:
        reasons.append(Reason.SAME_NAME_AND_BIRTH_DATE)
    elif name_similarity(new, existing) >= SIMILAR_NAME and birth_dates_close(
        new.birth_date, existing.birth_date
    ):
        reasons.append(Reason.SIMILAR_NAME)
    phone = normalise_phone(new.phone)
    if phone and phone == normalise_phone(existing.phone):
        reasons.append(Reason.SAME_PHONE)
    return reasons
