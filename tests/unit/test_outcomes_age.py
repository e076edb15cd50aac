"""The age bands of the outcome measures' groups (issue 14; naltrack.clinical.outcomes)."""

from __future__ import annotations

import itertools

import pytest

from naltrack.clinical.outcomes import AGE_BANDS, age_band


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (0, "under 18"),
        (17, "under 18"),
        (18, "18-25"),
        (25, "18-25"),
        (26, "26-34"),
        (34, "26-34"),
        (35, "35-44"),
        (44, "35-44"),
        (45, "45-54"),
        (54, "45-54"),
        (55, "55-64"),
        (64, "55-64"),
        (65, "65+"),
        (104, "65+"),
    ],
)
def test_each_age_falls_in_one_band_with_both_ends_included(age: int, band: str) -> None:
    assert age_band(age) == band


def test_the_bands_are_contiguous_and_the_last_is_open() -> None:
    for (_low, high), (next_low, _next_high) in itertools.pairwise(AGE_BANDS):
        assert high is not None and next_low == high + 1
    assert AGE_BANDS[-1][1] is None
