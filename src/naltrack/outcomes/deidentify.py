"""The de-identified export for research and funders (issue 14): HIPAA Safe Harbor, 45 CFR
164.514(b)(2), built from the analytic facts (`facts.py`, `<dir>/<table>/*.parquet`).

The method (also written into the export's README.txt and docs/measures.md):
- no direct identifier of the 18 Safe Harbor kinds leaves: no name, MRN, contact detail, address or
  geography (the facts hold none but the feeding clinic, which is replaced by a label drawn at
  random per export), no pseudonymous key of the facts, no free text;
- patients and episodes get NEW random study ids for every export (`secrets`-seeded draws, the
  mapping is discarded), never a code derived from the patient id or its pseudonym (164.514(c));
- every date is a whole number of days from the start of the record's episode (a record outside
  any episode: from the start of the patient's first episode); only the start's calendar year is
  kept (Safe Harbor permits the year);
- ages above 89 are one group, "90+" (`AGE_TOP_CODE`);
- coded values (sex, formulation, kind, band, ...) leave only when they look like a vocabulary
  code (lower-case letters, digits, `_.+-`, at most 40 characters); anything else is "other";
- aggregate tables (counts by group): a cell under `SMALL_CELL` (1 to SMALL_CELL - 1) is
  suppressed, then complementary suppression: whenever a row or a column (its total included) has
  exactly one suppressed entry, the smallest other non-zero entry is suppressed too, repeated until
  no row or column has exactly one, so no suppressed cell can be recovered from a total.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from naltrack.clinical.errors import InputError
from naltrack.clinical.outcomes import AGE_TOP_CODE, SMALL_CELL, age_band

from .facts import TABLES

SUPPRESSED = "suppressed"
CODE = re.compile(r"(?:[a-z0-9][a-z0-9_.+-]{0,39})?")  # empty: none (referral_source "")
METHOD_SOURCE = "HIPAA Safe Harbor, 45 CFR 164.514(b)(2); re-identification codes 164.514(c)"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str  # string | integer | number | boolean
    meaning: str
    method: str  # how it was de-identified


def _c(name: str, type_: str, meaning: str, method: str) -> Column:
    return Column(name, type_, meaning, method)


STUDY_ID = _c(
    "study_id",
    "string",
    "the patient, by a study id of this export only",
    "new random id per export (secrets); not derived from any identifier or pseudonym",
)
EPISODE_ID = _c(
    "episode_id",
    "string",
    "the treatment episode, by a study id of this export only",
    "new random id per export (secrets); not derived from any identifier or pseudonym",
)
DAY_FROM_EPISODE = "date replaced by days from the start of its episode (or of the patient's first episode when outside any)"
CODED = "vocabulary code kept; any other text exported as 'other'"
KEPT = "kept as recorded (not identifying)"

ROW_FILES: dict[str, tuple[Column, ...]] = {
    "episodes.csv": (
        STUDY_ID,
        EPISODE_ID,
        _c(
            "clinic",
            "string",
            "the clinic that recorded the episode",
            "replaced by a label (clinic 1, 2, ...) drawn at random per export",
        ),
        _c(
            "start_year",
            "integer",
            "calendar year of the episode's start",
            "year only (Safe Harbor permits the year); month and day removed",
        ),
        _c(
            "start_day_from_first_episode",
            "integer",
            "days from the start of the patient's first episode to this episode's start",
            "date replaced by an interval",
        ),
        _c(
            "first_dose_day",
            "integer",
            "days from the episode's start to its first dose; blank: never dosed",
            DAY_FROM_EPISODE,
        ),
        _c(
            "end_day",
            "integer",
            "days from the episode's start to its end; blank: open",
            DAY_FROM_EPISODE,
        ),
        _c(
            "end_kind",
            "string",
            "why it ended: completed, lost_to_follow_up, transferred, referred_out, died, other; blank: open",
            CODED,
        ),
        _c("treats_oud", "boolean", "treats opioid use disorder", KEPT),
        _c("treats_aud", "boolean", "treats alcohol use disorder", KEPT),
        _c("sex", "string", "sex at birth: female, male, other, unknown", CODED),
        _c(
            "age_at_start",
            "string",
            f"whole years at the episode's start; {AGE_TOP_CODE}+ for {AGE_TOP_CODE} and over",
            f"ages above {AGE_TOP_CODE - 1} grouped as '{AGE_TOP_CODE}+'",
        ),
        _c(
            "referral_source",
            "string",
            "intake's referral source (self, family, hospital, court, primary_care, other); blank: none",
            CODED,
        ),
        _c(
            "formulation",
            "string",
            "the first dose's formulation: oral, xr_injection, implant; blank: never dosed",
            CODED,
        ),
    ),
    "doses.csv": (
        STUDY_ID,
        EPISODE_ID,
        _c(
            "day",
            "integer",
            "days from the episode's start to the dose (implant: insertion)",
            DAY_FROM_EPISODE,
        ),
        _c("formulation", "string", "oral, xr_injection or implant", CODED),
        _c("dose_mg", "number", "dose in mg", KEPT),
        _c(
            "covered_days",
            "integer",
            "days of medication this dose supplies (the core's coverage rule)",
            KEPT,
        ),
        _c(
            "observed",
            "boolean",
            "given or witnessed at the clinic (false: the patient's own report)",
            KEPT,
        ),
        _c("first_dose", "boolean", "the episode's first dose", KEPT),
        _c("naloxone_discussed", "boolean", "naloxone discussed at an injection", KEPT),
        _c("opioid_use_reported", "boolean", "opioid use reported at the dose", KEPT),
    ),
    "observations.csv": (
        STUDY_ID,
        EPISODE_ID,
        _c(
            "day",
            "integer",
            "days from the episode's start (blank episode_id: from the patient's first episode's start)",
            DAY_FROM_EPISODE,
        ),
        _c("kind", "string", "urine_screen, craving, phq9, ... (the observation's kind)", CODED),
        _c("value", "number", "score or 0/1; blank for a urine screen", KEPT),
        _c("band", "string", "the instrument's band", CODED),
        _c("opioid_positive", "boolean", "opioids found or reported; blank: not asked", KEPT),
        _c("alcohol_positive", "boolean", "alcohol found or reported; blank: not asked", KEPT),
        _c("source", "string", "clinic or self (a portal check-in)", CODED),
    ),
    "events.csv": (
        STUDY_ID,
        EPISODE_ID,
        _c("day", "integer", "days from the episode's start", DAY_FROM_EPISODE),
        _c(
            "kind",
            "string",
            "side_effect, alert, overdose, naloxone_kit, missed_appointment",
            CODED,
        ),
        _c("code", "string", "side effect kind or alert code", CODED),
        _c("severity", "string", "severity", CODED),
    ),
}

DICTIONARY_COLUMNS = ("file", "column", "type", "meaning", "deidentification")


def _group_col(label: str) -> Column:
    return _c(label, "string", f"the group ({label})", "a group of the row-level data above")


def _cell_col(name: str) -> Column:
    return _c(
        name,
        "string",
        f"episodes in the row's group with {name} (a count)",
        f"count; '{SUPPRESSED}' when under {SMALL_CELL}, or suppressed so that another cannot be recovered from a total",
    )


# Aggregate tables: episodes counted by formulation (rows) against another grouping (columns).
AGGREGATES: dict[str, tuple[str, Callable[[dict[str, object]], str], tuple[str, ...]]] = {
    "counts_formulation_by_sex.csv": (
        "sex",
        lambda e: str(e["sex"] or "unknown"),
        ("female", "male", "other", "unknown"),
    ),
    "counts_formulation_by_age_band.csv": (
        "age_band",
        lambda e: age_band(int(str(e["age"]))) if e["age"] is not None else "unknown",
        (),
    ),
}


def read_facts(directory: Path) -> dict[str, pa.Table]:
    """Every fact table of `<directory>/<table>/*.parquet`, concatenated in the facts' schema
    (an absent table is empty). No fact at all is bad input."""
    directory = Path(directory)
    out: dict[str, pa.Table] = {}
    found = 0
    for name, schema in TABLES.items():
        parts = sorted((directory / name).glob("*.parquet"))
        found += len(parts)
        tables = [pq.read_table(p).select(schema.names).cast(schema) for p in parts]
        out[name] = pa.concat_tables(tables) if tables else schema.empty_table()
    if not found:
        raise InputError(
            f"no analytic facts under {directory} (run the extract first)", "directory"
        )
    return out


def _random_ids(n: int, prefix: str) -> np.ndarray:
    """n distinct random ids, drawn afresh from the operating system's randomness."""
    rng = np.random.default_rng(secrets.randbits(128))
    while True:
        draws = rng.integers(0, 2**48, size=n, dtype=np.int64)
        if len(np.unique(draws)) == n:
            break
    return np.array([f"{prefix}{int(d):012x}" for d in draws], dtype=object)


def _days(col: pa.ChunkedArray) -> np.ndarray:
    """date32 as integer days since the epoch (float, NaN for null)."""
    ints = pc.cast(col, pa.int32())
    return np.asarray(ints.to_numpy(zero_copy_only=False), dtype=np.float64)


def _codes(col: pa.ChunkedArray) -> pa.ChunkedArray:
    """Vocabulary codes kept, any other text 'other', null stays null (an empty cell)."""
    ok = pc.match_substring_regex(col, f"^{CODE.pattern}$")
    return pc.if_else(ok, col, pa.scalar("other", pa.string()))


def _ints(values: np.ndarray) -> pa.Array:
    """Whole days; NaN or infinite: null (an empty cell)."""
    bad = ~np.isfinite(values)
    return pa.array(np.where(bad, 0, values).astype(np.int64), mask=bad)


def _take(ids: np.ndarray, idx: np.ndarray) -> pa.Array:
    """ids[idx], null where idx is -1."""
    return pa.array(ids, type=pa.string()).take(pa.array(idx, mask=idx < 0))


def _index(keys: pa.ChunkedArray, value_set: pa.Array) -> np.ndarray:
    """Position of each key in value_set; -1 when absent or null."""
    idx = pc.index_in(keys, value_set=value_set)
    return np.asarray(pc.fill_null(idx, -1).to_numpy(zero_copy_only=False), dtype=np.int64)


def suppress(cells: Sequence[Sequence[int]]) -> list[list[int | None]]:
    """Small-cell and complementary suppression of a table of counts WITH its margins: the last
    column holds each row's total and the last row each column's total. None: suppressed.

    Primary: 0 < count < SMALL_CELL. Complementary: a row or a column with exactly one suppressed
    entry (its total included) would give that entry away by subtraction, so the smallest other
    non-zero entry of that row or column is suppressed too; repeated until none has exactly one."""
    grid = [list(r) for r in cells]
    hidden = [[0 < v < SMALL_CELL for v in r] for r in grid]
    n_rows, n_cols = len(grid), len(grid[0]) if grid else 0
    lines = [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(hidden[i][j] for i, j in line) != 1:
                continue
            others = [(grid[i][j], i, j) for i, j in line if not hidden[i][j] and grid[i][j] > 0]
            if not others:
                continue
            _, i, j = min(others)
            hidden[i][j] = True
            changed = True
    return [[None if hidden[i][j] else grid[i][j] for j in range(n_cols)] for i in range(n_rows)]


@dataclass(frozen=True, slots=True)
class Export:
    files: dict[str, bytes]  # file name -> its bytes (CSV, UTF-8)
    patients: int
    episodes: int
    rows: dict[str, int]  # row-level file -> rows
    suppressed: int  # aggregate cells suppressed

    def zip_bytes(self) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name, text in self.files.items():
                zf.writestr(name, text)
        return buf.getvalue()


def _csv(columns: tuple[Column, ...], arrays: Sequence[pa.Array | pa.ChunkedArray],
         order: np.ndarray) -> bytes:  # fmt: skip
    """The rows `order` of the columns as CSV. Arrow writes them, unquoted: every string is an
    id, a label or a vocabulary code (no delimiter, quote or line break can occur)."""
    table = pa.table({c.name: a for c, a in zip(columns, arrays, strict=True)}).take(order)
    out = io.BytesIO()
    out.write((",".join(c.name for c in columns) + "\n").encode())
    pacsv.write_csv(table, out, pacsv.WriteOptions(include_header=False, quoting_style="none"))
    return out.getvalue()


def build_export(directory: Path) -> Export:
    """The de-identified files from the facts under `directory` (see the module's method)."""
    facts = read_facts(directory)
    ep = facts["episodes"]
    if not len(ep):
        raise InputError(f"the analytic facts under {directory} hold no episode", "directory")
    patients = pc.unique(ep["patient_key"].combine_chunks().drop_null())
    episodes = ep["episode_key"].combine_chunks()
    if not len(patients):
        raise InputError(f"the analytic facts under {directory} hold no patient", "directory")
    study = _random_ids(len(patients), "P")
    # rows are written in the order of the random study ids (no trace of the facts' order)
    rank = np.empty(len(study), dtype=np.int64)
    rank[np.argsort(study.astype(str))] = np.arange(len(study))
    study_ep = _random_ids(len(episodes), "E")

    ep_patient = _index(ep["patient_key"], patients)
    start = _days(ep["start_date"])
    # The patient's first episode's start: the reference day of a record outside any episode.
    first_start = np.full(len(patients), np.inf)
    keep_ep = ep_patient >= 0
    np.minimum.at(first_start, ep_patient[keep_ep], start[keep_ep])

    files: dict[str, bytes] = {}
    rows: dict[str, int] = {}

    # episodes.csv
    clinics = pc.unique(ep["clinic"].combine_chunks().fill_null(""))
    labels = np.random.default_rng(secrets.randbits(128)).permutation(len(clinics)) + 1
    clinic_labels = np.array([f"clinic {n}" for n in labels], dtype=object)
    ages = ep["age_at_start"]
    top = pc.greater_equal(ages, AGE_TOP_CODE)
    ep_cols = [
        _take(study, ep_patient),
        pa.array(study_ep, type=pa.string()),
        _take(clinic_labels, _index(ep["clinic"].fill_null(""), clinics)),
        pc.year(ep["start_date"]),
        _ints(start - np.where(keep_ep, first_start[np.maximum(ep_patient, 0)], np.nan)),
        _ints(_days(ep["first_dose"]) - start),
        _ints(_days(ep["end_date"]) - start),
        _codes(ep["end_kind"]),
        ep["treats_oud"],
        ep["treats_aud"],
        _codes(ep["sex"]),
        pc.if_else(top, pa.scalar(f"{AGE_TOP_CODE}+"), pc.cast(ages, pa.string())),
        _codes(ep["referral_source"]),
        _codes(ep["formulation"]),
    ]
    ep_rows = np.flatnonzero(keep_ep & ~np.isnan(start))
    order = ep_rows[np.argsort(rank[ep_patient[ep_rows]], kind="stable")]
    files["episodes.csv"] = _csv(ROW_FILES["episodes.csv"], ep_cols, order)
    rows["episodes.csv"] = len(order)

    # doses, observations, events: days from the episode's start (or the patient's first start)
    for name, table, extra in (
        ("doses.csv", facts["doses"], ("formulation", "dose_mg", "covered_days", "observed", "first_dose", "naloxone_discussed", "opioid_use_reported")),
        ("observations.csv", facts["observations"], ("kind", "value", "band", "opioid_positive", "alcohol_positive", "source")),
        ("events.csv", facts["events"], ("kind", "code", "severity")),
    ):  # fmt: skip
        pat = _index(table["patient_key"], patients)
        epi = _index(table["episode_key"], episodes)
        # an episode of another patient is not this record's episode
        epi = np.where((epi >= 0) & (ep_patient[np.maximum(epi, 0)] == pat), epi, -1)
        ref = np.where(epi >= 0, start[np.maximum(epi, 0)], first_start[np.maximum(pat, 0)])
        day = _days(table["day"]) - ref
        keep = np.flatnonzero((pat >= 0) & np.isfinite(day))
        coded = {c.name for c in ROW_FILES[name] if c.method == CODED}
        cols = [_take(study, pat), _take(study_ep, epi), _ints(day)]
        cols += [_codes(table[c]) if c in coded else table[c] for c in extra]
        order = keep[np.argsort(rank[pat[keep]], kind="stable")]
        files[name] = _csv(ROW_FILES[name], cols, order)
        rows[name] = len(order)

    # aggregate tables
    suppressed = 0
    counted = [
        {"formulation": f or "never_dosed", "sex": s, "age": a}
        for f, s, a, k in zip(
            _codes(ep["formulation"]).to_pylist(),
            _codes(ep["sex"]).to_pylist(),
            ages.to_pylist(),
            keep_ep,
            strict=True,
        )
        if k
    ]
    aggregate_columns: dict[str, tuple[Column, ...]] = {}
    for name, (label, key, fixed) in AGGREGATES.items():
        row_groups = sorted({str(e["formulation"]) for e in counted})
        col_groups = list(fixed) or sorted({key(e) for e in counted})
        col_groups += sorted({key(e) for e in counted} - set(col_groups))
        grid = [[0] * (len(col_groups) + 1) for _ in range(len(row_groups) + 1)]
        for e in counted:
            i, j = row_groups.index(str(e["formulation"])), col_groups.index(key(e))
            for a, b in ((i, j), (i, -1), (-1, j), (-1, -1)):
                grid[a][b] += 1
        shown = suppress(grid)
        suppressed += sum(v is None for r in shown for v in r)
        header = ["formulation", *col_groups, "total"]
        aggregate_columns[name] = (
            _group_col("formulation"),
            *(_cell_col(f"{label} {g}") for g in col_groups),
            _cell_col("total"),
        )
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow(header)
        for g, r in zip([*row_groups, "total"], shown, strict=True):
            w.writerow([g, *(SUPPRESSED if v is None else str(v) for v in r)])
        files[name] = out.getvalue().encode()

    files["data_dictionary.csv"] = _dictionary({**ROW_FILES, **aggregate_columns}, files)
    files["README.txt"] = README.format(
        source=METHOD_SOURCE, top=AGE_TOP_CODE, top1=AGE_TOP_CODE - 1, small=SMALL_CELL
    ).encode()
    return Export(files, len(patients), rows["episodes.csv"], rows, suppressed)


def _dictionary(columns: dict[str, tuple[Column, ...]], files: dict[str, bytes]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(DICTIONARY_COLUMNS)
    for name, cols in columns.items():
        header = files[name].split(b"\n", 1)[0].decode().split(",")
        # the aggregate headers are groups; the dictionary names the columns as written
        for written, col in zip(header, cols, strict=True):
            w.writerow([name, written, col.type, col.meaning, col.method])
    return out.getvalue().encode()


README = """De-identified export of the naltrexone program's analytic facts (naltrack).

Method: {source}. No direct identifier leaves: no name, record number, contact detail,
address, geography, free text or key of the clinic's own data. Patients and episodes carry
study ids drawn at random for this export only (study_id, episode_id); they are not derived
from any identifier and differ in every export, so two exports cannot be linked by them.
Dates: every date is a whole number of days from the start of the record's episode (records
outside an episode: from the start of the patient's first episode); only the calendar year
of an episode's start is kept. Ages above {top1} are one group, "{top}+". Coded values are
vocabulary codes; any other text is "other". The clinic is a label drawn at random.
Aggregate tables (counts_*.csv) count episodes by formulation; a count from 1 to {small} - 1
is written "suppressed", and whenever a row or column (total included) has exactly one
suppressed cell, its smallest other non-zero cell is suppressed too (complementary
suppression), so that no suppressed cell can be recovered from a total.
data_dictionary.csv describes every column of every file and how it was de-identified.
The measures' definitions: docs/measures.md of naltrack.
"""
