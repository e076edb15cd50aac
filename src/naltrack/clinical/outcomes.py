"""The definitions behind the outcome and quality measures (issue 14; clinical-reference.md Part B
§9). The measures themselves run as dataframe expressions over the analytic extract
(`naltrack.outcomes.measures`); every number they use that is a decision lives here or in the
clinic policy (`continuity_gap_allowed_days`, `pdc_adherent_min`, each formulation's covered
days), and the one-patient functions of `coverage` are the reference the measures are tested
against.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .coverage import Administration, clip, covered_segments, gap_allowed
from .errors import InputError
from .policy import DEFAULT_POLICY, Policy

# NQF 3175 / MIPS 468 (Part B §9, S13): at least 180 days of continuous pharmacotherapy after the
# index start; "continuous" allows uncovered runs up to the policy's continuity_gap_allowed_days
# (7 by default: "commonly cited", marked UNVERIFIED in Part B §9).
CONTINUITY_DAYS = 180

# Retention reported at these days from the first dose (Part B §9: day 90/180 "commonly
# reported"; day 30 and 365 added as the Kaplan-Meier curve's milestones).
RETENTION_MILESTONES = (30, 90, 180, 365)

# Craving against the days since the last injection: day 0 (the injection's day) to day 35, a
# week past the 28-day interval (Part A A5) and the overdue day (A6), so the waning shows.
CRAVING_DAYS_AFTER_INJECTION = 35

# De-identified export (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)): ages over 89 are one group;
# counts below 11 are suppressed in aggregate cells (the CMS cell-size suppression policy).
AGE_TOP_CODE = 90
SMALL_CELL = 11

# Age bands for grouping (years at the episode's start).
AGE_BANDS = ((18, 25), (26, 34), (35, 44), (45, 54), (55, 64), (65, None))


def age_band(age: int) -> str:
    """ "18-25", ..., "65+"; "under 18" below the first band."""
    for low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return f"{low}+" if high is None else f"{low}-{high}"
    return "under 18"


# The missing-equals-positive urine screen measure (Part B §9: "missing samples are usually counted
# as positive", Comer 2006; CTNote): one screen expected per this many days in treatment.
UDS_EXPECTED_EVERY_DAYS = 7

# PHQ-9 trajectories by month since the first dose, and the patient-months of the safety rates:
# a month is this many days (a fixed length, so that months from different starts line up).
DAYS_PER_MONTH = 30

# Episode ends that censor retention (the patient left our care, not treatment): the episodes'
# `end_kind` values (naltrack.outcomes.facts). Completed, lost to follow-up and other do not.
CENSORING_END_KINDS = ("transferred", "referred_out", "died")


def adherence_threshold(policy: Policy) -> float:
    """The PDC at or above which an episode counts as adherent (PQA ≥ 80%; Part B §9)."""
    return policy.pdc_adherent_min


def time_on_treatment(
    admins: Iterable[Administration],
    first_dose: date,
    as_of: date,
    policy: Policy = DEFAULT_POLICY,
    censored_on: date | None = None,
) -> tuple[int, bool]:
    """Days on treatment from the first dose, and whether treatment was discontinued (Part B §9,
    the Kaplan-Meier input of the retention measure).

    Followed from `first_dose` to the end of follow-up: `as_of`, or `censored_on` (transfer,
    referral out, death) when earlier; doses after it change nothing. Discontinued when an
    uncovered run inside follow-up is longer than the policy's continuity gap (`gap_allowed`; a
    run still going at the end of follow-up counts once it is longer): the days on treatment are
    then those before the day that run became longer than the gap (its first uncovered day
    minus the first dose, plus the gap allowed, plus one). Otherwise censored, on treatment through the last day of follow-up (both days
    counted: a first dose on `as_of` is 1 day)."""
    end = as_of if censored_on is None else min(as_of, censored_on)
    if end < first_dose:
        field = "as_of" if end == as_of else "censored_on"
        raise InputError("is before the first dose", field)
    segments = [(s.toordinal(), e.toordinal()) for s, e in covered_segments(admins, policy)]
    first = first_dose.toordinal()
    _covered, gaps = clip(segments, first, end.toordinal())
    allowed = gap_allowed(policy)
    for start, last in gaps:
        if last - start + 1 > allowed:
            # Discontinued on the day the run became longer than the gap allowed: on treatment
            # for the days before it, so that "still on treatment after day m" is exactly
            # `coverage.retained` at day m (the Kaplan-Meier curve at day 30/90/180/365 and the
            # windowed retention are one definition).
            return start - first + allowed + 1, True
    return end.toordinal() - first + 1, False


@dataclass(frozen=True, slots=True)
class CoverageTerms:
    """The policy's numbers the measures document and the Outcomes page name (each read here,
    in the core, so that no other layer reads a policy field)."""

    oral_mg_per_day: int  # an oral dose covers one day per this many mg (A5)
    injection_days: int  # an injection's covered days (A5)
    implant_days: int  # an implant's covered days unless removed earlier (A5)
    gap_days: int  # the longest uncovered run inside continuous treatment (Part B §9)
    pdc_min: float  # PDC at or above which an episode is adherent (PQA; Part B §9)
    injection_due_day: int  # the next injection is due this many days after the last (A5)


def coverage_terms(policy: Policy) -> CoverageTerms:
    return CoverageTerms(
        oral_mg_per_day=policy.oral_mg_per_covered_day,
        injection_days=policy.injection_covered_days,
        implant_days=policy.implant_coverage_days,
        gap_days=gap_allowed(policy),
        pdc_min=adherence_threshold(policy),
        injection_due_day=policy.injection_interval_days,
    )
