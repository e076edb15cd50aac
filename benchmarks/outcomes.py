"""`make bench`: the outcome measures at program scale (issue 14).

Generates a synthetic program (default 100,000 patients over two years: tablets daily, injections
monthly, some implants; about 10M dose rows) as Parquet in the facts' schema
(`naltrack.outcomes.facts`), with vectorised numpy from a fixed seed, then times each way of
computing the same proportion of days covered, each in a subprocess of its own so that its peak
memory is its own (`ru_maxrss` of that process: tracemalloc does not see native allocations):

- pandas: a plain implementation, the obvious way (groupby-apply, a Python loop per episode);
- numpy: a vectorised scan of the same rows (carry-forward by a cumulative maximum);
- measures: `naltrack.outcomes.measures.compute_all` on DuckDB (every measure), when importable.

pandas and numpy must agree on every episode's PDC (printed, and the run fails when they do not).

    python benchmarks/outcomes.py [--patients N] [--dir DIR] [--keep]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.outcomes.facts import TABLES

PERIOD_START = date(2024, 1, 1)
PERIOD_END = date(2025, 12, 31)
AS_OF = PERIOD_END
EPOCH = date(1970, 1, 1)
SEED = 20261128


def _day(d: date) -> int:
    return (d - EPOCH).days


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


# ---------------------------------------------------------------- generation


def _keys(prefix: str, n: int) -> pa.Array:
    """n distinct string keys, built by Arrow (no Python string per row)."""
    numbers = pa.array(np.arange(n, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(prefix, numbers, "")


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For groups of the given sizes: each row's group and its position inside the group."""
    group = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    return group, np.arange(int(counts.sum())) - first[group]


def generate(directory: Path, patients: int) -> dict[str, int]:
    """The synthetic program's facts under `directory` (one part per table). Returns row counts."""
    p = DEFAULT_POLICY
    rng = np.random.default_rng(SEED)
    n = patients
    start0, end0 = _day(PERIOD_START), _day(PERIOD_END)
    span = end0 - start0 + 1
    start = start0 + rng.integers(0, span - 30, n)  # episode starts over the two years
    first = start + rng.integers(0, 8, n)  # first dose within a week
    kind = rng.choice(3, size=n, p=[0.55, 0.38, 0.07])  # oral, injection, implant
    # days on treatment: exponential around 9 months, cut at the data's end
    planned = np.maximum(1, rng.exponential(270, n).astype(np.int64))
    last = np.minimum(first + planned, end0)
    stopped = first + planned <= end0
    end_kind = rng.choice(np.array(["lost_to_follow_up", "completed", "transferred"]), n)
    end_kind = end_kind.astype(object)
    end_kind[~stopped] = None
    formulation = np.array(["oral", "xr_injection", "implant"], dtype=object)[kind]
    ages = np.clip(rng.normal(38, 11, n).astype(np.int64), 18, 95)

    pkeys = _keys("p", n)
    ekeys = _keys("e", n)
    # an episode ends some weeks after the last dose when it stopped; open otherwise
    ep_end = np.where(stopped, np.minimum(last + 30, end0), -1)
    episodes = pa.table(
        {
            "episode_key": ekeys,
            "patient_key": pkeys,
            "clinic": pa.array(np.array(["clinic-a", "clinic-b"], dtype=object)[rng.integers(0, 2, n)]),
            "start_date": pa.array(start.astype(np.int32)).cast(pa.date32()),
            "first_dose": pa.array(first.astype(np.int32)).cast(pa.date32()),
            "end_date": pa.array(ep_end.astype(np.int32), mask=ep_end < 0).cast(pa.date32()),
            "end_kind": pa.array(end_kind, type=pa.string()),
            "treats_oud": pa.array(rng.random(n) < 0.8),
            "treats_aud": pa.array(rng.random(n) < 0.35),
            "sex": pa.array(np.array(["female", "male"], dtype=object)[rng.integers(0, 2, n)]),
            "age_at_start": pa.array(ages.astype(np.int16)),
            "referral_source": pa.array(np.array(["self", "hospital", "court", ""], dtype=object)[rng.integers(0, 4, n)]),
            "formulation": pa.array(formulation, type=pa.string()),
        },
        schema=TABLES["episodes"],
    )  # fmt: skip

    # Doses. Oral: one 50 mg tablet a day, about 1 day in 12 missed. Injection: every
    # injection_covered_days, sometimes a few days late. Implant: every implant_coverage_days.
    length = last - first + 1
    every = np.select(
        [kind == 0, kind == 1], [1, p.injection_covered_days], p.implant_coverage_days
    )
    counts = np.maximum(1, length // every + (kind != 0)).astype(np.int64)
    ep, k = _expand(counts)
    kd = kind[ep]
    late = np.where(kd == 1, rng.integers(-2, 12, len(ep)) * (rng.random(len(ep)) < 0.3), 0)
    late[k == 0] = 0
    # lateness carries: each injection is due a fixed interval after the one before
    late = np.cumsum(late) - (np.cumsum(late) - late)[np.searchsorted(ep, ep, side="left")]
    day = first[ep] + k * every[ep] + late
    keep = (day <= end0) & ((kd != 0) | (k == 0) | (rng.random(len(ep)) >= 1 / 12))
    ep, k, kd, day = ep[keep], k[keep], kd[keep], day[keep]
    covered = np.select(
        [kd == 0, kd == 1], [1, p.injection_covered_days], p.implant_coverage_days
    ).astype(np.int32)
    mg = np.select([kd == 0, kd == 1], [50.0, 380.0], 1700.0)
    m = len(ep)
    idx = pa.array(ep)
    doses = pa.table(
        {
            "dose_key": _keys("d", m),
            "episode_key": ekeys.take(idx),
            "patient_key": pkeys.take(idx),
            "day": pa.array(day.astype(np.int32)).cast(pa.date32()),
            "formulation": pa.array(formulation[ep], type=pa.string()),
            "dose_mg": pa.array(mg),
            "covered_days": pa.array(covered),
            "observed": pa.array(kd != 0),
            "first_dose": pa.array(k == 0),
            "naloxone_discussed": pa.array((kd == 1) & (rng.random(m) < 0.9)),
            "opioid_use_reported": pa.array(rng.random(m) < 0.01),
        },
        schema=TABLES["doses"],
    )

    # Observations: a urine screen about every four weeks, a craving score about every two weeks
    # (injections: scattered through the interval), a PHQ-9 every three months.
    obs_parts = []
    for obs_kind, gap in (("urine_screen", 28), ("craving", 14), ("phq9", 91)):
        c = np.maximum(1, length // gap).astype(np.int64)
        oe, ok = _expand(c)
        oday = first[oe] + ok * gap + rng.integers(0, gap, len(oe))
        keep_o = oday <= last[oe]
        oe, oday = oe[keep_o], oday[keep_o]
        q = len(oe)
        urine = obs_kind == "urine_screen"
        positive = rng.random(q) < 0.15
        obs_parts.append(
            pa.table(
                {
                    "obs_key": _keys(f"o{obs_kind[0]}", q),
                    "patient_key": pkeys.take(pa.array(oe)),
                    "episode_key": ekeys.take(pa.array(oe)),
                    "day": pa.array(oday.astype(np.int32)).cast(pa.date32()),
                    "kind": pa.array(np.full(q, obs_kind, dtype=object), type=pa.string()),
                    "value": pa.array(None if urine else rng.integers(0, 11 if obs_kind == "craving" else 28, q).astype(np.float64), type=pa.float64()) if not urine else pa.nulls(q, pa.float64()),
                    "band": pa.nulls(q, pa.string()),
                    "opioid_positive": pa.array(positive) if urine else pa.nulls(q, pa.bool_()),
                    "alcohol_positive": pa.array(rng.random(q) < 0.1) if urine else pa.nulls(q, pa.bool_()),
                    "source": pa.array(np.full(q, "clinic", dtype=object), type=pa.string()),
                },
                schema=TABLES["observations"],
            )
        )  # fmt: skip
    observations = pa.concat_tables(obs_parts)

    # Events: an injection-site reaction after about 4% of injections.
    inj = np.flatnonzero((kd == 1) & (rng.random(m) < 0.04))
    e = len(inj)
    events = pa.table(
        {
            "event_key": _keys("v", e),
            "patient_key": pkeys.take(pa.array(ep[inj])),
            "episode_key": ekeys.take(pa.array(ep[inj])),
            "day": pa.array((day[inj] + 1).astype(np.int32)).cast(pa.date32()),
            "kind": pa.array(np.full(e, "side_effect", dtype=object), type=pa.string()),
            "code": pa.array(np.full(e, "injection_site", dtype=object), type=pa.string()),
            "severity": pa.array(np.full(e, "mild", dtype=object), type=pa.string()),
            "dose_key": doses["dose_key"].take(pa.array(inj)),
        },
        schema=TABLES["events"],
    )

    out = {}
    for name, table in (
        ("episodes", episodes),
        ("doses", doses),
        ("observations", observations),
        ("events", events),
    ):
        (directory / name).mkdir(parents=True, exist_ok=True)
        pq.write_table(table, directory / name / "part-bench.parquet")
        out[name] = table.num_rows
    return out


# ---------------------------------------------------------------- the steps (one process each)


def _window(first: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each episode's PDC window [w0, w1], both days included (NaN-free int days)."""
    w0 = np.maximum(first, _day(PERIOD_START))
    w1 = np.minimum(np.where(end < 0, _day(PERIOD_END), end), _day(PERIOD_END))
    return w0, w1


def _read(directory: Path) -> tuple[pa.Table, pa.Table]:
    ep = pq.read_table(directory / "episodes", columns=["episode_key", "first_dose", "end_date"])
    doses = pq.read_table(directory / "doses", columns=["episode_key", "day", "covered_days"])
    return ep, doses


def step_pandas(directory: Path) -> dict[str, Any]:
    """The obvious pandas way: sort, group by episode, and walk each episode's doses in Python,
    carrying overlapping supply forward, counting the covered days inside the window."""
    import pandas as pd

    t0 = time.perf_counter()
    episodes = pd.read_parquet(
        directory / "episodes", columns=["episode_key", "first_dose", "end_date"]
    )
    doses = pd.read_parquet(directory / "doses", columns=["episode_key", "day", "covered_days"])
    t1 = time.perf_counter()
    # dates as whole days since 1970 (pandas reads a Parquet date as a Python date object)
    for frame, col in ((episodes, "first_dose"), (episodes, "end_date"), (doses, "day")):
        frame[col] = pd.to_datetime(frame[col]).to_numpy().astype("datetime64[D]").astype(np.int64)
    na = np.datetime64("NaT").astype("datetime64[D]").astype(np.int64)
    period_start, period_end = _day(PERIOD_START), _day(PERIOD_END)
    merged = doses.merge(episodes, on="episode_key").sort_values(["episode_key", "day"])

    def pdc(group: pd.DataFrame) -> float:
        first = int(group["first_dose"].iloc[0])
        end = int(group["end_date"].iloc[0])
        w0 = max(first, period_start)
        w1 = period_end if end == na else min(end, period_end)
        if w1 < w0:
            return float("nan")
        covered = 0
        seg_end: int | None = None
        for day, span in zip(group["day"].tolist(), group["covered_days"].tolist(), strict=True):
            begin = day if seg_end is None or day > seg_end else seg_end
            seg_end = begin + span
            lo, hi = max(begin, w0), min(seg_end, w1 + 1)
            if hi > lo:
                covered += hi - lo
        return covered / (w1 - w0 + 1)

    result = merged.groupby("episode_key", sort=True).apply(pdc, include_groups=False)
    t2 = time.perf_counter()
    return {"keys": result.index.to_numpy(dtype=object), "pdc": result.to_numpy(dtype=np.float64),
            "read": t1 - t0, "compute": t2 - t1}  # fmt: skip


def step_numpy(directory: Path) -> dict[str, Any]:
    """The vectorised scan: rows sorted by (episode, day); per episode, with D the running sum of
    the covered days, the supply of dose i ends at E_i = D_i + max_{j<=i}(S_j - D_{j-1})
    (carry-forward: E_i = max(E_{i-1}, S_i) + d_i unrolled), so dose i covers [E_i - d_i, E_i),
    intervals that never overlap; the days covered are their overlaps with the window."""
    t0 = time.perf_counter()
    ep, doses = _read(directory)
    t1 = time.perf_counter()
    ep_keys = ep["episode_key"].combine_chunks()
    order_ep = np.argsort(np.asarray(ep_keys.to_numpy(zero_copy_only=False)))
    idx = pc.index_in(doses["episode_key"], value_set=ep_keys).to_numpy()
    s = doses["day"].cast(pa.int32()).to_numpy().astype(np.int64)
    d = doses["covered_days"].to_numpy().astype(np.int64)
    order = np.argsort((idx.astype(np.int64) << 32) | (s - s.min()), kind="stable")
    idx, s, d = idx[order], s[order], d[order]
    csum = np.cumsum(d)
    starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
    base = np.repeat(csum[starts] - d[starts], np.diff(np.r_[starts, len(idx)]))
    big = np.int64(1) << 40
    dsum = csum - base  # D_i within the episode
    lift = idx.astype(np.int64) * big
    e = dsum + (np.maximum.accumulate(s - (dsum - d) + lift) - lift)
    first = ep["first_dose"].cast(pa.int32()).to_numpy(zero_copy_only=False)
    end = ep["end_date"].cast(pa.int32()).fill_null(-1).to_numpy()
    w0, w1 = _window(np.asarray(first, dtype=np.int64), np.asarray(end, dtype=np.int64))
    lo = np.maximum(e - d, w0[idx])
    hi = np.minimum(e, w1[idx] + 1)
    covered = np.bincount(idx, weights=np.maximum(hi - lo, 0), minlength=len(ep_keys))
    days = (w1 - w0 + 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        pdc = np.where(days > 0, covered / days, np.nan)
    has = np.zeros(len(ep_keys), dtype=bool)
    has[idx] = True
    pdc = np.where(has, pdc, np.nan)
    t2 = time.perf_counter()
    keys = np.asarray(ep_keys.to_numpy(zero_copy_only=False))[order_ep]
    dosed = has[order_ep]  # episodes with doses, as the groupby sees them
    return {"keys": keys[dosed], "pdc": pdc[order_ep][dosed], "read": t1 - t0,
            "compute": t2 - t1}  # fmt: skip


def _measures() -> Any:
    """naltrack.outcomes.measures, or None when it is not importable here."""
    try:  # imported by name, so that this file runs without it
        importlib.import_module("ibis")
        return importlib.import_module("naltrack.outcomes.measures")
    except ImportError:
        return None


def step_coverage(directory: Path) -> dict[str, Any]:
    """The extract's derived step: the covered runs of every dose (`measures.coverage_of`, the
    measures' own expression on DuckDB), written beside the doses as the extract writes them."""
    measures = _measures()
    if measures is None:
        return {"missing": "naltrack.outcomes.measures is not importable here"}
    t0 = time.perf_counter()
    table = measures.coverage_of(sorted((directory / "doses").glob("*.parquet")))
    (directory / "coverage").mkdir(exist_ok=True)
    pq.write_table(table, directory / "coverage" / "part-bench.parquet")
    return {"read": 0.0, "compute": time.perf_counter() - t0, "rows": table.num_rows}


def _context(measures: Any, directory: Path, *, derived: bool) -> tuple[Any, Any]:
    con = measures.duckdb_backend()
    measures.load_facts(con, directory)
    if not derived:  # the covered runs built from the doses in the run, as without an extract
        measures._drop_view(con, measures.TABLE_PREFIX + "coverage")
    return con, measures.registered_facts(con)


def step_pdc(directory: Path) -> dict[str, Any]:
    """The PDC alone through the measures on DuckDB (the `pdc` measure's per-episode expression,
    reading the extract's covered runs), from the Parquet files to every episode's PDC."""
    measures = _measures()
    if measures is None:
        return {"missing": "naltrack.outcomes.measures is not importable here"}
    t0 = time.perf_counter()
    con, facts = _context(measures, directory, derived=True)
    t1 = time.perf_counter()
    ctx = measures.Context(facts, DEFAULT_POLICY, measures.day_number(PERIOD_START),
                           measures.day_number(PERIOD_END), measures.day_number(AS_OF))  # fmt: skip
    read_runs = facts.coverage is not None
    t = con.to_pyarrow(measures.pdc_expr(ctx).select("episode_key", "pdc"))
    t2 = time.perf_counter()
    t = t.sort_by("episode_key")
    return {"keys": np.asarray(t["episode_key"].to_numpy(zero_copy_only=False)),
            "pdc": t["pdc"].to_numpy(zero_copy_only=False), "read": t1 - t0, "compute": t2 - t1,
            "read_runs": read_runs}  # fmt: skip


def _all_measures(directory: Path, *, derived: bool) -> dict[str, Any]:
    measures = _measures()
    if measures is None:
        return {"missing": "naltrack.outcomes.measures is not importable here"}
    t0 = time.perf_counter()
    con, _facts = _context(measures, directory, derived=derived)
    t1 = time.perf_counter()
    result = measures.compute_all(
        con, policy=DEFAULT_POLICY, period_start=PERIOD_START, period_end=PERIOD_END, as_of=AS_OF
    )
    t2 = time.perf_counter()
    return {
        "read": t1 - t0,
        "compute": t2 - t1,
        "measures": sorted(result["measures"]),
        "each": result.get("seconds", {}),
    }


def step_measures(directory: Path) -> dict[str, Any]:
    """Every measure on DuckDB, reading the extract's covered runs (what the page's Compute and
    `naltrack outcomes compute` do after an extract)."""
    return _all_measures(directory, derived=True)


def step_measures_built(directory: Path) -> dict[str, Any]:
    """Every measure on DuckDB with the covered runs built from the doses inside the run."""
    return _all_measures(directory, derived=False)


STEPS = {
    "pandas": step_pandas,
    "numpy": step_numpy,
    "coverage": step_coverage,
    "pdc": step_pdc,
    "measures": step_measures,
    "measures_built": step_measures_built,
}


def run_step(name: str, directory: Path, out: Path, patients: int) -> None:
    """In the child: run one step, save its PDC (when any) and print its figures as JSON."""
    base = _rss_mb()
    if name == "generate":
        t0 = time.perf_counter()
        rows = generate(directory, patients)
        print(json.dumps({"rows": rows, "seconds": time.perf_counter() - t0, "peak_mb": _rss_mb()}))
        return
    result = STEPS[name](directory)
    figures = {k: v for k, v in result.items() if k not in ("keys", "pdc")}
    if "pdc" in result:
        np.save(out / f"{name}_pdc.npy", result["pdc"])
        np.save(out / f"{name}_keys.npy", result["keys"].astype(str))
    figures["peak_mb"] = _rss_mb()
    figures["start_mb"] = base
    print(json.dumps(figures))


def _child(name: str, directory: Path, out: Path, patients: int = 0) -> dict[str, Any]:
    """Run one step in a process of its own (started from this small parent: a child's ru_maxrss
    starts from its parent's resident size at the fork)."""
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--step", name, "--dir", str(directory), "--out", str(out),
         "--patients", str(patients)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"step {name} failed ({proc.returncode})")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["wall"] = wall
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument(
        "--dir", type=Path, help="where the facts go (default: a temporary directory)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated facts")
    parser.add_argument("--step", choices=[*STEPS, "generate"], help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        run_step(args.step, args.dir, args.out, args.patients)
        return 0

    directory = args.dir or Path(tempfile.mkdtemp(prefix="naltrack-outcomes-bench-"))
    out = Path(tempfile.mkdtemp(prefix="naltrack-outcomes-results-"))
    try:
        print(f"== outcomes at scale (issue 14): {args.patients:,} patients, {os.cpu_count()} CPUs")
        gen = _child("generate", directory, out, args.patients)
        size = sum(f.stat().st_size for f in directory.rglob("*.parquet")) / 2**20
        print(
            f"generated in {gen['seconds']:.1f} s (peak {gen['peak_mb']:.0f} MB): "
            + ", ".join(f"{v:,} {k}" for k, v in gen["rows"].items())
            + f" ({size:.0f} MB of Parquet)"
        )
        print(f"this parent process: {_rss_mb():.0f} MB peak (each step's own peak below)")
        figures = {name: _child(name, directory, out) for name in STEPS}
        numpy_total = figures["numpy"]["read"] + figures["numpy"]["compute"]
        pandas_total = figures["pandas"]["read"] + figures["pandas"]["compute"]
        print(f"{'step':<16}{'read s':>9}{'compute s':>11}{'total s':>9}{'wall s':>9}"
              f"{'peak MB':>9}{'+MB':>7}{'x numpy':>9}{'pandas/x':>10}")  # fmt: skip
        for name, f in figures.items():
            if "missing" in f:
                print(f"{name:<16} failed: {f['missing']}")
                return 1
            total = f["read"] + f["compute"]
            print(f"{name:<16}{f['read']:>9.2f}{f['compute']:>11.2f}{total:>9.2f}{f['wall']:>9.2f}"
                  f"{f['peak_mb']:>9.0f}{f['peak_mb'] - f['start_mb']:>7.0f}"
                  f"{total / numpy_total:>9.1f}{pandas_total / total:>10.1f}")  # fmt: skip
        print("steps: coverage = the extract's derived covered runs (written beside the doses); "
              "pdc = the PDC measure alone on DuckDB, reading them"
              f" ({'read' if figures['pdc'].get('read_runs') else 'NOT read: built'}); measures = "
              "every measure reading them; measures_built = every measure building them from "
              "the doses")  # fmt: skip
        for step in ("measures", "measures_built"):
            each = figures[step].get("each", {})
            if each:
                print(f"each measure on DuckDB, {step} (s): "
                      + ", ".join(f"{k} {v:.2f}" for k, v in sorted(each.items(), key=lambda kv: -kv[1])))  # fmt: skip
        pk, pp = np.load(out / "pandas_keys.npy"), np.load(out / "pandas_pdc.npy")
        nk, npdc = np.load(out / "numpy_keys.npy"), np.load(out / "numpy_pdc.npy")
        dk, dpdc = np.load(out / "pdc_keys.npy"), np.load(out / "pdc_pdc.npy")
        agree = np.array_equal(pk, nk) and np.allclose(pp, npdc, rtol=0, atol=1e-12, equal_nan=True)
        # The measure's episodes: dosed, with a window in the period (pandas' NaN: no window).
        has = ~np.isnan(pp)
        same = np.array_equal(pk[has], dk) and np.allclose(pp[has], dpdc, rtol=0, atol=1e-12)
        print(
            f"pandas and numpy agree on the PDC of {len(pp):,} episodes: {agree}; the DuckDB "
            f"measure agrees on its {len(dk):,}: {same} "
            f"(mean PDC {np.nanmean(pp):.4f}; adherent at {DEFAULT_POLICY.pdc_adherent_min}: "
            f"{np.mean(pp >= DEFAULT_POLICY.pdc_adherent_min):.1%})"
        )
        agree = agree and same
        return 0 if agree else 1
    finally:
        shutil.rmtree(out, ignore_errors=True)
        if not args.keep and args.dir is None:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
