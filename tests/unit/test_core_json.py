"""What the core hands the CLI, the API and the pages as JSON: a screening result and its
findings (shared/contracts/screening.md), an instrument score, and a refusal naming its field."""

from __future__ import annotations

from datetime import date

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.findings import RULES, BlockKind, Code, Decision, Finding, Severity
from naltrack.clinical.instruments import SCORERS, score
from naltrack.clinical.screening import ScreeningResult

ON = date(2026, 11, 21)


@pytest.mark.parametrize(
    ("finding", "expected"),
    [
        (Finding(Code.HYPERSENSITIVITY, Severity.BLOCK, "m", "a", "s", BlockKind.CONTRAINDICATION),
         {"code": "HYPERSENSITIVITY", "severity": "block", "block_kind": "contraindication",
          "message": "m", "action": "a", "source": "s"}),
        (Finding(Code.OPIOID_FREE_INTERVAL, Severity.BLOCK, "m", "a", "s", BlockKind.DEFERRAL, ON),
         {"code": "OPIOID_FREE_INTERVAL", "severity": "block", "block_kind": "deferral",
          "until": "2026-11-21", "message": "m", "action": "a", "source": "s"}),
        (Finding(Code.UDS_POSITIVE, Severity.BLOCK, "m", "a", "s", BlockKind.DEFERRAL),
         {"code": "UDS_POSITIVE", "severity": "block", "block_kind": "deferral", "until": None,
          "message": "m", "action": "a", "source": "s"}),
        (Finding(Code.UDS_POSITIVE, Severity.BLOCK, "m", "a", "s"),
         {"code": "UDS_POSITIVE", "severity": "block", "block_kind": None,
          "message": "m", "action": "a", "source": "s"}),
        (Finding(Code.UDS_MISSING, Severity.REVIEW, "m", "a", "s", BlockKind.DEFERRAL, ON),
         {"code": "UDS_MISSING", "severity": "review", "message": "m", "action": "a", "source": "s"}),
        (Finding(Code.BREASTFEEDING, Severity.INFO, "m", "a", "s"),
         {"code": "BREASTFEEDING", "severity": "info", "message": "m", "action": "a", "source": "s"}),
    ],
)  # fmt: skip
def test_a_finding_as_json_shows_block_kind_and_until_only_for_blocks(
    finding: Finding, expected: dict[str, object]
) -> None:
    got = finding.as_dict()
    assert got == expected
    assert list(got) == list(expected)  # the contract's key order


def test_a_screening_result_as_json() -> None:
    finding = Finding(Code.BREASTFEEDING, Severity.INFO, "m", "a", "s")
    result = ScreeningResult(Decision.NOT_YET, ON, (finding,), "clinic-1")
    assert result.as_dict() == {
        "decision": "not_yet",
        "earliest_start_date": "2026-11-21",
        "findings": [finding.as_dict()],
        "policy": "clinic-1",
    }
    open_ended = ScreeningResult(Decision.CONTRAINDICATED, None, (), "clinic-1")
    assert open_ended.as_dict()["earliest_start_date"] is None


def test_every_finding_code_has_a_documented_rule() -> None:
    assert set(RULES) == set(Code)
    assert all(r.raised_when and r.source for r in RULES.values())


def test_an_input_error_names_its_field() -> None:
    err = InputError("is required", "liver.alt_uln")
    assert (str(err), err.message, err.field) == (
        "liver.alt_uln: is required", "is required", "liver.alt_uln",
    )  # fmt: skip
    assert err.as_dict() == {"error": "is required", "field": "liver.alt_uln"}
    whole = InputError("must be a JSON object", "")
    assert str(whole) == "must be a JSON object"


def test_an_unknown_instrument_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        score("gad7", {"items": [0] * 7})
    assert (err.value.field, err.value.message) == (
        "instrument",
        "unknown instrument 'gad7'; use one of " + ", ".join(SCORERS),
    )


def test_a_score_as_json_carries_its_extra_fields() -> None:
    assert score("phq9", {"items": [1, 1, 1, 1, 1, 0, 0, 0, 2]}).as_dict() == {
        "instrument": "phq9",
        "total": 7,
        "band": "mild",
        "flags": ["SUICIDE_RISK"],
        "source": "Kroenke 2001 (PHQ-9); fact sheet 6.3",
        "item9": 2,
    }
