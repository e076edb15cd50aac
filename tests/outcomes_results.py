"""A stored measures run with realistic results in the shape `compute_all` returns (the BRIEF),
for the Outcomes page's tests and screenshots. The numbers are made up but shaped like a small
naltrexone program: no randomness, the durations are evenly spaced quantiles of exponential
retention with every third subject censored. The "km" part is drawn with our own kaplan_meier."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any

from naltrack.clinical.outcomes import CRAVING_DAYS_AFTER_INJECTION
from naltrack.outcomes.models import MeasureRun
from naltrack.outcomes.survival import kaplan_meier

AS_OF = date(2026, 11, 27)
PERIOD = (date(2025, 1, 1), date(2026, 11, 27))

# (grouping, value, patients, mean days on medication): the curves of each grouping
GROUPS: tuple[tuple[str, str, int, float], ...] = (
    ("formulation", "XR injection", 64, 260.0),
    ("formulation", "Tablets", 48, 95.0),
    ("formulation", "Implant", 14, 330.0),
    ("indication", "OUD", 70, 190.0),
    ("indication", "AUD", 38, 150.0),
    ("indication", "OUD and AUD", 18, 210.0),
    ("sex", "female", 52, 200.0),
    ("sex", "male", 74, 175.0),
    ("age_band", "18-25", 22, 120.0),
    ("age_band", "26-34", 40, 170.0),
    ("age_band", "35-44", 36, 210.0),
    ("age_band", "45+", 28, 240.0),
)


def durations(n: int, mean: float, follow_up: int = 420) -> tuple[list[float], list[int]]:
    """n evenly spaced quantiles of an exponential retention time (mean `mean` days), cut at
    `follow_up` (censored there), and every third subject censored early (a transfer, or data's
    end for a late start) at 80% of their time."""
    days: list[float] = []
    events: list[int] = []
    for i in range(n):
        t = -mean * math.log(1 - (i + 0.5) / n)
        if t >= follow_up:
            days.append(float(follow_up))
            events.append(0)
        elif i % 3 == 2:
            days.append(float(round(t * 0.8)))
            events.append(0)
        else:
            days.append(float(round(t)))
            events.append(1)
    return days, events


def km_part() -> dict[str, Any]:
    km: dict[str, Any] = {}
    all_d, all_e = durations(126, 185.0)
    km["all"] = kaplan_meier(all_d, all_e).as_dict()
    for grouping, value, n, mean in GROUPS:
        d, e = durations(n, mean)
        km[f"{grouping}: {value}"] = kaplan_meier(d, e).as_dict()
    return km


def measures_part() -> dict[str, Any]:
    all_d, all_e = durations(126, 185.0)
    milestones_rows = []
    for label, (d, e) in [("All patients", (all_d, all_e))] + [
        (value, durations(n, mean)) for g, value, n, mean in GROUPS if g == "formulation"
    ]:
        k = kaplan_meier(d, e)
        milestones_rows.append(
            [label, len(d)] + [round(k.at(m), 4) for m in (30, 90, 180, 365)] + [k.median]
        )
    cohorts = [
        ("2025-Q1", 21, 9),
        ("2025-Q2", 26, 12),
        ("2025-Q3", 24, 13),
        ("2025-Q4", 30, 17),
        ("2026-Q1", 27, 16),
        ("2026-Q2", 19, 0),
    ]
    craving = []
    for day in range(CRAVING_DAYS_AFTER_INJECTION + 1):
        mean = 2.0 + (0.0 if day < 18 else 0.13 * (day - 18))  # waning after about day 18
        n = 40 - day // 2
        half = 1.96 * 2.2 / math.sqrt(n)
        craving.append([day, n, round(mean, 2), round(mean - half, 2), round(mean + half, 2)])
    phq9 = []
    for week in (0, 4, 8, 12, 26, 52):
        mean = 13.0 * math.exp(-week / 20) + 5.0
        n = max(118 - 2 * week, 10)
        half = 1.96 * 5.0 / math.sqrt(n)
        phq9.append([week, n, round(mean, 1), round(mean - half, 1), round(mean + half, 1)])
    return {
        "retention_milestones": {
            "title": "Retention at day 30, 90, 180 and 365",
            "columns": [
                "group",
                "patients",
                "retained_day_30",
                "retained_day_90",
                "retained_day_180",
                "retained_day_365",
                "median_days",
            ],
            "rows": milestones_rows,
            "note": "Kaplan-Meier estimate from the first dose; censored at transfer or the data's end.",
        },
        "continuity_180": {
            "title": "Continuity of pharmacotherapy for 180 days (NQF 3175 style)",
            "columns": ["group", "denominator", "numerator", "share"],
            "rows": [
                ["All patients", 128, 67, round(67 / 128, 4)],
                ["XR injection", 70, 45, round(45 / 70, 4)],
                ["Tablets", 46, 14, round(14 / 46, 4)],
                ["Implant", 12, 8, round(8 / 12, 4)],
            ],
            "note": "Index starts at least 180 days before the as-of day; gaps up to 7 days allowed.",
        },
        "continuity_by_cohort": {
            "title": "Continuity for 180 days by start cohort",
            "columns": ["cohort", "denominator", "numerator", "share"],
            "rows": [[c, n, k, round(k / n, 4) if c != "2026-Q2" else None] for c, n, k in cohorts],
            "note": "2026-Q2 starts have not reached day 180 yet.",
        },
        "pdc": {
            "title": "Proportion of days covered (PQA style)",
            "columns": ["group", "patients", "mean_pdc", "adherent", "share_adherent"],
            "rows": [
                ["All patients", 126, 0.74, 71, round(71 / 126, 4)],
                ["XR injection", 64, 0.86, 47, round(47 / 64, 4)],
                ["Tablets", 48, 0.55, 14, round(14 / 48, 4)],
                ["Implant", 14, 0.93, 10, round(10 / 14, 4)],
            ],
            "note": "Adherent: PDC at least 0.80.",
        },
        "abstinence_uds": {
            "title": "Urine screens negative for opioids",
            "columns": ["group", "screens", "negative", "share_negative", "share_missing_positive"],
            "rows": [
                ["All patients", 812, 671, round(671 / 812, 4), 0.71],
                ["XR injection", 430, 379, round(379 / 430, 4), 0.78],
                ["Tablets", 300, 224, round(224 / 300, 4), 0.6],
                ["Implant", 82, 68, round(68 / 82, 4), 0.75],
            ],
            "note": "Missing-equals-positive counts each expected but missing screen as positive.",
        },
        "first_use": {
            "title": "Time to first reported opioid use",
            "columns": ["group", "patients", "reported_use", "median_days"],
            "rows": [
                ["All patients", 126, 41, 118.0],
                ["XR injection", 64, 15, None],
                ["Tablets", 48, 23, 64.0],
                ["Implant", 14, 3, None],
            ],
            "note": "Median: none while fewer than half reported use.",
        },
        "use_in_coverage": {
            "title": "Opioid use reported in and out of coverage",
            "columns": ["coverage", "patient_days", "use_reports", "per_1000_patient_days"],
            "rows": [["covered", 18230, 22, 1.2], ["not covered", 3410, 37, 10.9]],
            "note": "",
        },
        "craving_by_day": {
            "title": "Craving by days since the last injection",
            "columns": ["day", "n", "mean", "lower", "upper"],
            "rows": craving,
            "note": "Craving 0-10 at clinic visits and portal check-ins; mean with 95% CI.",
        },
        "phq9_trajectory": {
            "title": "PHQ-9 from the start of treatment",
            "columns": ["week", "n", "mean", "lower", "upper"],
            "rows": phq9,
            "note": "",
        },
        "safety": {
            "title": "Safety",
            "columns": ["measure", "count", "denominator", "value", "per"],
            "rows": [
                ["Injection-site reactions", 19, 702, 2.7, "100 injections"],
                ["Overdoses", 2, 1480, 0.14, "100 patient-months"],
                ["Alerts", 96, 1480, 6.5, "100 patient-months"],
                ["Naloxone offered at injection", 611, 702, 87.0, "100 injections"],
            ],
            "note": "",
        },
        "by_group": {
            "title": "Measures by group",
            "columns": ["grouping", "group", "patients", "retained_day_90", "mean_pdc"],
            "rows": [
                ["indication", "OUD", 70, 0.7, 0.76],
                ["indication", "AUD", 38, 0.61, 0.7],
                ["sex", "female", 52, 0.66, 0.75],
                ["sex", "male", 74, 0.64, 0.73],
            ],
            "note": "Groups under 11 patients are suppressed.",
        },
    }


def results() -> dict[str, Any]:
    return {
        "as_of": AS_OF.isoformat(),
        "period": {"start": PERIOD[0].isoformat(), "end": PERIOD[1].isoformat()},
        "policy_version": "naltrack-default-2026.1",
        "measures": measures_part(),
        "km": km_part(),
    }


def store_run(*, computed_at: datetime, results_: dict[str, Any] | None = None) -> MeasureRun:
    return MeasureRun.objects.create(
        computed_at=computed_at,
        as_of=AS_OF,
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        engine="duckdb",
        policy_version="naltrack-default-2026.1",
        results=results() if results_ is None else results_,
        seconds=1.8,
        run_by="dana.director",
    )
