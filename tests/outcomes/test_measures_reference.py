"""The Ibis measures against the core's one-patient functions (`clinical.coverage`,
`clinical.outcomes.time_on_treatment`) on random dosing histories, on DuckDB."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from naltrack.clinical.coverage import (
    Administration,
    coverage,
    covered_segments,
    days_covered_by,
    retained,
)
from naltrack.clinical.outcomes import (
    CENSORING_END_KINDS,
    RETENTION_MILESTONES,
    time_on_treatment,
)
from naltrack.clinical.policy import DEFAULT_POLICY, Policy
from naltrack.clinical.vocab import Formulation
from naltrack.outcomes import measures as m
from naltrack.outcomes.facts import COVERAGE
from tests.outcomes.factdata import dose, episode, write

# Ibis 12 calls DuckDB's fetch_arrow_table, deprecated by DuckDB 2: not ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

PERIOD_START, PERIOD_END = date(2026, 1, 1), date(2026, 6, 30)
FORMS = {
    Formulation.ORAL: "oral",
    Formulation.XR_INJECTION: "xr_injection",
    Formulation.IMPLANT: "implant",
}


@dataclass
class History:
    key: str
    admins: list[Administration]
    end_date: date | None
    end_kind: str | None

    @property
    def first(self) -> date:
        return min(a.date for a in self.admins)


def run_facts(histories: list[History], folder: Path) -> Any:
    eps, doses = [], []
    for h in histories:
        eps.append(
            episode(h.key, h.first, end_date=h.end_date, end_kind=h.end_kind,
                    formulation=FORMS[h.admins[0].formulation])
        )  # fmt: skip
        for i, a in enumerate(sorted(h.admins, key=lambda a: a.date)):
            doses.append(
                dose(h.key, a.date, days_covered_by(a), i, formulation=FORMS[a.formulation])
            )
    write(folder, episodes=eps, doses=doses)
    con = m.duckdb_backend()
    m.load_facts(con, folder)
    return con


def context(con: Any, as_of: date, policy: Policy = DEFAULT_POLICY) -> m.Context:
    return m.Context(
        m.registered_facts(con), policy, m.day_number(PERIOD_START), m.day_number(PERIOD_END),
        m.day_number(as_of),
    )  # fmt: skip


def by_episode(con: Any, expr: Any) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in con.to_pyarrow(expr).to_pylist():
        out.setdefault(r["episode_key"], []).append(r)
    return out


def merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive effective intervals joined where no day lies between them."""
    out: list[tuple[int, int]] = []
    for s, e in sorted(intervals):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


admin_st = st.tuples(
    st.integers(0, 60),  # days after the previous dose
    st.sampled_from([Formulation.ORAL, Formulation.XR_INJECTION, Formulation.IMPLANT]),
    st.integers(0, 120),  # covered days (oral: 1-3, injection: 28 from the policy)
)


@st.composite
def history(draw: st.DrawFn, key: str) -> History:
    start = PERIOD_START + timedelta(days=draw(st.integers(-60, 200)))
    steps = draw(st.lists(admin_st, min_size=1, max_size=12))
    admins, day = [], start
    for i, (step, form, covered) in enumerate(steps):
        day = day + timedelta(days=step if i else 0)
        if form is Formulation.XR_INJECTION:
            admins.append(Administration(day, form))
        elif form is Formulation.ORAL:
            admins.append(Administration(day, form, dose_mg=50.0 * (1 + covered % 3)))
        else:
            admins.append(Administration(day, form, covered_days=covered))
    kind = draw(st.sampled_from([None, "completed", *CENSORING_END_KINDS]))
    end = None if kind is None else start + timedelta(days=draw(st.integers(0, 400)))
    return History(key, admins, end, kind)


@st.composite
def cohort(draw: st.DrawFn) -> list[History]:
    n = draw(st.integers(1, 5))
    return [draw(history(f"e{i}")) for i in range(n)]


@settings(max_examples=50, deadline=None)
@given(cohort(), st.integers(0, 500))
def test_ibis_coverage_continuity_pdc_and_time_on_treatment_equal_the_core(
    histories: list[History], as_of_offset: int
) -> None:
    as_of = PERIOD_START + timedelta(days=as_of_offset)
    with tempfile.TemporaryDirectory(prefix="facts-") as tmp:
        folder = Path(tmp)
        check_against_the_core(run_facts(histories, folder), histories, as_of)
        # Again with the covered runs the extract derives from every dose, later ones included:
        # as known on as_of (cut at the day after it) they give the same answers on every day a
        # measure counts.
        derive_coverage(folder)
        con = m.duckdb_backend()
        assert m.load_facts(con, folder).coverage is not None
        check_against_the_core(con, histories, as_of, derived=True)


def derive_coverage(folder: Path) -> None:
    (folder / "coverage").mkdir()
    table = m.coverage_of(sorted((folder / "doses").glob("*.parquet")))
    pq.write_table(table, folder / "coverage" / "part-1.parquet")


def test_the_extract_s_covered_runs_are_read_as_known_on_as_of(tmp_path: Path) -> None:
    first, last = PERIOD_START, PERIOD_START + timedelta(days=28)
    h = History("e1", [Administration(first, Formulation.XR_INJECTION),
                       Administration(last, Formulation.XR_INJECTION)], None, None)  # fmt: skip
    run_facts([h], tmp_path)
    (tmp_path / "coverage").mkdir()
    planted = pa.table(  # not what the doses give: shows which source was read
        {"episode_key": ["e1", "e1"], "covered_from": [first, first + timedelta(10)],
         "covered_until": [first + timedelta(3), first + timedelta(40)]},
        schema=COVERAGE,
    )  # fmt: skip
    pq.write_table(planted, tmp_path / "coverage" / "part-1.parquet")
    con = m.duckdb_backend()
    m.load_facts(con, tmp_path)

    def runs(as_of: date) -> list[tuple[int, int]]:
        ivs = by_episode(con, m.intervals(context(con, as_of)).join(
            m.episode_numbers(context(con, as_of)), "ek"))  # fmt: skip
        return sorted((r["iv_start"], r["iv_end"]) for r in ivs.get("e1", []))

    f = m.day_number(first)
    assert runs(first + timedelta(60)) == [(f, f + 3), (f + 10, f + 40)]  # the extract's runs
    assert runs(first + timedelta(20)) == [(f, f + 3), (f + 10, f + 21)]  # cut after as_of
    assert runs(first + timedelta(5)) == [(f, f + 3)]  # a run starting later is not yet known
    m.load_facts(con, tmp_path / "nothing-derived")
    assert m.registered_facts(con).coverage is None  # a folder without them drops the old view


def check_against_the_core(
    con: Any, histories: list[History], as_of: date, *, derived: bool = False
) -> None:
    """`derived`: the runs are the extract's, known as of as_of: compared with the core's cut
    at the day after as_of, and continuity only for windows that have passed (the counted
    ones)."""
    ctx = context(con, as_of)
    policy = DEFAULT_POLICY
    ivs = by_episode(con, m.intervals(ctx).join(m.episode_numbers(ctx), "ek"))
    cont = by_episode(con, m.continuity_expr(ctx, RETENTION_MILESTONES))
    pdc = by_episode(con, m.pdc_expr(ctx))
    tot = by_episode(con, m.time_on_treatment_expr(ctx))
    for h in histories:
        seen = [a for a in h.admins if a.date <= as_of]
        # Coverage intervals: the core's carry-forward segments.
        core = [(s.toordinal(), e.toordinal()) for s, e in covered_segments(seen, policy)]
        if derived:
            cut = as_of.toordinal() + 1
            core = [(s, min(e, cut)) for s, e in core if s < cut]
        shift = date(1970, 1, 1).toordinal()
        mine = merged([(r["iv_start"] + shift, r["iv_end"] + shift) for r in ivs.get(h.key, [])])
        assert mine == merged(core), h
        dosed = h.first <= as_of
        in_cohort = dosed and PERIOD_START <= h.first <= PERIOD_END
        # Continuity at each milestone: coverage.retained.
        got = {r["wid"]: r["continuous"] for r in cont.get(h.key, [])}
        expected = {d: retained(seen, h.first, d, policy) for d in RETENTION_MILESTONES}
        if derived:  # only the windows that have passed are counted
            passed = {d for d in RETENTION_MILESTONES if h.first + timedelta(days=d) <= as_of}
            got = {d: v for d, v in got.items() if d in passed}
            expected = {d: v for d, v in expected.items() if d in passed}
        assert got == (expected if in_cohort else {}), h
        # PDC over the episode's measurement window: coverage.coverage.
        end = min(PERIOD_END, as_of, h.end_date or PERIOD_END)
        start = max(h.first, PERIOD_START)
        if dosed and start <= end:
            report = coverage(seen, start, end, policy)
            (row,) = pdc[h.key]
            assert (row["covered"], row["days"]) == (report.days_covered, report.days_in_period)
            assert row["pdc"] == report.days_covered / report.days_in_period
        else:
            assert h.key not in pdc
        # Time on treatment: clinical.outcomes.time_on_treatment.
        censor = h.end_date if h.end_kind in CENSORING_END_KINDS else None
        followed = min(as_of, censor or as_of)
        if in_cohort and followed >= h.first:
            (row,) = tot[h.key]
            days, stopped = time_on_treatment(seen, h.first, as_of, policy, censored_on=censor)
            assert (row["days"], row["event"]) == (days, stopped), h
        else:
            assert h.key not in tot
