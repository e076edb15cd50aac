"""CIWA-Ar (Sullivan 1989): 10 items, bands of the ASAM 2020 alcohol withdrawal guideline.

Sources disagree on the bands (fact sheet 6.2, disagreement register 11); the contract uses ASAM's.
"""

from __future__ import annotations

from .common import Band, Score, band_for, ranged, read_items

SOURCE = "Sullivan 1989 (CIWA-Ar); bands ASAM Alcohol Withdrawal Management 2020; fact sheet 6.2"
ITEMS = (
    *(
        ranged(name, 0, 7)
        for name in (
            "nausea and vomiting", "tremor", "paroxysmal sweats", "anxiety", "agitation",
            "tactile disturbances", "auditory disturbances", "visual disturbances", "headache",
        )
    ),
    ranged("orientation and clouding of sensorium", 0, 4),
)  # fmt: skip
BANDS = (Band("mild", 0, 9), Band("moderate", 10, 18), Band("severe", 19, 67))


def score(document: object) -> Score:
    _, values = read_items(document, ITEMS)
    total = sum(values)
    band = band_for(total, BANDS)
    flags = ("ALCOHOL_WITHDRAWAL",) if band != "mild" else ()
    return Score("ciwa_ar", total, band, flags, SOURCE)
