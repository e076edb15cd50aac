"""The policy's numbers the measures document and the Outcomes page name, read in the core."""

from __future__ import annotations

import dataclasses

from naltrack.clinical.outcomes import coverage_terms
from naltrack.clinical.policy import DEFAULT_POLICY


def test_each_term_is_the_clinic_policy_s_own_number() -> None:
    policy = dataclasses.replace(
        DEFAULT_POLICY, oral_mg_per_covered_day=25, injection_covered_days=30,
        implant_coverage_days=120, continuity_gap_allowed_days=9, pdc_adherent_min=0.9,
        injection_interval_days=27,
    )  # fmt: skip
    t = coverage_terms(policy)
    assert (t.oral_mg_per_day, t.injection_days, t.implant_days) == (25, 30, 120)
    assert (t.gap_days, t.pdc_min, t.injection_due_day) == (9, 0.9, 27)
