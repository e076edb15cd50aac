"""The contract's decision rule and earliest start date (shared/contracts/screening.md)."""

from __future__ import annotations

import pytest

from naltrack.clinical.findings import BlockKind, Code, Decision, Finding, Severity
from naltrack.clinical.screening import decide
from tests.builders import AS_OF, days


def f(severity: Severity, kind: BlockKind | None = None, until: int | None = None) -> Finding:
    return Finding(
        Code.INTERACTION,
        severity,
        "m",
        "a",
        "s",
        kind,
        AS_OF + days(until) if until is not None else None,
    )


CONTRA = f(Severity.BLOCK, BlockKind.CONTRAINDICATION)
DEFER_3 = f(Severity.BLOCK, BlockKind.DEFERRAL, 3)
DEFER_7 = f(Severity.BLOCK, BlockKind.DEFERRAL, 7)
DEFER_OPEN = f(Severity.BLOCK, BlockKind.DEFERRAL, None)
REVIEW = f(Severity.REVIEW)
INFO = f(Severity.INFO)


@pytest.mark.parametrize(
    ("found", "decision", "earliest"),
    [
        ([], Decision.ELIGIBLE, 0),
        ([INFO], Decision.ELIGIBLE, 0),
        ([REVIEW, INFO], Decision.NEEDS_REVIEW, 0),
        ([DEFER_3, REVIEW], Decision.NOT_YET, 3),
        ([DEFER_3, DEFER_7], Decision.NOT_YET, 7),
        ([DEFER_7, DEFER_OPEN], Decision.NOT_YET, None),
        ([DEFER_7, CONTRA, REVIEW], Decision.CONTRAINDICATED, None),
    ],
)
def test_strongest_finding_decides(
    found: list[Finding], decision: Decision, earliest: int | None
) -> None:
    got_decision, got_earliest = decide(found, AS_OF)
    assert got_decision is decision
    assert got_earliest == (AS_OF + days(earliest) if earliest is not None else None)
