"""Every measure on DuckDB and on a local PySpark session over the same Parquet facts: the
same Ibis expressions, identical answers (floats to 1e-9)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyspark.sql import SparkSession

from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.outcomes import measures as m
from tests.outcomes.factdata import dose, episode, write

# Ibis 12 calls DuckDB's fetch_arrow_table, deprecated by DuckDB 2: not ours to change.
pytestmark = pytest.mark.filterwarnings("ignore:fetch_arrow_table:DeprecationWarning")

START = date(2025, 10, 1)
FORMS = ("oral", "xr_injection", "implant")
COVERS = {"oral": 1, "xr_injection": 28, "implant": 90}
END_KINDS = (None, None, "completed", "lost_to_follow_up", "transferred", "referred_out", "died")


def program() -> dict[str, list[dict[str, Any]]]:
    """A fixed program of 28 episodes: every formulation, end kind, indication, sex, age band,
    referral source and two clinics; doses with gaps of several lengths; screens, cravings,
    PHQ-9s, use reports and safety events."""
    eps, doses, obs, events = [], [], [], []
    for i in range(28):
        key, form = f"e{i:02d}", FORMS[i % 3]
        first = START + timedelta(days=7 * i)
        kind = END_KINDS[i % len(END_KINDS)]
        end = first + timedelta(days=60 + 11 * i) if kind else None
        eps.append(episode(
            key, first, formulation=form, end_kind=kind, end_date=end,
            treats_oud=i % 4 != 1, treats_aud=i % 4 in (1, 2), sex=("female", "male", "other")[i % 3],
            age_at_start=16 + 3 * i, referral_source=("", "court", "emergency")[i % 3],
            clinic=("north", "south")[i % 2],
        ))  # fmt: skip
        day, n = first, 0
        while day <= (end or START + timedelta(days=420)) and n < 40:
            doses.append(dose(key, day, COVERS[form], n, formulation=form,
                              naloxone_discussed=n % 2 == 0, opioid_use_reported=n % 9 == 4))  # fmt: skip
            step = COVERS[form] + (i + n) % 10 - (3 if form != "oral" else 0)
            day, n = day + timedelta(days=max(1, step)), n + 1
        for j in range(0, 200, 9):
            on = first + timedelta(days=j)
            pk = "p-" + key
            obs.append({"obs_key": f"{key}-u{j}", "patient_key": pk, "episode_key": key, "day": on,
                        "kind": "urine_screen", "opioid_positive": (i + j) % 5 == 0,
                        "alcohol_positive": None if j % 2 else (i + j) % 7 == 0})  # fmt: skip
            obs.append({"obs_key": f"{key}-c{j}", "patient_key": pk, "episode_key": key, "day": on,
                        "kind": "craving", "value": float((i * j) % 11)})  # fmt: skip
            if j % 27 == 0:
                obs.append({"obs_key": f"{key}-p{j}", "patient_key": pk, "episode_key": key,
                            "day": on, "kind": "phq9", "value": float((i + j) % 28)})  # fmt: skip
            if (i + j) % 13 == 0:
                obs.append({"obs_key": f"{key}-o{j}", "patient_key": pk, "episode_key": key,
                            "day": on, "kind": "opioid_use", "opioid_positive": True})  # fmt: skip
        for j, (kind_, code) in enumerate([("side_effect", "injection_site"), ("side_effect", "nausea"),
                                           ("alert", "overdue"), ("overdose", "")]):  # fmt: skip
            if (i + j) % 3 == 0:
                events.append({"event_key": f"{key}-ev{j}", "patient_key": "p-" + key,
                               "episode_key": key, "day": first + timedelta(days=5 + 17 * j),
                               "kind": kind_, "code": code, "severity": "mild"})  # fmt: skip
    eps.append(episode("never", None, formulation=None))
    return {"episodes": eps, "doses": doses, "observations": obs, "events": events}


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkSession]:
    session = (
        SparkSession.builder.master("local[1]")
        .appName("naltrack-measures-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        # Tiny data: code generation and adaptive planning cost more than they save.
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        # A short-lived JVM: the quick JIT tier and the serial collector start faster.
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .getOrCreate()
    )
    yield session
    session.stop()


def same(a: Any, b: Any, where: str = "") -> None:
    if isinstance(a, float) or isinstance(b, float):
        assert a == pytest.approx(b, rel=1e-9, abs=1e-9), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for k in a:
            same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), (where, a, b)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def test_every_measure_is_identical_on_duckdb_and_spark(
    spark: SparkSession, tmp_path: Path
) -> None:
    folder = write(tmp_path / "facts", **program())
    kwargs: dict[str, Any] = {"policy": DEFAULT_POLICY, "period_start": date(2025, 10, 1),
                              "period_end": date(2026, 3, 31), "as_of": date(2026, 10, 1)}  # fmt: skip
    duck = m.duckdb_backend()
    m.load_facts(duck, folder)
    on_duckdb = m.compute_all(duck, **kwargs)
    con = m.spark_backend(spark)
    m.load_facts(con, folder)
    on_spark = m.compute_all(con, **kwargs)
    # Each engine's wall time per measure differs, of course; every answer must not.
    assert (
        set(on_duckdb.pop("seconds"))
        == set(on_spark.pop("seconds"))
        == {*m.MEASURES, "time_on_treatment"}
    )
    same(on_duckdb, on_spark)
    # The tables shared between measures are dropped after the run, on both engines.
    in_duckdb = [
        r[0] for r in duck.raw_sql("SELECT table_name FROM information_schema.tables").fetchall()
    ]
    in_spark = [t.name for t in spark.catalog.listTables()]
    shared = ("naltrack_measure_", "ibis_cached")
    assert [t for t in [*in_duckdb, *in_spark] if t.startswith(shared)] == []
    assert any(t.startswith(m.TABLE_PREFIX) for t in in_duckdb)  # the facts' views stay
    # The program exercises every measure: none is empty.
    assert set(on_duckdb["measures"]) == {*m.MEASURES, "time_on_treatment"}
    for name, measure in on_duckdb["measures"].items():
        assert measure["rows"], name
    groups = {row[0] for row in on_duckdb["measures"]["by_group"]["rows"]}
    assert groups == {"formulation", "indication", "sex", "age_band", "referral_source",
                      "cohort", "clinic"}  # fmt: skip
