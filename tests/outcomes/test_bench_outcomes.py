"""The outcomes benchmark's two PDC implementations (benchmarks/outcomes.py, issue 14) agree with
each other and with the core's one-patient `coverage()`, the reference, on a small generated
program: the figures `make bench` prints are of the same answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from benchmarks import outcomes as bench

from naltrack.clinical.coverage import Administration, coverage
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation


def test_numpy_scan_pandas_and_the_core_agree(tmp_path: Path) -> None:
    rows = bench.generate(tmp_path, 300)
    assert rows["episodes"] == 300 and rows["doses"] > 300
    fast = bench.step_numpy(tmp_path)
    plain = bench.step_pandas(tmp_path)
    assert list(fast["keys"]) == list(plain["keys"])
    assert np.allclose(fast["pdc"], plain["pdc"], rtol=0, atol=1e-12, equal_nan=True)

    episodes = pq.read_table(tmp_path / "episodes").to_pylist()
    doses = pq.read_table(tmp_path / "doses").to_pylist()
    by_episode: dict[str, list[Administration]] = {}
    for d in doses:
        by_episode.setdefault(d["episode_key"], []).append(
            Administration(d["day"], Formulation(d["formulation"]), d["dose_mg"], d["covered_days"])
        )
    pdc = dict(zip(fast["keys"], fast["pdc"], strict=True))
    checked = 0
    for e in episodes[:120]:
        w0 = max(e["first_dose"], bench.PERIOD_START)
        w1 = min(e["end_date"] or bench.PERIOD_END, bench.PERIOD_END)
        admins = sorted(by_episode[e["episode_key"]], key=lambda a: a.date)
        report = coverage(admins, w0, w1, DEFAULT_POLICY)
        assert abs(report.pdc - pdc[e["episode_key"]]) < 1e-9, e["episode_key"]
        checked += 1
    assert checked == 120
