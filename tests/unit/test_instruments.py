"""Every band edge of every instrument, and every invalid input the contract names."""

from __future__ import annotations

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.instruments import score


def spread(total: int, maxima: list[int]) -> list[int]:
    """Items in order that add up to `total` (fill from the first item)."""
    items = []
    for m in maxima:
        take = min(m, total)
        items.append(take)
        total -= take
    assert total == 0
    return items


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"),
     (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"), (27, "severe")],
)  # fmt: skip
def test_phq9_bands(total: int, band: str) -> None:
    items = spread(total, [3] * 8 + [0]) if total <= 24 else spread(total, [3] * 9)
    result = score("phq9", {"items": items})
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("item9", "flags"), [(0, ()), (1, ("SUICIDE_RISK",)), (3, ("SUICIDE_RISK",))]
)
def test_phq9_item9_flags_suicide_risk(item9: int, flags: tuple[str, ...]) -> None:
    assert score("phq9", {"items": [0] * 8 + [item9]}).flags == flags


COWS_MAX = [4, 4, 5, 5, 4, 4, 5, 4, 4, 4, 5]


def cows_items(total: int) -> list[int]:
    """A valid COWS answer set (every value an anchor) with the given total."""
    anchors = [(0, 1, 2, 4), (0, 1, 2, 3, 4), (0, 1, 3, 5), (0, 1, 2, 5), (0, 1, 2, 4), (0, 1, 2, 4),
               (0, 1, 2, 3, 5), (0, 1, 2, 4), (0, 1, 2, 4), (0, 1, 2, 4), (0, 3, 5)]  # fmt: skip
    # Greedy from the largest anchors, then patch with the sweating item (0-4, every value).
    items = [0] * 11
    remaining = total
    for i, options in enumerate(anchors):
        if i == 1:
            continue
        best = max(a for a in options if a <= remaining)
        items[i] = best
        remaining -= best
    items[1] = remaining
    assert 0 <= remaining <= 4 and sum(items) == total
    return items


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "none"), (4, "none"), (5, "mild"), (12, "mild"), (13, "moderate"), (24, "moderate"),
     (25, "moderately_severe"), (36, "moderately_severe"), (37, "severe"), (48, "severe")],
)  # fmt: skip
def test_cows_bands(total: int, band: str) -> None:
    result = score("cows", {"items": cows_items(total)})
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize(
    ("index", "value"), [(0, 3), (2, 2), (3, 3), (6, 4), (10, 1), (10, 4), (1, 5), (0, -1)]
)
def test_cows_refuses_a_value_that_is_not_an_anchor(index: int, value: int) -> None:
    items = [0] * 11
    items[index] = value
    with pytest.raises(InputError) as err:
        score("cows", {"items": items})
    assert err.value.field == f"items[{index}]"


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "mild"), (9, "mild"), (10, "moderate"), (18, "moderate"), (19, "severe"), (67, "severe")],
)
def test_ciwa_ar_bands_asam_2020(total: int, band: str) -> None:
    result = score("ciwa_ar", {"items": spread(total, [7] * 9 + [4])})
    assert (result.total, result.band) == (total, band)


def test_ciwa_ar_orientation_item_is_0_to_4() -> None:
    with pytest.raises(InputError) as err:
        score("ciwa_ar", {"items": [0] * 9 + [5]})
    assert err.value.field == "items[9]"
    score("ciwa_ar", {"items": [7] * 9 + [4]})


def audit_items(total: int) -> list[int]:
    items = [*spread(min(total, 32), [4] * 8), 0, 0]
    rest = total - sum(items)
    items[8], items[9] = (4 if rest >= 4 else rest), max(0, rest - 4)
    return items


@pytest.mark.parametrize(
    ("total", "band"),
    [(0, "zone_1"), (7, "zone_1"), (8, "zone_2"), (15, "zone_2"), (16, "zone_3"), (19, "zone_3"),
     (20, "zone_4"), (40, "zone_4")],
)  # fmt: skip
def test_audit_zones(total: int, band: str) -> None:
    result = score("audit", {"items": audit_items(total)})
    assert (result.total, result.band) == (total, band)


@pytest.mark.parametrize("value", [1, 3])
def test_audit_items_9_and_10_take_only_0_2_4(value: int) -> None:
    with pytest.raises(InputError) as err:
        score("audit", {"items": [0] * 8 + [value, 0]})
    assert err.value.field == "items[8]"


def test_audit_move_up_one_zone_flag() -> None:
    assert score("audit", {"items": [0, 0, 0, 1, 1, 0, 0, 0, 0, 0]}).flags == ("MOVE_UP_ONE_ZONE",)
    assert score("audit", {"items": [0] * 8 + [4, 0]}).flags == ("MOVE_UP_ONE_ZONE",)
    assert score("audit", {"items": [0, 0, 0, 1, 0, 0, 0, 0, 2, 2]}).flags == ()


@pytest.mark.parametrize(
    ("sex", "total", "band"),
    [
        ("male", 3, "negative"),
        ("male", 4, "positive"),
        ("female", 2, "negative"),
        ("female", 3, "positive"),
    ],
)
def test_audit_c_by_sex(sex: str, total: int, band: str) -> None:
    assert score("audit_c", {"items": spread(total, [4, 4, 4]), "sex_at_birth": sex}).band == band


@pytest.mark.parametrize("sex", [None, "other", "M"])
def test_audit_c_needs_female_or_male(sex: str | None) -> None:
    doc: dict[str, object] = {"items": [1, 1, 1]}
    if sex is not None:
        doc["sex_at_birth"] = sex
    with pytest.raises(InputError) as err:
        score("audit_c", doc)
    assert err.value.field == "sex_at_birth"


CRITERIA = ["larger_or_longer", "cut_down", "time_spent", "craving", "role_failure", "social_problems",
            "activities_given_up", "hazardous_use", "physical_psychological_problems", "tolerance", "withdrawal"]  # fmt: skip


@pytest.mark.parametrize(
    ("count", "band"),
    [
        (0, "none"),
        (1, "none"),
        (2, "mild"),
        (3, "mild"),
        (4, "moderate"),
        (5, "moderate"),
        (6, "severe"),
        (11, "severe"),
    ],
)
def test_dsm5_severity(count: int, band: str) -> None:
    result = score("dsm5_sud", {"criteria_met": CRITERIA[:count]})
    assert (result.total, result.band) == (count, band)


def test_dsm5_tolerance_and_withdrawal_do_not_count_on_maintenance_therapy() -> None:
    met = ["craving", "cut_down", "tolerance", "withdrawal"]
    assert score("dsm5_sud", {"criteria_met": met}).band == "moderate"
    on = score("dsm5_sud", {"criteria_met": met, "on_maintenance_therapy": True})
    assert (on.total, on.band) == (2, "mild")
    assert on.extra["not_counted"] == ["tolerance", "withdrawal"]


@pytest.mark.parametrize(
    ("months", "specifier", "icd10"),
    [(2, None, "F11.20"), (3, "in_early_remission", "F11.21"), (11, "in_early_remission", "F11.21"),
     (12, "in_sustained_remission", "F11.21")],
)  # fmt: skip
def test_dsm5_remission_specifiers(months: int, specifier: str | None, icd10: str) -> None:
    result = score(
        "dsm5_sud",
        {"criteria_met": CRITERIA[:5], "months_without_criteria": months, "substance": "opioid"},
    )
    specifiers = result.extra["specifiers"]
    assert isinstance(specifiers, list)
    assert specifiers == ([specifier] if specifier else [])
    assert result.extra["icd10"] == icd10


def test_dsm5_mild_alcohol_code() -> None:
    assert (
        score("dsm5_sud", {"criteria_met": CRITERIA[:2], "substance": "alcohol"}).extra["icd10"]
        == "F10.10"
    )


@pytest.mark.parametrize(
    ("instrument", "doc", "field"),
    [
        ("phq9", {"items": [0] * 8}, "items"),
        ("phq9", {"items": [0] * 10}, "items"),
        ("phq9", {"items": [0] * 8 + [4]}, "items[8]"),
        ("phq9", {"items": [0] * 8 + ["1"]}, "items[8]"),
        ("phq9", {"items": [0] * 8 + [True]}, "items[8]"),
        ("phq9", {"items": "0,0,0"}, "items"),
        ("phq9", {}, "items"),
        ("phq9", {"items": [0] * 9, "itmes": 1}, "itmes"),
        ("phq9", [0] * 9, ""),
        ("cows", {"items": [0] * 10}, "items"),
        ("ciwa_ar", {"items": [8] + [0] * 9}, "items[0]"),
        ("audit", {"items": [5] + [0] * 9}, "items[0]"),
        ("audit_c", {"items": [0, 0, 0, 0], "sex_at_birth": "male"}, "items"),
        ("dsm5_sud", {"criteria_met": ["craving", "craving"]}, "criteria_met[1]"),
        ("dsm5_sud", {"criteria_met": ["cravings"]}, "criteria_met[0]"),
        ("dsm5_sud", {"criteria_met": "craving"}, "criteria_met"),
        (
            "dsm5_sud",
            {"criteria_met": [], "on_maintenance_therapy": "yes"},
            "on_maintenance_therapy",
        ),
        ("gad7", {"items": []}, "instrument"),
    ],
)
def test_invalid_input_names_the_field(instrument: str, doc: object, field: str) -> None:
    with pytest.raises(InputError) as err:
        score(instrument, doc)
    assert err.value.field == field
    assert err.value.message


def test_sex_at_birth_is_accepted_by_every_instrument_and_still_validated() -> None:
    assert score("phq9", {"items": [0] * 9, "sex_at_birth": "female"}).total == 0
    with pytest.raises(InputError) as err:
        score("phq9", {"items": [0] * 9, "sex_at_birth": "F"})
    assert err.value.field == "sex_at_birth"


def test_craving_scales_have_totals_and_no_invented_bands() -> None:
    assert score("craving_vas", {"items": [73]}).as_dict()["band"] is None
    assert score("pacs", {"items": [6, 6, 6, 6, 6]}).total == 30
    with pytest.raises(InputError):
        score("craving_vas", {"items": [101]})
