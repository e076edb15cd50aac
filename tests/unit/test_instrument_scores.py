"""The whole score each instrument returns (Part B section 6): name, total, band, the flags a
clinician acts on, the source, and the extra fields; plus the wording of a refused answer."""

from __future__ import annotations

from typing import Any

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.instruments import phq9, score
from naltrack.clinical.instruments.common import Item, band_for, read_items

AUDIT = "WHO AUDIT manual, Babor et al. 2001; fact sheet 6.4"
AUDIT_C = "AUDIT-C (US Core Observation 75626-2 note; Bush 1998); fact sheet 6.4"
CIWA = "Sullivan 1989 (CIWA-Ar); bands ASAM Alcohol Withdrawal Management 2020; fact sheet 6.2"
COWS = "Wesson & Ling 2003 (COWS); fact sheet 6.1"
PHQ9 = "Kroenke 2001 (PHQ-9); fact sheet 6.3"
VAS = "Craving VAS 0-100 mm (practice); fact sheet 6.6"
PACS = "Penn Alcohol Craving Scale, Flannery 1999 (5 items 0-6); fact sheet 6.6"


@pytest.mark.parametrize(
    ("instrument", "doc", "expected"),
    [
        ("phq9", {"items": [0] * 9},
         {"instrument": "phq9", "total": 0, "band": "minimal", "flags": [], "source": PHQ9,
          "item9": 0}),
        ("cows", {"items": [0] * 11},
         {"instrument": "cows", "total": 0, "band": "none", "flags": [], "source": COWS}),
        ("cows", {"items": [4, 1] + [0] * 9},
         {"instrument": "cows", "total": 5, "band": "mild", "flags": ["OPIOID_WITHDRAWAL"],
          "source": COWS}),
        ("ciwa_ar", {"items": [7, 2] + [0] * 8},
         {"instrument": "ciwa_ar", "total": 9, "band": "mild", "flags": [], "source": CIWA}),
        ("ciwa_ar", {"items": [7, 3] + [0] * 8},
         {"instrument": "ciwa_ar", "total": 10, "band": "moderate", "flags": ["ALCOHOL_WITHDRAWAL"],
          "source": CIWA}),
        ("ciwa_ar", {"items": [7] * 9 + [4]},
         {"instrument": "ciwa_ar", "total": 67, "band": "severe", "flags": ["ALCOHOL_WITHDRAWAL"],
          "source": CIWA}),
        ("audit", {"items": [0] * 10},
         {"instrument": "audit", "total": 0, "band": "zone_1", "flags": [], "source": AUDIT}),
        ("audit", {"items": [0, 0, 0, 0, 0, 0, 1, 0, 0, 0]},
         {"instrument": "audit", "total": 1, "band": "zone_1", "flags": [], "source": AUDIT}),
        ("audit", {"items": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0]},
         {"instrument": "audit", "total": 1, "band": "zone_1", "flags": [], "source": AUDIT}),
        ("audit", {"items": [0, 0, 0, 1, 0, 1, 0, 0, 0, 0]},
         {"instrument": "audit", "total": 2, "band": "zone_1", "flags": ["MOVE_UP_ONE_ZONE"],
          "source": AUDIT}),
        ("audit", {"items": [0, 0, 0, 0, 0, 0, 2, 0, 0, 0], "sex_at_birth": "male"},
         {"instrument": "audit", "total": 2, "band": "zone_1", "flags": [], "source": AUDIT}),
        ("audit_c", {"items": [3, 0, 0], "sex_at_birth": "female"},
         {"instrument": "audit_c", "total": 3, "band": "positive", "flags": ["ALL_POINTS_FROM_Q1"],
          "source": AUDIT_C, "sex_at_birth": "female"}),
        ("audit_c", {"items": [0, 0, 0], "sex_at_birth": "male"},
         {"instrument": "audit_c", "total": 0, "band": "negative", "flags": [],
          "source": AUDIT_C, "sex_at_birth": "male"}),
        ("audit_c", {"items": [1, 1, 0], "sex_at_birth": "male"},
         {"instrument": "audit_c", "total": 2, "band": "negative", "flags": [],
          "source": AUDIT_C, "sex_at_birth": "male"}),
        ("audit_c", {"items": [0, 1, 0], "sex_at_birth": "male"},
         {"instrument": "audit_c", "total": 1, "band": "negative", "flags": [],
          "source": AUDIT_C, "sex_at_birth": "male"}),
        ("audit_c", {"items": [1, 0, 0], "sex_at_birth": "male"},
         {"instrument": "audit_c", "total": 1, "band": "negative", "flags": ["ALL_POINTS_FROM_Q1"],
          "source": AUDIT_C, "sex_at_birth": "male"}),
        ("craving_vas", {"items": [100]},
         {"instrument": "craving_vas", "total": 100, "band": None, "flags": [], "source": VAS}),
        ("pacs", {"items": [6, 6, 6, 6, 6]},
         {"instrument": "pacs", "total": 30, "band": None, "flags": [], "source": PACS}),
    ],
)  # fmt: skip
def test_the_whole_score_of_each_instrument(
    instrument: str, doc: dict[str, Any], expected: dict[str, object]
) -> None:
    assert score(instrument, doc).as_dict() == expected


@pytest.mark.parametrize(
    ("instrument", "items", "index", "message"),
    [
        ("phq9", [0] * 8 + [4], 8,
         "item 9 (thoughts of being better off dead or self-harm) must be from 0 to 3 (got 4)"),
        ("phq9", [-1] + [0] * 8, 0, "item 1 (little interest or pleasure) must be from 0 to 3 (got -1)"),
        ("ciwa_ar", [0] * 9 + [5], 9,
         "item 10 (orientation and clouding of sensorium) must be from 0 to 4 (got 5)"),
        ("ciwa_ar", [8] + [0] * 9, 0, "item 1 (nausea and vomiting) must be from 0 to 7 (got 8)"),
        ("cows", [3] + [0] * 10, 0, "item 1 (resting pulse) must be one of 0, 1, 2, 4 (got 3)"),
        ("cows", [0] * 10 + [4], 10, "item 11 (gooseflesh) must be one of 0, 3, 5 (got 4)"),
        ("cows", [0, 5] + [0] * 9, 1, "item 2 (sweating) must be from 0 to 4 (got 5)"),
        ("audit", [0] * 8 + [1, 0], 8, "item 9 (injury from drinking) must be one of 0, 2, 4 (got 1)"),
        ("audit", [5] + [0] * 9, 0, "item 1 (how often a drink) must be from 0 to 4 (got 5)"),
        ("pacs", [0, 0, 0, 0, 7], 4, "item 5 (overall craving) must be from 0 to 6 (got 7)"),
        ("craving_vas", [101], 0,
         "item 1 (craving now, 0 none to 100 the strongest) must be from 0 to 100 (got 101)"),
        ("craving_vas", [1.5], 0,
         "item 1 (craving now, 0 none to 100 the strongest) must be a whole number"),
    ],
)  # fmt: skip
def test_a_refused_answer_names_the_item_and_what_it_allows(
    instrument: str, items: list[Any], index: int, message: str
) -> None:
    with pytest.raises(InputError) as err:
        score(instrument, {"items": items})
    assert (err.value.field, err.value.message) == (f"items[{index}]", message)


@pytest.mark.parametrize(
    ("instrument", "doc", "field", "message"),
    [
        ("phq9", {"items": [0] * 8}, "items",
         "must hold 9 answers, in the published order (got 8)"),
        ("audit_c", {"items": [0, 0, 0, 0], "sex_at_birth": "male"}, "items",
         "must hold 3 answers, in the published order (got 4)"),
        ("phq9", {"items": "0"}, "items", "must be a list of whole numbers"),
        ("phq9", {}, "items", "is required"),
        ("audit_c", {"items": [0, 0, 0], "sex_at_birth": "other"}, "sex_at_birth",
         "is required for this instrument: female or male"),
        ("phq9", {"items": [0] * 9, "sex_at_birth": "x"}, "sex_at_birth",
         "must be one of female, male, other (got 'x')"),
        ("phq9", {"items": [0] * 9, "sex": "male"}, "sex",
         "unknown field 'sex' (allowed: items, sex_at_birth)"),
        ("audit", {"items": [0] * 10, "sex": "male"}, "sex",
         "unknown field 'sex' (allowed: items, sex_at_birth)"),
    ],
)  # fmt: skip
def test_a_refused_document_names_its_field(
    instrument: str, doc: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InputError) as err:
        score(instrument, doc)
    assert (err.value.field, err.value.message) == (field, message)


@pytest.mark.parametrize(
    ("doc", "extra"),
    [
        ({"criteria_met": ["craving", "tolerance"]},
         {"counted_criteria": ["craving", "tolerance"], "not_counted": [], "specifiers": []}),
        ({"criteria_met": ["craving", "tolerance", "withdrawal"], "on_maintenance_therapy": True,
          "in_controlled_environment": True, "substance": "opioid"},
         {"counted_criteria": ["craving"], "not_counted": ["tolerance", "withdrawal"],
          "specifiers": ["on_maintenance_therapy", "in_a_controlled_environment"], "icd10": None}),
        ({"criteria_met": ["craving", "cut_down"], "months_without_criteria": 2,
          "substance": "alcohol"},
         {"counted_criteria": ["craving", "cut_down"], "not_counted": [], "specifiers": [],
          "icd10": "F10.10"}),
        ({"criteria_met": ["craving", "cut_down"], "months_without_criteria": 3,
          "substance": "alcohol", "in_controlled_environment": False},
         {"counted_criteria": ["craving", "cut_down"], "not_counted": [],
          "specifiers": ["in_early_remission"], "icd10": "F10.11"}),
        ({"criteria_met": ["craving"], "months_without_criteria": 24},
         {"counted_criteria": ["craving"], "not_counted": [], "specifiers": []}),
    ],
)  # fmt: skip
def test_dsm5_extra_fields(doc: dict[str, Any], extra: dict[str, object]) -> None:
    got = score("dsm5_sud", doc).as_dict()
    assert {k: v for k, v in got.items() if k not in ("instrument", "total", "band", "flags",
                                                         "source")} == extra  # fmt: skip
    assert got["instrument"] == "dsm5_sud" and got["flags"] == []
    assert got["source"] == (
        "DSM-5-TR substance use disorder criteria (BCCSU Appendix 2); fact sheet 6.5, 8.2"
    )


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        ({"criteria_met": "craving"}, "criteria_met", "must be a list of criterion names"),
        ({"criteria_met": ["craving", "craving"]}, "criteria_met[1]",
         "criterion 'craving' is listed twice"),
        ({"criteria_met": ["itch"]}, "criteria_met[0]",
         "unknown criterion 'itch'; use one of larger_or_longer, cut_down, time_spent, craving, "
         "role_failure, social_problems, activities_given_up, hazardous_use, "
         "physical_psychological_problems, tolerance, withdrawal"),
        ({"criteria_met": [], "months_without_criteria": 1201}, "months_without_criteria",
         "must be from 0 to 1200 (got 1201)"),
        ({"criteria_met": [], "substance": "cannabis"}, "substance",
         "must be one of opioid, alcohol (got 'cannabis')"),
    ],
)  # fmt: skip
def test_dsm5_refusals_name_the_field(doc: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        score("dsm5_sud", doc)
    assert (err.value.field, err.value.message) == (field, message)


def test_a_dsm5_document_that_is_not_an_object_is_refused_as_a_whole() -> None:
    with pytest.raises(InputError) as err:
        score("dsm5_sud", ["craving", "tolerance"])
    assert (err.value.field, err.value.message) == ("", "must be a JSON object")


@pytest.mark.parametrize(
    ("allowed", "message"),
    [
        ((1, 2, 3), "item 1 (worry) must be from 1 to 3 (got 0)"),  # a range not from 0
        ((0, 1, 2), "item 1 (worry) must be from 0 to 2 (got 5)"),
        ((1, 3), "item 1 (worry) must be one of 1, 3 (got 0)"),
    ],
)
def test_a_refused_answer_describes_a_range_wherever_it_starts(
    allowed: tuple[int, ...], message: str
) -> None:
    """Every published item happens to start at 0; the wording must not depend on it."""
    answer = 5 if allowed[0] == 0 else 0
    with pytest.raises(InputError) as err:
        read_items({"items": [answer]}, [Item("worry", allowed)])
    assert (err.value.field, err.value.message) == ("items[0]", message)


def test_a_total_outside_every_band_is_a_programming_error_that_names_the_total() -> None:
    """The item ranges keep every total inside the bands; if a table were wrong, the error must
    say which total fell through rather than return a band."""
    with pytest.raises(ValueError, match=r"^total 28 is outside every band$"):
        band_for(28, phq9.BANDS)
    assert band_for(27, phq9.BANDS) == "severe"
