"""DSM-5 substance use disorder: 11 criteria, severity, maintenance rule and remission specifiers.

Fact sheet 6.5 (BCCSU Appendix 2): tolerance and withdrawal do not count for someone on
maintenance therapy, which explicitly includes oral or depot naltrexone. Remission: early when no
criterion but craving has been met for at least 3 and under 12 months; sustained from 12 months.
ICD-10-CM codes per fact sheet 8.2.
"""

from __future__ import annotations

from enum import StrEnum

from ..errors import InputError
from ..parsing import Obj, join, parse_enum
from .common import Band, Score, band_for

SOURCE = "DSM-5-TR substance use disorder criteria (BCCSU Appendix 2); fact sheet 6.5, 8.2"
CRITERIA = (
    "larger_or_longer", "cut_down", "time_spent", "craving", "role_failure", "social_problems",
    "activities_given_up", "hazardous_use", "physical_psychological_problems", "tolerance",
    "withdrawal",
)  # fmt: skip
MAINTENANCE_EXCLUDED = frozenset({"tolerance", "withdrawal"})
BANDS = (Band("none", 0, 1), Band("mild", 2, 3), Band("moderate", 4, 5), Band("severe", 6, 11))
EARLY_REMISSION_MONTHS = 3
SUSTAINED_REMISSION_MONTHS = 12


class Substance(StrEnum):
    OPIOID = "opioid"
    ALCOHOL = "alcohol"


# (substance, mild?, in remission?) -> ICD-10-CM code (fact sheet 8.2).
ICD10 = {
    (Substance.OPIOID, True, False): "F11.10",
    (Substance.OPIOID, True, True): "F11.11",
    (Substance.OPIOID, False, False): "F11.20",
    (Substance.OPIOID, False, True): "F11.21",
    (Substance.ALCOHOL, True, False): "F10.10",
    (Substance.ALCOHOL, True, True): "F10.11",
    (Substance.ALCOHOL, False, False): "F10.20",
    (Substance.ALCOHOL, False, True): "F10.21",
}


def score(document: object) -> Score:
    doc = Obj(
        document, "",
        {"criteria_met", "on_maintenance_therapy", "months_without_criteria", "substance",
         "in_controlled_environment"},
    )  # fmt: skip
    raw = doc.required("criteria_met")
    if not isinstance(raw, list):
        raise InputError("must be a list of criterion names", "criteria_met")
    met: list[str] = []
    for i, name in enumerate(raw):
        path = join("criteria_met", i)
        if name not in CRITERIA:
            raise InputError(f"unknown criterion {name!r}; use one of {', '.join(CRITERIA)}", path)
        if name in met:
            raise InputError(f"criterion {name!r} is listed twice", path)
        met.append(name)
    on_maintenance = doc.bool("on_maintenance_therapy") or False
    counted = [c for c in met if not (on_maintenance and c in MAINTENANCE_EXCLUDED)]
    total = len(counted)
    band = band_for(total, BANDS)

    specifiers: list[str] = []
    months = doc.int("months_without_criteria", 0, 1200)
    in_remission = False
    if months is not None and band != "none":
        if months >= SUSTAINED_REMISSION_MONTHS:
            specifiers.append("in_sustained_remission")
            in_remission = True
        elif months >= EARLY_REMISSION_MONTHS:
            specifiers.append("in_early_remission")
            in_remission = True
    if on_maintenance:
        specifiers.append("on_maintenance_therapy")
    if doc.bool("in_controlled_environment"):
        specifiers.append("in_a_controlled_environment")

    extra: dict[str, object] = {
        "counted_criteria": counted,
        "not_counted": [c for c in met if c not in counted],
        "specifiers": specifiers,
    }
    if doc.has("substance"):
        substance = parse_enum(doc.raw["substance"], Substance, "substance")
        extra["icd10"] = (
            ICD10[(substance, band == "mild", in_remission)] if band != "none" else None
        )
    return Score("dsm5_sud", total, band, (), SOURCE, extra)
