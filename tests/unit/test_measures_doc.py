"""docs/measures.md is generated from the measures' definitions; the committed copy must match,
and its numbers come from the policy and the outcome constants, never typed (issue 14)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from naltrack.cli.main import main
from naltrack.clinical import outcomes as co
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.outcomes.definitions import definitions, render_measures_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "measures.md"
MEASURE_IDS = (
    "continuity_180", "continuity_by_cohort", "pdc", "retention_milestones", "abstinence_uds",
    "first_use", "use_in_coverage", "craving_by_day", "phq9_trajectory", "safety", "by_group",
)  # fmt: skip


def test_committed_measures_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_measures_doc(DEFAULT_POLICY), (
        "docs/measures.md is stale: run `make docs` and commit it"
    )


def test_every_measure_is_defined_once_with_every_part() -> None:
    defs = definitions(DEFAULT_POLICY)
    assert tuple(d.id for d in defs) == MEASURE_IDS
    text = render_measures_doc(DEFAULT_POLICY)
    for d in defs:
        assert text.count(f"### `{d.id}`:") == 1
        for part in (d.source, d.numerator, d.denominator, d.index_date, d.exclusions, d.censoring):
            assert part.strip()
        assert "Part B §9" in d.source


def test_the_numbers_come_from_the_policy_and_the_constants() -> None:
    changed = dataclasses.replace(
        DEFAULT_POLICY,
        version="test-1",
        continuity_gap_allowed_days=DEFAULT_POLICY.continuity_gap_allowed_days + 5,
        pdc_adherent_min=0.65,
        injection_covered_days=DEFAULT_POLICY.injection_covered_days + 3,
    )
    text = render_measures_doc(changed)
    assert f"longer than {changed.continuity_gap_allowed_days} days" in text
    assert "at least 65%" in text
    assert f"an injection {changed.injection_covered_days} days" in text
    assert f"{co.CONTINUITY_DAYS} days from the index start" in text
    assert f"day 0 (the injection's day) to day {co.CRAVING_DAYS_AFTER_INJECTION}" in text
    assert f"one per {co.UDS_EXPECTED_EVERY_DAYS} days in treatment" in text
    assert f"'{co.AGE_TOP_CODE}+'" in text and f"from 1 to {co.SMALL_CELL - 1}" in text
    assert "Policy version: **test-1**" in text


def test_the_cli_prints_the_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["measures-doc"]) == 0
    assert capsys.readouterr().out == render_measures_doc(DEFAULT_POLICY)
