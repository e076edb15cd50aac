"""Part A A1: the opioid-free interval, the day before / of / after every boundary."""

from __future__ import annotations

from datetime import date

import pytest

from naltrack.clinical.findings import BlockKind, Code, Decision, Severity
from naltrack.clinical.policy import DEFAULT_POLICY, IntervalRule, Policy
from naltrack.clinical.screening_facts import LastOpioidUse
from naltrack.clinical.vocab import Indication, OpioidKind
from tests.builders import AS_OF, days, eligible_aud, eligible_oud, findings, only, run

K = OpioidKind
BLOCK, REVIEW, NONE = Severity.BLOCK, Severity.REVIEW, None

# (last opioid kind, days since last use, severity of OPIOID_FREE_INTERVAL or None)
# Part A A1: short-acting 7 days (no review window); fentanyl, methadone, buprenorphine and unknown
# defer to day 10 and need review until day 14; a depot always needs review.
TABLE = [
    (K.SHORT_ACTING, 6, BLOCK),
    (K.SHORT_ACTING, 7, NONE),
    (K.SHORT_ACTING, 8, NONE),
    *[
        (kind, n, sev)
        for kind in (K.FENTANYL, K.METHADONE, K.BUPRENORPHINE, K.UNKNOWN)
        for n, sev in ((9, BLOCK), (10, REVIEW), (11, REVIEW), (13, REVIEW), (14, NONE), (15, NONE))
    ],
    (K.BUPRENORPHINE_DEPOT, 0, REVIEW),
    (K.BUPRENORPHINE_DEPOT, 1, REVIEW),
    (K.BUPRENORPHINE_DEPOT, 365, REVIEW),
]


@pytest.mark.parametrize(("kind", "days_since", "severity"), TABLE, ids=lambda v: str(v))
def test_opioid_free_interval_table(
    kind: OpioidKind, days_since: int, severity: Severity | None
) -> None:
    result = run(eligible_oud(last_opioid_use=LastOpioidUse(AS_OF - days(days_since), kind)))
    found = findings(result, Code.OPIOID_FREE_INTERVAL)
    if severity is None:
        assert found == []
        assert result.decision is Decision.ELIGIBLE
        return
    assert [f.severity for f in found] == [severity]
    if severity is BLOCK:
        assert found[0].block_kind is BlockKind.DEFERRAL
        assert result.decision is Decision.NOT_YET
        rule = DEFAULT_POLICY.interval_for(kind)
        first_day = AS_OF - days(days_since) + days(rule.deferral_days)
        assert found[0].until == first_day
        assert result.earliest_start_date == first_day
    else:
        assert result.decision is Decision.NEEDS_REVIEW
        assert result.earliest_start_date == AS_OF
        assert "naloxone challenge" in found[0].action


def test_defers_until_day_7_after_short_acting_use_with_the_contract_example() -> None:
    result = run(eligible_oud(last_opioid_use=LastOpioidUse(date(2026, 11, 17), K.SHORT_ACTING)))
    finding = only(result, Code.OPIOID_FREE_INTERVAL)
    assert finding.until == date(2026, 11, 24)
    assert finding.message == (
        "Last short-acting opioid use 2026-11-17; at least 7 opioid-free days are needed before "
        "the first dose."
    )
    assert finding.action == "Book induction on or after 2026-11-24."
    assert result.decision is Decision.NOT_YET
    assert result.earliest_start_date == date(2026, 11, 24)


def test_defers_until_day_10_after_methadone() -> None:
    result = run(eligible_oud(last_opioid_use=LastOpioidUse(AS_OF - days(4), K.METHADONE)))
    assert result.earliest_start_date == AS_OF + days(6)


def test_four_days_after_fentanyl_is_not_yet_with_the_date() -> None:
    result = run(eligible_oud(last_opioid_use=LastOpioidUse(date(2026, 11, 17), K.FENTANYL)))
    assert result.decision is Decision.NOT_YET
    assert result.earliest_start_date == date(2026, 11, 27)


def test_oud_without_last_use_needs_review() -> None:
    result = run(eligible_oud(last_opioid_use=None))
    assert only(result, Code.LAST_OPIOID_USE_UNKNOWN).severity is Severity.REVIEW
    assert result.decision is Decision.NEEDS_REVIEW


def test_aud_only_without_opioid_history_gets_no_interval_finding() -> None:
    result = run(eligible_aud())
    assert findings(result, Code.OPIOID_FREE_INTERVAL) == []
    assert findings(result, Code.LAST_OPIOID_USE_UNKNOWN) == []
    assert result.decision is Decision.ELIGIBLE


def test_aud_patient_with_recent_opioid_use_is_still_deferred() -> None:
    # Precipitated withdrawal does not depend on the indication: a recorded last use counts.
    result = run(eligible_aud(last_opioid_use=LastOpioidUse(AS_OF - days(2), K.SHORT_ACTING)))
    assert only(result, Code.OPIOID_FREE_INTERVAL).severity is Severity.BLOCK


def test_a_clinic_policy_changes_the_interval_and_reports_its_version() -> None:
    intervals = dict(DEFAULT_POLICY.opioid_free_interval)
    intervals[K.METHADONE] = IntervalRule(14, 21)
    policy = Policy(version="clinic-x-1", opioid_free_interval=intervals)
    from naltrack.clinical.screening import screen

    result = screen(
        eligible_oud(last_opioid_use=LastOpioidUse(AS_OF - days(12), K.METHADONE)), policy
    )
    assert result.earliest_start_date == AS_OF + days(2)
    assert result.policy == "clinic-x-1"


def test_oud_and_aud_together_with_everything_verified_is_eligible() -> None:
    facts = eligible_oud(indications=frozenset({Indication.OUD, Indication.AUD}))
    assert run(facts).decision is Decision.ELIGIBLE
