"""Parquet facts written by the tests themselves (pyarrow), independent of the extract."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from naltrack.outcomes.facts import TABLES


def episode(key: str, first_dose: date | None, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "episode_key": key,
        "patient_key": "p-" + key,
        "clinic": "north",
        "start_date": first_dose,
        "first_dose": first_dose,
        "end_date": None,
        "end_kind": None,
        "treats_oud": True,
        "treats_aud": False,
        "sex": "female",
        "age_at_start": 40,
        "referral_source": "",
        "formulation": "xr_injection",
    }
    row.update(kw)
    return row


def dose(episode_key: str, day: date, covered_days: int, n: int, **kw: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "dose_key": f"{episode_key}-d{n:05d}",
        "episode_key": episode_key,
        "patient_key": "p-" + episode_key,
        "day": day,
        "formulation": "xr_injection",
        "dose_mg": 380.0,
        "covered_days": covered_days,
        "observed": True,
        "first_dose": n == 0,
        "naloxone_discussed": False,
        "opioid_use_reported": False,
    }
    row.update(kw)
    return row


def write(directory: Path, **tables: Sequence[dict[str, Any]]) -> Path:
    """One part file per non-empty table under `directory/<table>/` (the extract's layout)."""
    for name, rows in tables.items():
        if not rows:
            continue
        schema = TABLES[name]
        folder = directory / name
        folder.mkdir(parents=True, exist_ok=True)
        full = [{f: r.get(f) for f in schema.names} for r in rows]
        pq.write_table(pa.Table.from_pylist(full, schema=schema), folder / "part-1.parquet")
    return directory
