"""AUDIT and AUDIT-C (WHO, Babor et al. 2001); fact sheet 6.4."""

from __future__ import annotations

from ..vocab import SexAtBirth
from .common import Band, Item, Score, band_for, ranged, read_items, read_sex

SOURCE = "WHO AUDIT manual, Babor et al. 2001; fact sheet 6.4"
SOURCE_C = "AUDIT-C (US Core Observation 75626-2 note; Bush 1998); fact sheet 6.4"
ITEMS = (
    *(
        ranged(name, 0, 4)
        for name in (
            "how often a drink", "drinks on a typical day", "six or more drinks",
            "unable to stop", "failed expectations", "morning drink", "guilt or remorse",
            "blackouts",
        )
    ),
    Item("injury from drinking", (0, 2, 4)),
    Item("others concerned", (0, 2, 4)),
)  # fmt: skip
BANDS = (
    Band("zone_1", 0, 7),
    Band("zone_2", 8, 15),
    Band("zone_3", 16, 19),
    Band("zone_4", 20, 40),
)
# Positive at 4 or more for men, 3 or more for women.
AUDIT_C_POSITIVE_MIN = {SexAtBirth.MALE: 4, SexAtBirth.FEMALE: 3}


def score_audit(document: object) -> Score:
    _, values = read_items(document, ITEMS)
    total = sum(values)
    flags: list[str] = []
    # 2 or more points on items 4-6, or 4 on item 9 or 10, moves the patient up one zone (WHO).
    if sum(values[3:6]) >= 2 or 4 in (values[8], values[9]):
        flags.append("MOVE_UP_ONE_ZONE")
    return Score("audit", total, band_for(total, BANDS), tuple(flags), SOURCE)


def score_audit_c(document: object) -> Score:
    doc, values = read_items(document, ITEMS[:3])
    sex = read_sex(doc)
    total = sum(values)
    band = "positive" if total >= AUDIT_C_POSITIVE_MIN[sex] else "negative"
    flags = ("ALL_POINTS_FROM_Q1",) if total > 0 and total == values[0] else ()
    return Score("audit_c", total, band, flags, SOURCE_C, {"sex_at_birth": sex.value})
