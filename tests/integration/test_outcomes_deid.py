"""The de-identified export (issue 14; HIPAA Safe Harbor, 45 CFR 164.514(b)(2)): written from
Parquet facts made here with pyarrow, read back from the zip as bytes and as CSV."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from naltrack.accounts.actors import PermissionRefused
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.clinical.outcomes import AGE_TOP_CODE, SMALL_CELL
from naltrack.outcomes.deidentify import SUPPRESSED, suppress
from naltrack.outcomes.facts import TABLES
from naltrack.outcomes.services_deid import export_deidentified

from .conftest import DIRECTOR, NURSE

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
START = date(2025, 1, 10)
FREE_TEXT = "Dr Hannah Whitfield, 12 Orchard Lane"
CLINIC = "Riverside Recovery Clinic"


def _key(kind: str, n: int) -> str:
    return hashlib.sha256(f"{kind}-{n}".encode()).hexdigest()


def _write(directory: Path, table: str, rows: list[dict[str, Any]], part: str = "run1") -> None:
    schema = TABLES[table]
    (directory / table).mkdir(parents=True, exist_ok=True)
    columns = {name: [r.get(name) for r in rows] for name in schema.names}
    pq.write_table(pa.table(columns, schema=schema), directory / table / f"part-{part}.parquet")


# (formulation, sex, count): oral/female 30, oral/male 5 (small), injection 12/14, implant 0/13
GROUPS = (
    ("oral", "female", 30),
    ("oral", "male", 5),
    ("xr_injection", "female", 12),
    ("xr_injection", "male", 14),
    ("implant", "male", 13),
)


def _facts(directory: Path) -> dict[str, list[dict[str, Any]]]:
    episodes: list[dict[str, Any]] = []
    doses: list[dict[str, Any]] = []
    obs: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    n = 0
    for formulation, sex, count in GROUPS:
        for _ in range(count):
            start = START + timedelta(days=n)
            age = {0: 93, 1: 89, 2: AGE_TOP_CODE}.get(n, 30 + n % 40)
            episodes.append(
                {"episode_key": _key("e", n), "patient_key": _key("p", n), "clinic": CLINIC,
                 "start_date": start, "first_dose": start + timedelta(days=2),
                 "end_date": start + timedelta(days=200) if n % 3 == 0 else None,
                 "end_kind": "lost_to_follow_up" if n % 3 == 0 else None, "treats_oud": True,
                 "treats_aud": n % 2 == 0, "sex": sex, "age_at_start": age,
                 "referral_source": {4: FREE_TEXT, 5: ""}.get(n, "self"), "formulation": formulation}
            )  # fmt: skip
            for k in range(3):
                doses.append(
                    {"dose_key": _key("d", n * 10 + k), "episode_key": _key("e", n),
                     "patient_key": _key("p", n), "day": start + timedelta(days=2 + 28 * k),
                     "formulation": formulation, "dose_mg": 380.0, "covered_days": 28,
                     "observed": True, "first_dose": k == 0, "naloxone_discussed": True,
                     "opioid_use_reported": False}
                )  # fmt: skip
            obs.append(
                {"obs_key": _key("o", n), "patient_key": _key("p", n), "episode_key": _key("e", n),
                 "day": start + timedelta(days=9), "kind": "craving", "value": 3.0, "band": None,
                 "opioid_positive": None, "alcohol_positive": None, "source": "self"}
            )  # fmt: skip
            # one observation outside any episode: a week before the episode's start
            obs.append(
                {"obs_key": _key("o2", n), "patient_key": _key("p", n), "episode_key": None,
                 "day": start - timedelta(days=7), "kind": "urine_screen", "value": None,
                 "band": FREE_TEXT, "opioid_positive": True, "alcohol_positive": False,
                 "source": "clinic"}
            )  # fmt: skip
            events.append(
                {"event_key": _key("v", n), "patient_key": _key("p", n), "episode_key": _key("e", n),
                 "day": start + timedelta(days=30), "kind": "side_effect", "code": "injection_site",
                 "severity": "mild", "dose_key": _key("d", n * 10 + 1)}
            )  # fmt: skip
            n += 1
    # two parts of the doses table, as an incremental extract writes them
    _write(directory, "episodes", episodes)
    _write(directory, "doses", doses[:40])
    _write(directory, "doses", doses[40:], part="run2")
    _write(directory, "observations", obs)
    _write(directory, "events", events)
    return {"episodes": episodes, "doses": doses, "observations": obs, "events": events}


def _export(directory: Path, **kw: Any) -> dict[str, bytes]:
    args: dict[str, Any] = {"actor": DIRECTOR, "at": AT, "recipient": "State University",
                            "purpose": "retention study"} | kw  # fmt: skip
    data = export_deidentified(directory, **args)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rows(files: dict[str, bytes], name: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(files[name].decode())))


def test_no_key_date_or_free_text_leaves_in_any_byte_of_any_file(tmp_path: Path) -> None:
    facts = _facts(tmp_path)
    files = _export(tmp_path)
    secrets: set[str] = {FREE_TEXT, CLINIC, "Whitfield", "Orchard"}
    for rows in facts.values():
        for row in rows:
            for name, value in row.items():
                if name.endswith("_key") and value:
                    secrets.add(value)
                    secrets.add(value[:12])  # nor a code cut from a key
                if isinstance(value, date):
                    secrets.add(value.isoformat())
                    secrets.add(value.strftime("%m/%d/%Y"))
                    secrets.add(value.strftime("%Y%m%d"))
    assert len(secrets) > 500
    blob = b"\n".join([*files.values(), *(n.encode() for n in files)])
    leaks = [s for s in secrets if s.encode() in blob]
    assert leaks == []


def test_days_are_counted_from_the_episode_start_and_ages_over_89_are_grouped(
    tmp_path: Path,
) -> None:
    _facts(tmp_path)
    files = _export(tmp_path)
    episodes = _rows(files, "episodes.csv")
    assert len(episodes) == sum(c for *_, c in GROUPS)
    ages = {e["age_at_start"] for e in episodes}
    assert f"{AGE_TOP_CODE}+" in ages and "89" in ages
    assert not any(a.isdigit() and int(a) >= AGE_TOP_CODE for a in ages)
    assert {e["first_dose_day"] for e in episodes} == {"2"}
    assert {e["end_day"] for e in episodes} == {"200", ""}
    assert {e["start_year"] for e in episodes} == {"2025"}
    assert {e["referral_source"] for e in episodes} == {"self", "other", ""}
    assert {e["clinic"] for e in episodes} == {"clinic 1"}
    doses = _rows(files, "doses.csv")
    assert sorted({d["day"] for d in doses}, key=int) == ["2", "30", "58"]
    assert len(doses) == 3 * len(episodes)
    # every dose belongs to an episode of the same study id
    pairs = {(e["study_id"], e["episode_id"]) for e in episodes}
    assert {(d["study_id"], d["episode_id"]) for d in doses} <= pairs
    obs = _rows(files, "observations.csv")
    outside = [o for o in obs if not o["episode_id"]]
    assert len(outside) == len(episodes) and {o["day"] for o in outside} == {"-7"}
    assert {o["band"] for o in outside} == {"other"}
    assert {o["day"] for o in obs if o["episode_id"]} == {"9"}
    assert {v["day"] for v in _rows(files, "events.csv")} == {"30"}


def test_study_ids_are_new_in_every_export(tmp_path: Path) -> None:
    _facts(tmp_path)
    one, two = _export(tmp_path), _export(tmp_path)
    ids_one = {e["study_id"] for e in _rows(one, "episodes.csv")}
    ids_two = {e["study_id"] for e in _rows(two, "episodes.csv")}
    assert len(ids_one) == len(ids_two) == sum(c for *_, c in GROUPS)
    assert not ids_one & ids_two
    eps_one = {e["episode_id"] for e in _rows(one, "episodes.csv")}
    assert not eps_one & {e["episode_id"] for e in _rows(two, "episodes.csv")}


def test_the_dictionary_covers_every_column_of_every_file_exactly(tmp_path: Path) -> None:
    _facts(tmp_path)
    files = _export(tmp_path)
    dictionary = _rows(files, "data_dictionary.csv")
    described: dict[str, list[str]] = {}
    for row in dictionary:
        assert row["type"] and row["meaning"] and row["deidentification"]
        described.setdefault(row["file"], []).append(row["column"])
    csvs = {n for n in files if n.endswith(".csv") and n != "data_dictionary.csv"}
    assert set(described) == csvs
    for name in csvs:
        header = next(csv.reader(io.StringIO(files[name].decode())))
        assert described[name] == header, name
    readme = files["README.txt"].decode()
    assert "164.514(b)(2)" in readme and f'"{AGE_TOP_CODE}+"' in readme


def test_small_cells_are_suppressed_with_their_complement(tmp_path: Path) -> None:
    _facts(tmp_path)
    files = _export(tmp_path)
    table = {r["formulation"]: r for r in _rows(files, "counts_formulation_by_sex.csv")}
    # oral/male is 5: suppressed, and oral/female (30, the row's only other count) with it;
    # the sex=male column then has 5 hidden, so its smallest other count (13, implant) goes too,
    # and implant's row its total... each row and column ends with 0 or at least 2 hidden cells.
    assert table["oral"]["male"] == SUPPRESSED
    assert table["oral"]["female"] == SUPPRESSED
    assert table["total"]["total"] == str(sum(c for *_, c in GROUPS))
    grid = [[v for k, v in r.items() if k != "formulation"] for r in table.values()]
    for line in [*grid, *zip(*grid, strict=True)]:
        assert sum(v == SUPPRESSED for v in line) != 1
    for line in grid:
        for v in line:
            assert v == SUPPRESSED or v == "0" or int(v) >= SMALL_CELL


def test_complementary_suppression_by_hand() -> None:
    # oral: 30, 5, 20 | 55; injection: 12, 14, 13 | 39; totals 42, 19, 33 | 94
    grid = [[30, 5, 20, 55], [12, 14, 13, 39], [42, 19, 33, 94]]
    assert suppress(grid) == [
        [30, None, None, 55],  # 5 small; 20 the row's next smallest
        [12, None, None, 39],  # 14 and 13: the columns of 5 and 20
        [42, 19, 33, 94],
    ]
    # no small cell: nothing hidden; zero is not a small cell
    assert suppress([[0, 20, 20], [11, 0, 11], [11, 20, 31]]) == [
        [0, 20, 20],
        [11, 0, 11],
        [11, 20, 31],
    ]
    # a small total hides itself and its only cell: a row of one small cell
    assert suppress([[0, 3, 3], [15, 12, 27], [15, 15, 30]]) == [
        [0, None, None],
        [15, None, None],
        [15, 15, 30],
    ]


def test_the_export_is_audited_as_a_disclosure(tmp_path: Path) -> None:
    _facts(tmp_path)
    _export(tmp_path)
    [event] = AuditEvent.objects.filter(object_type="deidentified_export")
    assert event.action == AuditAction.EXPORT
    assert event.actor == DIRECTOR.username and event.patient_mrn == ""
    assert "to State University for retention study" in event.detail
    assert f"{sum(c for *_, c in GROUPS)} patients" in event.detail
    assert "222 doses" in event.detail


@pytest.mark.parametrize(
    ("field", "value"),
    [("recipient", ""), ("recipient", "   "), ("purpose", ""), ("purpose", "x" * 121)],
)
def test_bad_input_names_its_field_and_nothing_is_written(
    tmp_path: Path, field: str, value: str
) -> None:
    _facts(tmp_path)
    with pytest.raises(InputError) as err:
        _export(tmp_path, **{field: value})
    assert err.value.field == field
    assert not AuditEvent.objects.filter(object_type="deidentified_export").exists()


def test_no_facts_is_bad_input_and_a_nurse_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        _export(tmp_path)
    assert err.value.field == "directory"
    _facts(tmp_path)
    with pytest.raises(PermissionRefused):
        _export(tmp_path, actor=NURSE)
    assert not AuditEvent.objects.filter(object_type="deidentified_export").exists()
