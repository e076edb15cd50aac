"""`make bench`: speed of the clinical core, printed with the machine it ran on.

Targets (issue 2): at least 10,000 screening evaluations per second on one core; PDC and gaps for a
synthetic cohort of 100,000 patients x 1 year of doses in under 5 seconds. Synthetic data only,
generated from a fixed seed so that runs are comparable.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import sys
import time
from datetime import date

from naltrack.clinical.coverage import Administration, clip, coverage, merge_supply
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.screening import screen
from naltrack.clinical.screening_facts import ScreeningFacts, parse_screening_facts
from naltrack.clinical.vocab import Formulation

YEAR_START = date(2026, 1, 1)
YEAR_END = date(2026, 12, 31)


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()} ({sys.implementation.name}); {platform.system()} {platform.release()}"


def screening_cases() -> list[ScreeningFacts]:
    base = {
        "as_of": "2026-11-21",
        "formulation": "xr_injection",
        "age_years": 34,
        "sex_at_birth": "female",
    }
    docs = [
        {**base, "indications": ["OUD"], "last_opioid_use": {"date": "2026-11-17", "kind": "fentanyl"}},
        {**base, "indications": ["OUD", "AUD"], "pregnant": False, "bmi": 31.0,
         "last_opioid_use": {"date": "2026-10-01", "kind": "short_acting"},
         "urine_drug_screen": {"date": "2026-11-20", "opioids": "negative", "fentanyl": "negative"},
         "liver": {"alt": 40, "ast": 35, "alt_uln": 40, "ast_uln": 40, "date": "2026-11-01"},
         "phq9": {"total": 6, "item9": 0}, "medications": ["sertraline", "Suboxone", "guaifenesin with codeine", "kava"]},
        {**base, "indications": ["AUD"], "formulation": "oral", "last_alcohol_use": "2026-11-20",
         "ciwa_ar_score": 4, "medications": ["Antabuse", "gabapentin 300 mg", "Zorblaxin"], "allergies": ["penicillin"]},
        {**base, "indications": ["OUD"], "last_opioid_use": {"date": "2026-11-09", "kind": "methadone"},
         "urine_drug_screen": {"date": "2026-11-21", "methadone": "positive"}, "cows_score": 6,
         "planned_surgery_date": "2026-12-01", "medications": [{"name": "x", "rxnorm": "7804"}]},
    ]  # fmt: skip
    return [parse_screening_facts(d) for d in docs]


def bench_screening(seconds: float = 3.0) -> float:
    cases = screening_cases()
    for facts in cases:  # warm the knowledge tables
        screen(facts)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for facts in cases:
            screen(facts)
        count += len(cases)
    return count / (time.perf_counter() - start)


def synthetic_cohort(patients: int, seed: int = 2026) -> list[tuple[list[int], list[int]]]:
    """Per patient: sorted dose days (ordinals) and the days each dose covers.

    A clinic-like mix: 45% monthly injections (some late), 45% daily oral with missed days and
    gaps, 10% implants. Spans follow the policy: oral 1 day per 50 mg, injection 28, implant 90.
    """
    rng = random.Random(seed)
    first, last = YEAR_START.toordinal(), YEAR_END.toordinal()
    p = DEFAULT_POLICY
    cohort: list[tuple[list[int], list[int]]] = []
    for _ in range(patients):
        kind = rng.random()
        day = first - rng.randrange(0, 30)
        days: list[int] = []
        spans: list[int] = []
        if kind < 0.45:
            while day <= last:
                days.append(day)
                spans.append(p.injection_covered_days)
                day += rng.choice((21, 26, 28, 28, 28, 30, 35, 45))
        elif kind < 0.90:
            adherence = rng.uniform(0.5, 0.99)
            while day <= last:
                if rng.random() < adherence:
                    days.append(day)
                    spans.append(1)
                day += 1 if rng.random() > 0.01 else rng.randrange(5, 30)
        else:
            while day <= last:
                days.append(day)
                spans.append(p.implant_coverage_days)
                day += rng.choice((76, 90, 120))
        cohort.append((days, spans))
    return cohort


def bench_cohort(patients: int) -> tuple[int, float, float, int]:
    cohort = synthetic_cohort(patients)
    doses = sum(len(d) for d, _ in cohort)
    first, last = YEAR_START.toordinal(), YEAR_END.toordinal()
    period = last - first + 1
    start = time.perf_counter()
    adherent = 0
    for days, spans in cohort:
        covered, _gaps = clip(merge_supply(days, spans), first, last)
        if covered / period >= DEFAULT_POLICY.pdc_adherent_min:
            adherent += 1
    elapsed = time.perf_counter() - start
    return doses, elapsed, adherent / patients, patients


def bench_coverage_api(patients: int) -> tuple[int, float]:
    """The same work through the public per-patient API (dates and dataclasses), for comparison."""
    kinds = {28: Formulation.XR_INJECTION, 90: Formulation.IMPLANT, 1: Formulation.ORAL}
    cohort = [
        [
            Administration(date.fromordinal(d), kinds[s], 50.0)
            for d, s in zip(days, spans, strict=True)
        ]
        for days, spans in synthetic_cohort(patients, seed=7)
    ]
    doses = sum(len(c) for c in cohort)
    start = time.perf_counter()
    for admins in cohort:
        coverage(admins, YEAR_START, YEAR_END)
    return doses, time.perf_counter() - start


def main() -> None:
    print(f"machine: {machine()}")
    rate = bench_screening()
    print(f"screening: {rate:,.0f} evaluations/s on one core (target >= 10,000)")
    patients = int(os.environ.get("NALTRACK_BENCH_PATIENTS", "100000"))
    doses, elapsed, share, n = bench_cohort(patients)
    print(
        f"coverage: PDC and gaps for {n:,} patients x 1 year ({doses:,} administrations) in "
        f"{elapsed:.2f} s (target < 5 s); {share:.1%} adherent (PDC >= 0.80)"
    )
    api_patients = max(1, patients // 10)
    api_doses, api_elapsed = bench_coverage_api(api_patients)
    print(
        f"coverage via the per-patient coverage() API: {api_patients:,} patients "
        f"({api_doses:,} administrations) in {api_elapsed:.2f} s "
        f"({api_doses / api_elapsed:,.0f} administrations/s)"
    )
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak_mib:,.0f} MiB")


if __name__ == "__main__":
    main()
