"""Craving: a 0-100 visual analogue scale and the Penn Alcohol Craving Scale; fact sheet 6.6.

Neither has published bands in the reference, so `band` is null: trends matter, not cut-offs.
"""

from __future__ import annotations

from .common import Score, ranged, read_items

SOURCE_VAS = "Craving VAS 0-100 mm (practice); fact sheet 6.6"
SOURCE_PACS = "Penn Alcohol Craving Scale, Flannery 1999 (5 items 0-6); fact sheet 6.6"
VAS_ITEMS = (ranged("craving now, 0 none to 100 the strongest", 0, 100),)
PACS_ITEMS = tuple(
    ranged(name, 0, 6)
    for name in ("frequency", "intensity", "duration", "resisting", "overall craving")
)


def score_vas(document: object) -> Score:
    _, values = read_items(document, VAS_ITEMS)
    return Score("craving_vas", values[0], None, (), SOURCE_VAS)


def score_pacs(document: object) -> Score:
    _, values = read_items(document, PACS_ITEMS)
    return Score("pacs", sum(values), None, (), SOURCE_PACS)
