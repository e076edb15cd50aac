"""docs/clinical-rules.md is generated; the committed copy must match what the code runs."""

from __future__ import annotations

from pathlib import Path

from naltrack.clinical.findings import RULES
from naltrack.clinical.policy import DEFAULT_POLICY, scalar_settings
from naltrack.clinical.rulesdoc import _cell, render_rules_doc

DOC = Path(__file__).resolve().parents[2] / "docs" / "clinical-rules.md"


def test_committed_rules_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_rules_doc(DEFAULT_POLICY), (
        "docs/clinical-rules.md is stale: run `make docs` and commit it"
    )


def test_rules_doc_names_every_code_and_every_setting() -> None:
    text = render_rules_doc(DEFAULT_POLICY)
    for code in RULES:
        assert f"`{code.value}`" in text
    for f in scalar_settings():
        assert f"`{f.name}`" in text


def test_a_table_cell_escapes_the_pipe_and_folds_new_lines() -> None:
    # A source or message with a "|" or a line break must not split or end a Markdown table row.
    assert _cell("ALT | AST\nabove 3x") == "ALT \\| AST above 3x"
    assert _cell(3.0) == "3.0"
