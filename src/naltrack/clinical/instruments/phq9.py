"""PHQ-9 (Kroenke 2001): 9 items 0-3, total 0-27; fact sheet 6.3."""

from __future__ import annotations

from .common import Band, Score, band_for, ranged, read_items

SOURCE = "Kroenke 2001 (PHQ-9); fact sheet 6.3"
ITEMS = tuple(
    ranged(name, 0, 3)
    for name in (
        "little interest or pleasure", "feeling down", "sleep", "tired", "appetite",
        "feeling bad about yourself", "concentration", "moving or speaking slowly or restless",
        "thoughts of being better off dead or self-harm",
    )
)  # fmt: skip
BANDS = (
    Band("minimal", 0, 4),
    Band("mild", 5, 9),
    Band("moderate", 10, 14),
    Band("moderately_severe", 15, 19),
    Band("severe", 20, 27),
)
# Item 9 of 1 or more: same-day suicide-risk assessment (fact sheet 6.3, Part A A4).
SUICIDE_ITEM_MIN = 1


def score(document: object) -> Score:
    _, values = read_items(document, ITEMS)
    total = sum(values)
    flags = ("SUICIDE_RISK",) if values[8] >= SUICIDE_ITEM_MIN else ()
    return Score("phq9", total, band_for(total, BANDS), flags, SOURCE, {"item9": values[8]})
