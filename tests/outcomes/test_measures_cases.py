"""Hand-worked cases of the measures (PQA PDC, NQF 3175-style continuity, the others) on DuckDB,
and PDC against a straightforward day-by-day implementation written here."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.clinical.coverage import Administration, retained
from naltrack.clinical.outcomes import CONTINUITY_DAYS, age_band
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation
from naltrack.outcomes import measures as m
from tests.outcomes.factdata import dose, episode, write

# Ibis 12 calls DuckDB's fetch_arrow_table, deprecated by DuckDB 2: not ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")


def compute(folder: Path, start: date, end: date, as_of: date) -> dict[str, Any]:
    con = m.duckdb_backend()
    m.load_facts(con, folder)
    return m.compute_all(
        con, policy=DEFAULT_POLICY, period_start=start, period_end=end, as_of=as_of
    )


def measure(folder: Path, name: str, start: date, end: date, as_of: date) -> list[list[Any]]:
    """One measure's rows (compute_all runs them all; these tests read one each)."""
    con = m.duckdb_backend()
    m.load_facts(con, folder)
    ctx = m.Context(m.registered_facts(con), DEFAULT_POLICY, m.day_number(start),
                    m.day_number(end), m.day_number(as_of), m.TableCache(con))  # fmt: skip
    try:
        return m.MEASURES[name](con, ctx).rows
    finally:
        ctx.release()


def fills(key: str, *given: tuple[date, int]) -> list[dict[str, Any]]:
    return [dose(key, d, n, i, formulation="oral") for i, (d, n) in enumerate(given)]


def day_by_day_pdc(given: list[tuple[date, int]], start: date, end: date) -> float:
    """PQA PDC the plain way: a set of covered days, each fill starting the day after the supply
    on hand runs out (carry-forward), counted inside [start, end]."""
    covered: set[date] = set()
    on_hand_until = date.min
    for day, supply in sorted(given):
        first = max(day, on_hand_until)
        for i in range(supply):
            covered.add(first + timedelta(days=i))
        on_hand_until = first + timedelta(days=supply)
    window = {start + timedelta(days=i) for i in range((end - start).days + 1)}
    return len(covered & window) / len(window)


JAN1 = date(2026, 1, 1)
PDC_CASES = {
    # first fill mid-window: the window starts at the first fill (Jul 1 - Dec 31, 184 days)
    "first fill mid-window": (
        [(date(2026, 7, 1) + timedelta(days=30 * i), 30) for i in range(6)],
        JAN1, date(2026, 12, 31), 180 / 184,
    ),
    # a refill 11 days early: its supply starts when the first runs out (Jan 31 - Mar 1)
    "overlap carried forward": ([(JAN1, 30), (date(2026, 1, 20), 30)], JAN1, date(2026, 3, 31), 60 / 90),
    # two fills then none: 60 covered days of the 181 of the half year
    "discontinuation": ([(JAN1, 30), (date(2026, 1, 31), 30)], JAN1, date(2026, 6, 30), 60 / 181),
    # Feb 2028 has 29 days: Feb 1 + 30 days covers through Mar 1; Mar 15 - 31 is 17 more
    "over Feb 29": (
        [(date(2028, 2, 1), 30), (date(2028, 3, 15), 30)], date(2028, 2, 1), date(2028, 3, 31),
        47 / 60,
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", list(PDC_CASES))
def test_pdc_hand_worked_pqa_cases(case: str, tmp_path: Path) -> None:
    given, start, end, expected = PDC_CASES[case]
    write(tmp_path, episodes=[episode("a", given[0][0])], doses=fills("a", *given))
    rows = measure(tmp_path, "pdc", start, end, end + timedelta(days=30))
    threshold = DEFAULT_POLICY.pdc_adherent_min
    assert rows == [[1, pytest.approx(expected, abs=1e-12), int(expected >= threshold),
                     float(expected >= threshold)]]  # fmt: skip
    assert day_by_day_pdc(given, max(start, given[0][0]), end) == pytest.approx(expected)


def test_zero_fills_are_not_in_the_pdc_denominator(tmp_path: Path) -> None:
    write(tmp_path, episodes=[episode("never", None, formulation=None)])
    rows = measure(tmp_path, "pdc", JAN1, date(2026, 6, 30), date(2026, 7, 1))
    assert rows == [[0, None, 0, None]]


def test_pdc_agrees_with_a_day_by_day_count_on_many_histories(tmp_path: Path) -> None:
    # A fixed family of histories: fills every `step` days of `supply` days, some stopping early.
    histories: dict[str, list[tuple[date, int]]] = {}
    for step in (5, 20, 28, 31, 45):
        for supply in (7, 28, 30):
            for count in (1, 4, 9):
                start = JAN1 + timedelta(days=step * 3 - 40)
                histories[f"s{step}-{supply}-{count}"] = [
                    (start + timedelta(days=step * i), supply) for i in range(count)
                ]
    write(
        tmp_path,
        episodes=[episode(k, g[0][0]) for k, g in histories.items()],
        doses=[d for k, g in histories.items() for d in fills(k, *g)],
    )
    con = m.duckdb_backend()
    m.load_facts(con, tmp_path)
    end = date(2026, 6, 30)
    ctx = m.Context(m.registered_facts(con), DEFAULT_POLICY, m.day_number(JAN1),
                    m.day_number(end), m.day_number(end))  # fmt: skip
    got = {r["episode_key"]: r["pdc"] for r in con.to_pyarrow(m.pdc_expr(ctx)).to_pylist()}
    assert got == {
        k: pytest.approx(day_by_day_pdc(g, max(JAN1, g[0][0]), end), abs=1e-12)
        for k, g in histories.items()
    }


# Continuity: one supply of n days from the index (a 180-day window, gaps of 7 allowed).
@pytest.mark.parametrize(
    ("covered", "continuous"),
    [(172, False), (173, True), (174, True), (180, True), (181, True)],
)
def test_continuity_by_days_covered_from_the_index(
    covered: int, continuous: bool, tmp_path: Path
) -> None:
    write(tmp_path, episodes=[episode("a", JAN1)], doses=fills("a", (JAN1, covered)))
    as_of = JAN1 + timedelta(days=CONTINUITY_DAYS)
    rows = measure(tmp_path, "continuity_180", JAN1, JAN1, as_of)
    assert rows == [[1, 0, 0, 1, int(continuous), float(continuous)]]
    admin = Administration(JAN1, Formulation.ORAL, covered_days=covered)
    assert retained([admin], JAN1, CONTINUITY_DAYS, DEFAULT_POLICY) is continuous


@pytest.mark.parametrize(("gap", "continuous"), [(7, True), (8, False)])
def test_continuity_with_a_gap_inside_the_window(
    gap: int, continuous: bool, tmp_path: Path
) -> None:
    second = JAN1 + timedelta(days=90 + gap)
    write(tmp_path, episodes=[episode("a", JAN1)], doses=fills("a", (JAN1, 90), (second, 120)))
    as_of = JAN1 + timedelta(days=CONTINUITY_DAYS)
    rows = measure(tmp_path, "continuity_180", JAN1, JAN1, as_of)
    assert rows[0][3:] == [1, int(continuous), float(continuous)]


def test_continuity_denominator_waits_for_the_window_and_drops_transfers(tmp_path: Path) -> None:
    write(
        tmp_path,
        episodes=[
            episode("due", JAN1),
            # the window has not passed by as_of
            episode("recent", JAN1 + timedelta(days=10)),
            # transferred on day 100: out of the denominator
            episode("moved", JAN1, end_date=JAN1 + timedelta(days=100), end_kind="transferred"),
            # completed on day 100: still counted (not continuous)
            episode("done", JAN1, end_date=JAN1 + timedelta(days=100), end_kind="completed"),
        ],
        doses=fills("due", (JAN1, 200)) + fills("recent", (JAN1 + timedelta(days=10), 200))
        + fills("moved", (JAN1, 100)) + fills("done", (JAN1, 100)),
    )  # fmt: skip
    as_of = JAN1 + timedelta(days=CONTINUITY_DAYS)
    rows = measure(tmp_path, "continuity_180", JAN1, date(2026, 1, 31), as_of)
    assert rows == [[4, 1, 1, 2, 1, 0.5]]


def test_empty_fact_directories_give_empty_measures(tmp_path: Path) -> None:
    out = compute(tmp_path, JAN1, date(2026, 6, 30), date(2026, 7, 1))
    assert out["measures"]["continuity_180"]["rows"] == [[0, 0, 0, 0, 0, None]]
    assert out["measures"]["craving_by_day"]["rows"] == []
    assert out["period"] == {"start": "2026-01-01", "end": "2026-06-30"}
    # the policy's numbers the run was computed under, kept with it (the page draws them)
    assert out["terms"]["injection_due_day"] == DEFAULT_POLICY.injection_interval_days
    assert out["terms"]["gap_days"] == DEFAULT_POLICY.continuity_gap_allowed_days


def test_missing_urine_screens_count_as_positive_weeks(tmp_path: Path) -> None:
    # First dose Jan 1, follow-up to Jan 28 (as_of): four weeks expected. Week 0 negative,
    # week 1 positive, week 2 a negative and a positive (positive), week 3 no screen.
    def screen(key: str, day: int, positive: bool) -> dict[str, Any]:
        return {"obs_key": key, "patient_key": "p-a", "episode_key": "a", "kind": "urine_screen",
                "day": JAN1 + timedelta(days=day), "opioid_positive": positive}  # fmt: skip

    obs = [screen("s1", 2, False), screen("s2", 9, True), screen("s3", 15, False),
           screen("s4", 16, True)]  # fmt: skip
    write(tmp_path, episodes=[episode("a", JAN1)], doses=fills("a", (JAN1, 28)), observations=obs)
    rows = measure(tmp_path, "abstinence_uds", JAN1, date(2026, 6, 30), JAN1 + timedelta(days=27))
    assert rows[0] == ["opioid: screens negative", 4, 2, 0.5]
    assert rows[1] == ["opioid: weeks negative, missing = positive", 4, 1, 0.25]


def test_craving_by_days_since_the_last_injection(tmp_path: Path) -> None:
    def craving(key: str, day: int, value: float) -> dict[str, Any]:
        return {"obs_key": key, "patient_key": "p-a", "episode_key": "a", "kind": "craving",
                "day": JAN1 + timedelta(days=day), "value": value}  # fmt: skip

    # Injections on days 0 and 28: ratings on day 3 and day 31 are both "day 3".
    obs = [craving("c1", 3, 2.0), craving("c2", 31, 4.0), craving("c3", 27, 7.0)]
    write(tmp_path, episodes=[episode("a", JAN1)], doses=[
        dose("a", JAN1, 28, 0), dose("a", JAN1 + timedelta(days=28), 28, 1)], observations=obs)  # fmt: skip
    rows = measure(tmp_path, "craving_by_day", JAN1, date(2026, 6, 30), date(2026, 7, 1))
    half = 1.959963984540054 * (2**0.5 / 2**0.5)  # s = sqrt(2), n = 2: z * s / sqrt(n)
    assert rows[0][:3] == [3, 2, 3.0]
    assert rows[0][3] == pytest.approx(3.0 - half) and rows[0][4] == pytest.approx(3.0 + half)
    assert rows[1] == [27, 1, 7.0, None, None]


def test_the_ibis_age_bands_are_the_core_s(tmp_path: Path) -> None:
    ages = [*range(0, 101), None]
    write(tmp_path, episodes=[episode(f"a{a}", JAN1, age_at_start=a) for a in ages])
    con = m.duckdb_backend()
    facts = m.load_facts(con, tmp_path)
    e = facts.episodes
    rows = con.to_pyarrow(e.select("age_at_start", band=m._dimensions(e)["age_band"])).to_pylist()
    got = {r["age_at_start"]: r["band"] for r in rows}
    assert got == {a: "unknown" if a is None else age_band(a) for a in ages}
