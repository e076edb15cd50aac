"""COWS (Wesson & Ling 2003): 11 clinician-rated items with fixed anchors, total 0-48; fact sheet 6.1."""

from __future__ import annotations

from .common import Band, Item, Score, band_for, read_items

SOURCE = "Wesson & Ling 2003 (COWS); fact sheet 6.1"
ITEMS = (
    Item("resting pulse", (0, 1, 2, 4)),
    Item("sweating", (0, 1, 2, 3, 4)),
    Item("restlessness", (0, 1, 3, 5)),
    Item("pupil size", (0, 1, 2, 5)),
    Item("bone or joint aches", (0, 1, 2, 4)),
    Item("runny nose or tearing", (0, 1, 2, 4)),
    Item("GI upset", (0, 1, 2, 3, 5)),
    Item("tremor", (0, 1, 2, 4)),
    Item("yawning", (0, 1, 2, 4)),
    Item("anxiety or irritability", (0, 1, 2, 4)),
    Item("gooseflesh", (0, 3, 5)),
)
BANDS = (
    Band("none", 0, 4),
    Band("mild", 5, 12),
    Band("moderate", 13, 24),
    Band("moderately_severe", 25, 36),
    Band("severe", 37, 48),
)


def score(document: object) -> Score:
    _, values = read_items(document, ITEMS)
    total = sum(values)
    band = band_for(total, BANDS)
    flags = ("OPIOID_WITHDRAWAL",) if band != "none" else ()
    return Score("cows", total, band, flags, SOURCE)
