"""Every outcome and quality measure, defined once in words with its numbers filled from the policy
and `naltrack.clinical.outcomes` (issue 14), and rendered as docs/measures.md
(`naltrack measures-doc`, `make docs`). A test fails when the committed document is stale, so a
funder or a researcher reads exactly what the measures compute (`naltrack.outcomes.measures`).

Sources: clinical-reference.md Part B §9 (outcome and quality metrics) and its source S13 (MIPS
#468 / NQF 3175, PQA adherence, NCQA POD); the export's method: HIPAA Safe Harbor, 45 CFR
164.514(b)(2).
"""

from __future__ import annotations

from dataclasses import dataclass

from naltrack.clinical import outcomes as co
from naltrack.clinical.policy import Policy

PART_B = "clinical-reference.md Part B §9"


@dataclass(frozen=True, slots=True)
class Definition:
    id: str  # the measure's id in compute_all's result
    title: str
    source: str
    numerator: str  # or the statistic, for a mean or a curve
    denominator: str
    index_date: str
    exclusions: str
    censoring: str
    groups: str = "the groups of `by_group`, when asked"


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def coverage_rule(policy: Policy) -> str:
    """How a dose covers days (the core's `coverage.days_covered_by`), in words."""
    t = co.coverage_terms(policy)
    return (
        f"an oral dose covers one day per {t.oral_mg_per_day} mg (a smaller dose its own "
        f"day), an injection {t.injection_days} days, an implant "
        f"{t.implant_days} days unless removed earlier (then up to the removal); supply "
        "that overlaps the days still covered is carried forward (it starts the day after the "
        "covered days end)"
    )


def definitions(policy: Policy) -> tuple[Definition, ...]:
    p = policy
    gap = co.coverage_terms(p).gap_days
    days = co.CONTINUITY_DAYS
    cens = ", ".join(co.CENSORING_END_KINDS)
    first_dose = "the episode's first dose in the period (its index start)"
    milestones = ", ".join(str(d) for d in co.RETENTION_MILESTONES)
    month = co.DAYS_PER_MONTH
    continuity_num = (
        f"episodes with continuous treatment for the {days} days from the index start (the "
        f"index day and the {days - 1} after it): no uncovered run inside those days longer "
        f"than {gap} days (`continuity_gap_allowed_days`), a run still going at the window's "
        "end included"
    )
    continuity_den = (
        f"episodes with an index start in the period whose {days}-day window has "
        "passed by the as-of day"
    )
    continuity_excl = (
        f"windows not yet passed by the as-of day; episodes that ended by {cens} before their "
        "window ended (they left our care, not treatment)"
    )
    return (
        Definition(
            "continuity_180",
            f"Continuity of pharmacotherapy: {days} days (NQF 3175 / MIPS #468 style)",
            f"{PART_B} (NQF 3175 / MIPS #468, gap rule UNVERIFIED); S13",
            continuity_num,
            continuity_den,
            first_dose,
            continuity_excl,
            "none (a binary outcome over a window that has passed)",
        ),
        Definition(
            "continuity_by_cohort",
            f"Continuity of pharmacotherapy ({days} days) by start cohort",
            f"{PART_B}; S13",
            continuity_num,
            f"{continuity_den}, by the month and the quarter of the index start",
            first_dose,
            continuity_excl,
            "none",
            "start cohort (month, quarter)",
        ),
        Definition(
            "pdc",
            "Proportion of days covered (PQA style)",
            f"{PART_B} (PQA PDC; applying it to naltrexone is a practice convention); S13",
            "per episode, the days covered (" + coverage_rule(p) + ") inside the episode's "
            "measurement window; reported as the mean PDC and the share of episodes with PDC at "
            f"least {_pct(co.coverage_terms(p).pdc_min)} (`pdc_adherent_min`)",
            "per episode, the days of its measurement window: from the later of the first dose "
            "and the period's start to the earlier of the period's end and the episode's end "
            "(both days included); the share's denominator: episodes with a window of at least "
            "one day",
            "the later of the first dose and the period's start",
            "episodes never dosed, or whose first dose is after the period's end, or which "
            "ended before the period's start",
            "the window ends at the episode's end (a patient who left is not counted as "
            "non-adherent after leaving)",
        ),
        Definition(
            "retention_milestones",
            f"Retention on medication (Kaplan-Meier; day {milestones})",
            f"{PART_B} (retention at fixed days from the first dose, commonly reported); S13",
            "time on treatment: days from the first dose to the day the first uncovered run "
            f"became longer than {gap} days (the event: discontinuation or loss to follow-up; "
            "dated so that the curve at day m equals the windowed retention at day m, "
            "coverage.retained, when no one is censored); the Kaplan-Meier survival at day {milestones} with its 95% "
            "band (exponential Greenwood, log(-log)), the numbers at risk and the median",
            "episodes with a first dose in the period",
            "the first dose",
            "episodes never dosed",
            f"censored at the as-of day (on treatment then), or at an end by {cens} (on "
            "treatment through that day); doses after the censoring day are not read",
        ),
        Definition(
            "abstinence_uds",
            "Abstinence by urine screen (opioids; alcohol where recorded)",
            f"{PART_B} (abstinence by UDS; missing counted as positive: Comer 2006, CTNote)",
            "urine screens negative for opioids (and, separately, for alcohol where recorded); "
            "missing-equals-positive variant: the same negatives",
            "urine screens taken during an episode in the period; missing-equals-positive "
            f"variant: the screens expected, one per {co.UDS_EXPECTED_EVERY_DAYS} days in "
            "treatment (from the first dose to the earlier of the episode's end, the period's "
            "end and the as-of day), or the screens taken when more; a missing screen counts "
            "as positive",
            "the first dose",
            "screens outside any episode; episodes never dosed",
            "follow-up ends at the episode's end, the period's end or the as-of day",
        ),
        Definition(
            "first_use",
            "Time to first reported or detected opioid use",
            f"{PART_B} (days to first positive: CTNote)",
            "days from the first dose to the first opioid-positive urine screen or reported "
            "opioid use (the event); Kaplan-Meier median",
            "episodes with a first dose in the period",
            "the first dose",
            "episodes never dosed",
            f"censored at the as-of day or at the episode's end (any kind: {cens}, completed, "
            "lost to follow-up) when no use came first",
        ),
        Definition(
            "use_in_coverage",
            "Opioid use reported during versus outside medication coverage",
            f"{PART_B}; the coverage rule of Part A A5",
            "opioid-positive screens and reports of use on covered days, and on uncovered days",
            "screens and reports with an opioid answer during an episode in the period, on "
            "covered days and on uncovered days (each day's coverage by the coverage rule)",
            "the day of the screen or report",
            "observations with no opioid answer; observations outside any episode",
            "none",
        ),
        Definition(
            "craving_by_day",
            "Craving against days since the last injection",
            f"{PART_B} (craving, PACS); Part A A5/A6 (the injection's interval)",
            "mean craving score (0-10) with its 95% normal confidence interval (mean +- 1.96 "
            "standard errors), by the days since the most recent injection on or before the "
            f"craving's day, day 0 (the injection's day) to day {co.CRAVING_DAYS_AFTER_INJECTION}",
            "craving scores recorded during an episode in the period, after at least one "
            "injection, one count per day since the injection",
            "the most recent injection on or before the score's day",
            f"scores with no injection before them, or more than "
            f"{co.CRAVING_DAYS_AFTER_INJECTION} days after the last one",
            "none",
        ),
        Definition(
            "phq9_trajectory",
            "PHQ-9 trajectory from the start",
            f"{PART_B}; PHQ-9 (Kroenke 2001)",
            f"mean PHQ-9 score by month since the first dose (a month of {month} days; month 0 "
            "holds the score at or before the first dose, the baseline)",
            "PHQ-9 scores of episodes with a first dose in the period, by month",
            "the first dose",
            "episodes never dosed; scores outside any episode",
            "none (each month's mean is of the scores recorded in it)",
        ),
        Definition(
            "safety",
            "Safety: reactions, side effects, overdoses, alerts, naloxone",
            f"{PART_B}; Part B 4.5 (naloxone at an injection)",
            "injection-site reactions per 100 injections; side effects (by kind) and overdose "
            "events and alerts per 100 patient-months; injections with naloxone discussed per "
            "100 injections",
            f"injections given in the period; patient-months in treatment in the period (days "
            f"from the first dose, or the period's start, to the episode's end, the period's end "
            f"or the as-of day, divided by {month})",
            "the period's start",
            "events outside any episode",
            "none",
        ),
        Definition(
            "by_group",
            "The measures by group",
            PART_B,
            "each measure's numerator within the group",
            "each measure's denominator within the group",
            "each measure's own",
            "each measure's own",
            "each measure's own",
            "formulation of the first dose (oral, xr_injection, implant), indication (OUD, AUD, "
            "both), sex, age band at the start ("
            + ", ".join(co.age_band(lo) for lo, _ in co.AGE_BANDS)
            + "), referral source, start cohort (month, quarter), clinic",
        ),
    )


def deidentification_rules() -> list[str]:
    """The de-identified export's rules (`naltrack.outcomes.deidentify`), in words."""
    return [
        "HIPAA Safe Harbor, 45 CFR 164.514(b)(2): no name, record number, contact detail, "
        "address, geography or free text; the clinic is a label drawn at random per export.",
        "Patients and episodes carry study ids drawn at random for each export, never derived "
        "from an identifier or the facts' pseudonymous keys (164.514(c)); the keys never leave.",
        "Dates are whole days from the start of the record's episode (outside an episode: of the "
        "patient's first episode); only the calendar year of an episode's start is kept.",
        f"Ages above {co.AGE_TOP_CODE - 1} are one group, '{co.AGE_TOP_CODE}+'.",
        "Coded values leave only as vocabulary codes; any other text is 'other'.",
        f"Aggregate tables: counts from 1 to {co.SMALL_CELL - 1} are suppressed; whenever a row "
        "or a column (total included) has exactly one suppressed cell, its smallest other "
        "non-zero cell is suppressed too, repeated until none has exactly one (complementary "
        "suppression), so that no suppressed count can be recovered from a total.",
        "Every file is described column by column in data_dictionary.csv, with how each column "
        "was de-identified; README.txt states the method. The export is audited as a disclosure "
        "naming its recipient, purpose and counts.",
    ]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_measures_doc(policy: Policy) -> str:
    out: list[str] = []
    w = out.append
    w("# naltrack outcome and quality measures\n")
    w(
        "Generated by `make docs` (`naltrack measures-doc`) from `src/naltrack/outcomes/"
        "definitions.py`, the policy and `src/naltrack/clinical/outcomes.py`. Do not edit by "
        "hand: a test fails when this file is out of date. Sources: 'Part B' refers to "
        "`shared/clinical-reference.md` (§9, outcome and quality metrics; S13, the quality "
        "measures' specifications).\n"
    )
    w(f"Policy version: **{policy.version}**\n")
    w("## Coverage\n")
    w(
        f"A day is covered when a dose's supply covers it: {coverage_rule(policy)}. An uncovered "
        f"run of up to {co.coverage_terms(policy).gap_days} days "
        "(`continuity_gap_allowed_days`) does not break continuous treatment; a longer one ends "
        "it. The measures run over a period (start, end) and an as-of day (the data's end).\n"
    )
    w("## Measures\n")
    w("| id | measure |")
    w("|---|---|")
    defs = definitions(policy)
    for d in defs:
        w(f"| `{d.id}` | {_cell(d.title)} |")
    w("")
    for d in defs:
        w(f"### `{d.id}`: {d.title}\n")
        w("| | |")
        w("|---|---|")
        for label, text in (
            ("source", d.source),
            ("numerator", d.numerator),
            ("denominator", d.denominator),
            ("index date", d.index_date),
            ("exclusions", d.exclusions),
            ("censoring", d.censoring),
            ("groups", d.groups),
        ):
            w(f"| {label} | {_cell(text)} |")
        w("")
    w("## De-identified export\n")
    for rule in deidentification_rules():
        w(f"- {rule}")
    w("")
    return "\n".join(out)
