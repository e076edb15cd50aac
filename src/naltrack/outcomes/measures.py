"""The outcome and quality measures (issue 14; clinical-reference.md Part B §9), written once as
Ibis expressions over the analytic facts (`naltrack.outcomes.facts`) and run on whichever engine
holds them: embedded DuckDB by default, PySpark for a network's pooled store.

Every threshold comes from the clinic policy (`coverage.gap_allowed`,
`outcomes.adherence_threshold`) or `naltrack.clinical.outcomes`; the one-patient functions of
`naltrack.clinical.coverage` and `clinical.outcomes.time_on_treatment` are the reference each
per-episode figure is tested against.

Coverage intervals, vectorised (carry-forward of overlapping supply). For the doses of an episode
sorted by day, with day numbers d_i and spans s_i (`covered_days`) and S_i = s_1 + ... + s_i,
the i-th dose covers [e_i - s_i, e_i) where e_i = S_i + max_{j<=i}(d_j - S_{j-1}): a cumulative
sum and a cumulative max, two window functions. (By induction: `coverage.merge_supply` ends the
i-th dose's supply at max(e_{i-1}, d_i) + s_i; subtracting S_i gives
max(e_{i-1} - S_{i-1}, d_i - S_{i-1}).) The uncovered runs are the gaps between consecutive
intervals.

`ibis` costs about 0.4 s to import and pyarrow (the facts' schemas) about 0.17 s: pages import
this module, so both are imported inside the functions that build or run expressions, never at
module level (importing this module loads neither).
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from naltrack.clinical.coverage import gap_allowed
from naltrack.clinical.errors import InputError
from naltrack.clinical.outcomes import (
    AGE_BANDS,
    CENSORING_END_KINDS,
    CONTINUITY_DAYS,
    CRAVING_DAYS_AFTER_INJECTION,
    DAYS_PER_MONTH,
    RETENTION_MILESTONES,
    UDS_EXPECTED_EVERY_DAYS,
    adherence_threshold,
    age_band,
    coverage_terms,
)
from naltrack.clinical.policy import Policy

if TYPE_CHECKING:
    from ibis.backends import BaseBackend
    from ibis.expr.types import BooleanValue, IntegerValue, Table

EPOCH = date(1970, 1, 1)
PER_100 = 100  # rates are per 100 injections, patient-days or patient-months
CI_LEVEL = 0.95  # confidence of the craving and PHQ-9 intervals
# The facts' vocabulary (naltrack.outcomes.facts).
INJECTION = "xr_injection"
FORMULATIONS = ("oral", INJECTION, "implant")
URINE_SCREEN, CRAVING, PHQ9, OPIOID_USE = "urine_screen", "craving", "phq9", "opioid_use"
SIDE_EFFECT, INJECTION_SITE, OVERDOSE, ALERT = "side_effect", "injection_site", "overdose", "alert"
ALL = "All patients"
ALL_DIMENSION = "all"  # the whole program's row and curve
TABLE_PREFIX = "naltrack_facts_"  # the views load_facts registers on a backend

Row = list[Any]
Records = list[dict[str, Any]]


@dataclass(frozen=True)
class Facts:
    """The four fact tables as Ibis tables of one backend, and the extract's covered runs
    (`facts.COVERAGE`) when it wrote them (None: built from the doses)."""

    episodes: Table
    doses: Table
    observations: Table
    events: Table
    coverage: Table | None = None


@dataclass(frozen=True)
class Measure:
    title: str
    columns: list[str]
    rows: list[Row]
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "note": self.note}


class TableCache:
    """Tables several measures share (intervals, per-episode continuity and PDC), computed once
    on the backend and dropped by `release`. DuckDB: a temporary table (ibis' own `cache` cannot
    drop it there with the sqlglot installed: its DROP statement loses the table's name);
    other engines: `Table.cache` (Spark: a persisted DataFrame)."""

    def __init__(self, con: BaseBackend) -> None:
        self.con = con
        self.tables: dict[str, Table] = {}
        self.temporary: list[str] = []

    def get(self, name: str, build: Callable[[], Table]) -> Table:
        if name not in self.tables:
            expr = build()
            if self.con.name == "duckdb":
                temp = f"naltrack_measure_{name}_{uuid.uuid4().hex}"
                self.tables[name] = self.con.create_table(temp, expr, temp=True)
                self.temporary.append(temp)
            else:
                self.tables[name] = expr.cache()
        return self.tables[name]

    def release(self) -> None:
        for temp in self.temporary:
            self.con.raw_sql(f'DROP TABLE IF EXISTS "{temp}"')
        if self.con.name != "duckdb":
            for t in self.tables.values():
                t.release()
        self.tables, self.temporary = {}, []


@dataclass(frozen=True)
class Context:
    """What every measure reads: the facts, the policy and the days (as day numbers since
    1970-01-01, `day_number`) of the period and of the data's end; with a `cache`, the tables
    several measures share are computed once."""

    facts: Facts
    policy: Policy
    period_start: int
    period_end: int
    as_of: int
    cache: TableCache | None = None

    def shared(self, name: str, build: Callable[[], Table]) -> Table:
        return build() if self.cache is None else self.cache.get(name, build)

    def release(self) -> None:
        if self.cache is not None:
            self.cache.release()

    @property
    def gap(self) -> int:
        return gap_allowed(self.policy)

    @property
    def last(self) -> int:
        """The period's last day with data: its end, or as_of when earlier."""
        return min(self.period_end, self.as_of)


def day_number(day: date) -> int:
    return (day - EPOCH).days


# --- engines ------------------------------------------------------------------------------------


def duckdb_backend() -> BaseBackend:
    """An embedded, in-memory DuckDB (the default engine)."""
    import ibis

    return ibis.duckdb.connect()


def spark_backend(session: Any) -> BaseBackend:
    """The measures on Spark: `session` is a SparkSession, local or a cluster's. A network of
    clinics pools its facts (each clinic's extract under one store, the `clinic` column telling
    them apart) and runs the same measures there:

        spark = SparkSession.builder.master("spark://host:7077").getOrCreate()
        con = spark_backend(spark)
        load_facts(con, "s3a://network-store/outcomes/facts")
        compute_all(con, policy=..., period_start=..., period_end=..., as_of=...)
    """
    import ibis

    return ibis.pyspark.connect(session)


def load_facts(con: BaseBackend, directory: Path | str) -> Facts:
    """The fact tables of `<directory>/<table>/*.parquet`, registered on `con` as views
    (`registered_facts`). A local table folder with no file yet gives an empty table with the
    facts' schema; a URL (`s3a://...`, `hdfs://...`: a cluster's store) is read as it is."""
    import ibis

    from .facts import COVERAGE, TABLES

    remote = isinstance(directory, str) and "://" in directory
    for name, schema in TABLES.items():
        view = TABLE_PREFIX + name
        if remote:
            t = con.read_parquet(f"{str(directory).rstrip('/')}/{name}/*.parquet")
            con.create_view(view, t.select(*schema.names), overwrite=True)
            continue
        folder = Path(directory) / name
        if folder.is_dir() and any(folder.glob("*.parquet")):
            t = con.read_parquet(str(folder / "*.parquet"))
            con.create_view(view, t.select(*schema.names), overwrite=True)
        else:
            empty = ibis.memtable(schema.empty_table())
            con.create_view(view, empty, overwrite=True)
    # The derived covered runs: read when the extract wrote them (a pooled store's are not: the
    # runs are built there from the pooled doses).
    view = TABLE_PREFIX + "coverage"
    derived = None if remote else Path(directory) / "coverage"
    if derived is not None and derived.is_dir() and any(derived.glob("*.parquet")):
        t = con.read_parquet(str(derived / "*.parquet"))
        con.create_view(view, t.select(*COVERAGE.names), overwrite=True)
    else:
        _drop_view(con, view)
    return registered_facts(con)


def _drop_view(con: BaseBackend, name: str) -> None:
    # (ibis' drop_view loses the name with the sqlglot installed, as TableCache notes)
    con.raw_sql(
        f'DROP VIEW IF EXISTS "{name}"' if con.name == "duckdb" else f"DROP VIEW IF EXISTS {name}"
    )


def registered_facts(con: BaseBackend) -> Facts:
    """The fact tables `load_facts` registered on `con`."""
    from ibis.common.exceptions import TableNotFound

    from .facts import TABLES

    tables = {name: con.table(TABLE_PREFIX + name) for name in TABLES}
    try:
        coverage = con.table(TABLE_PREFIX + "coverage")
    except TableNotFound:
        coverage = None
    return Facts(**tables, coverage=coverage)


def register_tables(con: BaseBackend, tables: Mapping[str, Any]) -> Facts:
    """Facts given as Arrow tables (in memory), registered as `load_facts` registers files; a
    table not given is empty."""
    import ibis

    from .facts import TABLES

    for name, schema in TABLES.items():
        data = tables.get(name)
        t = ibis.memtable(data if data is not None else schema.empty_table())
        con.create_view(TABLE_PREFIX + name, t.select(*schema.names), overwrite=True)
    _drop_view(con, TABLE_PREFIX + "coverage")
    return registered_facts(con)


def retention_counts(
    con: BaseBackend,
    *,
    policy: Policy,
    as_of: date,
    days: Sequence[int],
    first_dose_from: date | None = None,
    first_dose_to: date | None = None,
) -> dict[int, tuple[int, int]]:
    """Retention at each of `days` from the first dose, as (eligible, retained), over the facts
    registered on `con`: the `retention_milestones` measure's own expression (continuity_expr),
    for first doses from `first_dose_from` (the earliest when None) to `first_dose_to` (as_of
    when None). The program report reads its retention here, so that it and the Outcomes page
    have one definition."""
    start = day_number(first_dose_from) if first_dose_from is not None else -(10**7)  # no bound
    end = day_number(first_dose_to if first_dose_to is not None else as_of)
    ctx = Context(registered_facts(con), policy, start, end, day_number(as_of), TableCache(con))
    try:
        t = continuity_expr(ctx, tuple(days))
        recs = {r["wid"]: r for r in _run(con, _continuity_counts(t, "wid"))}
    finally:
        ctx.release()
    return {
        m: (recs.get(m, {}).get("eligible", 0), recs.get(m, {}).get("continuous", 0)) for m in days
    }


def _run(con: BaseBackend, expr: Table) -> Records:
    records: Records = con.to_pyarrow(expr).to_pylist()
    return records


# --- coverage: intervals, windows, runs ---------------------------------------------------------


def _n(col: Any) -> IntegerValue:
    """A date column as day numbers (days since 1970-01-01)."""
    return col.epoch_days().cast("int64")


def doses_known(ctx: Context) -> Table:
    d = ctx.facts.doses
    return d.filter(d.episode_key.notnull(), _n(d.day) <= ctx.as_of)


def intervals(ctx: Context) -> Table:
    """The covered runs [iv_start, iv_end) (day numbers) of each episode: each dose's effective
    interval, supply carried forward (module docstring), contiguous ones joined: ek (the
    episode's number, `episode_numbers`), iv_start, iv_end."""
    return ctx.shared("intervals", lambda: _intervals(ctx))


def episode_numbers(ctx: Context) -> Table:
    """episode_key -> ek, a whole number per episode: the windows sort on it (faster than on the
    text key)."""
    return ctx.shared("numbers", lambda: _episode_numbers(ctx))


def _episode_numbers(ctx: Context) -> Table:
    import ibis

    e = ctx.facts.episodes.select("episode_key").distinct()
    return e.mutate(ek=ibis.row_number().over(order_by=e.episode_key).cast("int64"))


def _intervals(ctx: Context) -> Table:
    import ibis

    c = ctx.facts.coverage
    if c is None:
        return covered_runs(doses_known(ctx), episode_numbers(ctx))
    # The extract's covered runs (coverage_of, over every dose it wrote), as known on as_of: the
    # runs starting by then, cut at the day after it. A dose given after as_of changes nothing
    # before it: it covers only days after its own (carry-forward never reaches back), and the
    # run it extends had already reached past as_of. So on every day up to as_of these are the
    # runs built from the doses up to as_of, and every measure reads only windows ending by as_of
    # (a continuity window not yet passed is not counted).
    c = c.join(episode_numbers(ctx), "episode_key")
    c = c.select("ek", iv_start=_n(c.covered_from), iv_end=_n(c.covered_until))
    c = c.filter(c.iv_start <= ctx.as_of)
    return c.mutate(iv_end=ibis.least(c.iv_end, ctx.as_of + 1))


def covered_runs(doses: Table, numbers: Table) -> Table:
    """The covered runs of the `doses` (episode_key, day, covered_days) of each episode numbered
    in `numbers` (episode_key, ek): ek, iv_start, iv_end (day numbers; iv_end not covered)."""
    import ibis

    # Only what the windows need (every window sorts its rows; narrow rows sort faster). Doses of
    # one day are taken in order of their days supplied: any order gives the same covered days.
    d = doses.select(
        "episode_key", dn=_n(doses.day),
        span=doses.covered_days.cast("int64").fill_null(0),
    )  # fmt: skip
    # Two cumulative windows, both over a whole number per episode (sorting on it is faster
    # than on the text key): cum = S_i, then m = max_{j<=i}(d_j - S_{j-1}) (module docstring).
    d = d.join(numbers, "episode_key").select("ek", "dn", "span")
    w = ibis.cumulative_window(group_by=d.ek, order_by=[d.dn, d.span])
    d = d.mutate(cum=d.span.sum().over(w))
    w = ibis.cumulative_window(group_by=d.ek, order_by=[d.dn, d.span])
    d = d.mutate(m=(d.dn - d.cum + d.span).max().over(w))
    # Dose i covers [m_i + S_{i-1}, m_i + S_i), and starts a new covered run exactly when
    # m_i > m_{i-1} (its start S_{i-1} + m_i against the previous end S_{i-1} + m_{i-1}). m never
    # decreases, so the doses of one covered run are those with one value of m and one aggregate
    # joins them, as the core's merge_supply does (a dose after a gap starts a run, a zero-day
    # one included): fewer rows for every measure that reads them, the same days covered and the
    # same uncovered runs.
    runs = d.group_by("ek", "m").aggregate(
        iv_start=(d.m + d.cum - d.span).min(), iv_end=(d.m + d.cum).max()
    )
    return runs.select("ek", "iv_start", "iv_end")


def coverage_of(dose_files: Sequence[Path]) -> Any:
    """The covered runs of every dose in the Parquet `dose_files` (the facts' doses), as an Arrow
    table of `facts.COVERAGE`, built on an embedded DuckDB by `covered_runs`: what the extract
    writes beside the doses for the measures to read."""
    import ibis
    import pyarrow as pa

    from .facts import COVERAGE, DOSES

    con = duckdb_backend()
    if dose_files:
        doses = con.read_parquet([str(f) for f in dose_files]).select(*DOSES.names)
    else:
        doses = ibis.memtable(DOSES.empty_table())
    doses = doses.filter(doses.episode_key.notnull())
    keys = doses.select("episode_key").distinct()
    numbers = keys.mutate(ek=ibis.row_number().over(order_by=keys.episode_key).cast("int64"))
    runs = covered_runs(doses, numbers).join(numbers, "ek")
    runs = runs.select("episode_key", "iv_start", "iv_end").order_by(["episode_key", "iv_start"])
    t = con.to_pyarrow(runs)
    return pa.table(
        [
            t["episode_key"],
            t["iv_start"].cast(pa.int32()).cast(pa.date32()),
            t["iv_end"].cast(pa.int32()).cast(pa.date32()),
        ],
        schema=COVERAGE,
    )


def window_stats(ctx: Context, windows: Table) -> Table:
    """For each window (episode_key, wid, w_start, w_end: day numbers, both ends included): the
    days covered in it, its longest uncovered run and the first day of its first uncovered run
    longer than the policy's gap (null: none), each run cut at the window's edges as
    `coverage.clip` cuts them."""
    import ibis

    iv = intervals(ctx)
    cols = ("episode_key", "wid", "w_start", "w_end")
    windows = windows.select(*cols).join(episode_numbers(ctx), "episode_key")
    inside = windows.join(iv, "ek").filter(lambda t: t.iv_start <= t.w_end)
    inside = inside.select(*cols, "ek", "iv_start", "iv_end")
    # A sentinel interval just after each window closes the run that reaches the window's end
    # (and makes a window with no dose one run).
    sentinel = windows.select(
        *cols,
        "ek",
        iv_start=(windows.w_end + 1).cast("int64"),
        iv_end=(windows.w_end + 1).cast("int64"),
    )
    t = inside.union(sentinel)
    w = ibis.window(group_by=[t.ek, t.wid], order_by=[t.iv_start, t.iv_end])
    t = t.mutate(prev_end=t.iv_end.lag().over(w))
    run_start = ibis.greatest(t.prev_end.fill_null(t.w_start), t.w_start)
    run_len = ibis.least(t.iv_start, t.w_end + 1) - run_start
    covered = ibis.greatest(
        ibis.least(t.iv_end, t.w_end + 1) - ibis.greatest(t.iv_start, t.w_start), 0
    )
    t = t.mutate(run_start=run_start, run_len=run_len, covered=covered)
    long_start = ibis.ifelse(t.run_len > ctx.gap, t.run_start, ibis.null("int64"))
    return t.group_by(*cols).aggregate(
        covered=t.covered.sum(),
        longest_run=ibis.greatest(t.run_len.max(), 0),
        first_long_start=long_start.min(),
    )


def dosed_episodes(ctx: Context) -> Table:
    """Episodes dosed by as_of, with F (first dose) and E (end) as day numbers and `censor`, the
    day follow-up ends early (transfer, referral out, death; null otherwise)."""
    import ibis

    e = ctx.facts.episodes
    e = e.filter(e.first_dose.notnull(), _n(e.first_dose) <= ctx.as_of)
    censored = e.end_kind.isin(CENSORING_END_KINDS) & e.end_date.notnull()
    return e.mutate(
        F=_n(e.first_dose),
        E=_n(e.end_date),
        censor=ibis.ifelse(censored, _n(e.end_date), ibis.null("int64")),
    )


def cohort(ctx: Context) -> Table:
    """Episodes whose index start (first dose) is in the period."""
    e = dosed_episodes(ctx)
    return e.filter(e.F.between(ctx.period_start, ctx.period_end))


# --- continuity and retention -------------------------------------------------------------------


def continuity_expr(ctx: Context, days: Sequence[int]) -> Table:
    """Per episode of the cohort and each day count m: `due` (the window of m days from the
    first dose has passed by as_of: F + m <= as_of, as the program report asks), `ended` (the
    episode was transferred, referred out or died before the window's last day: out of the
    denominator), `continuous` (no uncovered run longer than the gap in [F, F + m - 1], the
    trailing one included: `coverage.retained`)."""
    import ibis

    c = cohort(ctx)
    windows = ibis.union(
        *[
            c.select("episode_key", wid=ibis.literal(m, "int64"), w_start=c.F, w_end=c.F + (m - 1))
            for m in days
        ]
    )
    stats = window_stats(ctx, windows)
    j = stats.join(c.select("episode_key", "F", "censor"), "episode_key")
    return j.select(
        "episode_key",
        "wid",
        due=(j.F + j.wid) <= ctx.as_of,
        ended=j.censor.notnull() & (j.censor < j.w_end),
        continuous=j.longest_run <= ctx.gap,
    )


CONTINUITY_WINDOWS = tuple(sorted({CONTINUITY_DAYS, *RETENTION_MILESTONES}))


def continuity(ctx: Context, days: int) -> Table:
    """`continuity_expr` for one day count (shared by the measures that read it)."""
    t = ctx.shared("continuity", lambda: continuity_expr(ctx, CONTINUITY_WINDOWS))
    return t.filter(t.wid == days)


def _int(v: BooleanValue) -> IntegerValue:
    return v.cast("int64")


def _continuity_counts(t: Table, *keys: str) -> Table:
    counted = t.due & ~t.ended
    return t.group_by(*keys).aggregate(
        episodes=t.count(),
        not_due=_int(~t.due).sum(),
        ended=_int(t.due & t.ended).sum(),
        eligible=_int(counted).sum(),
        continuous=_int(counted & t.continuous).sum(),
    )


def _rate(num: int | None, den: int | float | None) -> float | None:
    return None if not den else (num or 0) / den


def continuity_measure(con: BaseBackend, ctx: Context) -> Measure:
    t = continuity(ctx, CONTINUITY_DAYS)
    recs = _run(con, _continuity_counts(t, "wid"))
    r = recs[0] if recs else {}
    row = [r.get(k) or 0 for k in ("episodes", "not_due", "ended", "eligible", "continuous")]
    return Measure(
        f"Continuity of pharmacotherapy: {CONTINUITY_DAYS} days (NQF 3175 style)",
        [
            "index_starts",
            "window_not_passed",
            "ended_before_window",
            "eligible",
            "continuous",
            "rate",
        ],
        [[*row, _rate(row[4], row[3])]],
        f"Index start: the first dose, in the period. Continuous: no uncovered run longer than "
        f"{gap_allowed(ctx.policy)} days in the {CONTINUITY_DAYS} days from the index (the last "
        "run included), coverage from each dose's covered days with overlapping supply carried "
        "forward. Denominator: index starts whose window passed by the as-of day (index + "
        f"{CONTINUITY_DAYS} days <= as_of), less those transferred, referred out or who died "
        "before the window's last day (Part B §9, S13).",
    )


def continuity_by_cohort_measure(con: BaseBackend, ctx: Context) -> Measure:
    t = continuity(ctx, CONTINUITY_DAYS)
    e = ctx.facts.episodes
    t = t.join(e.select("episode_key", "first_dose"), "episode_key")
    import ibis

    year = t.first_dose.year().cast("int64")
    both = ibis.union(
        t.mutate(kind=ibis.literal("month"), year=year, part=t.first_dose.month().cast("int64")),
        t.mutate(
            kind=ibis.literal("quarter"), year=year, part=t.first_dose.quarter().cast("int64")
        ),
    )
    rows: list[Row] = []
    recs = _run(con, _continuity_counts(both, "kind", "year", "part"))
    for r in sorted(recs, key=lambda r: (r["kind"], r["year"], r["part"])):
        label = (
            f"{r['year']}-{r['part']:02d}" if r["kind"] == "month" else f"{r['year']}-Q{r['part']}"
        )
        rows.append([r["kind"], label, r["eligible"], r["continuous"],
                     _rate(r["continuous"], r["eligible"])])  # fmt: skip
    return Measure(
        f"Continuity ({CONTINUITY_DAYS} days) by month and quarter of the index start",
        ["cohort", "start", "eligible", "continuous", "rate"],
        rows,
        "As continuity_180, by the calendar month and quarter of the first dose.",
    )


def retention_measure(con: BaseBackend, ctx: Context) -> Measure:
    t = ctx.shared("continuity", lambda: continuity_expr(ctx, CONTINUITY_WINDOWS))
    t = t.filter(t.wid.isin(RETENTION_MILESTONES))
    recs = {r["wid"]: r for r in _run(con, _continuity_counts(t, "wid"))}
    rows = []
    for m in RETENTION_MILESTONES:
        r = recs.get(m, {})
        rows.append(
            [
                m,
                r.get("eligible", 0),
                r.get("continuous", 0),
                _rate(r.get("continuous"), r.get("eligible")),
            ]
        )
    return Measure(
        "Retention at day 30, 90, 180 and 365 from the first dose",
        ["day", "eligible", "retained", "rate"],
        rows,
        "Retained at day m: continuous (as continuity_180) for the m days from the first dose; "
        "the same denominator rules (window passed by as_of; transferred, referred out or died "
        "before day m excluded). First doses in the period (Part B §9).",
    )


def time_on_treatment_expr(ctx: Context) -> Table:
    """Per episode of the cohort: days on treatment and whether discontinued, as
    `clinical.outcomes.time_on_treatment` (follow-up ends at as_of or the censoring end)."""
    import ibis

    c = cohort(ctx)
    end = ibis.least(c.censor.fill_null(ctx.as_of), ctx.as_of)
    c = c.mutate(obs=end).filter(lambda t: t.obs >= t.F)
    windows = c.select("episode_key", wid=ibis.literal(0, "int64"), w_start=c.F, w_end=c.obs)
    s = window_stats(ctx, windows)
    discontinued = s.first_long_start.notnull()
    # discontinued on the day the run became longer than the gap (clinical.outcomes)
    stopped = s.first_long_start - s.w_start + ctx.gap + 1
    days = ibis.ifelse(discontinued, stopped, s.w_end - s.w_start + 1)
    return s.select("episode_key", days=days, event=discontinued)


def time_on_treatment_measure(con: BaseBackend, ctx: Context) -> tuple[Measure, dict[str, Any]]:
    """The Kaplan-Meier input for the whole program ("all") and for each group of each
    dimension (`_dimensions`), with the curves (`kaplan_meier_curves`)."""
    import ibis

    t = time_on_treatment_expr(ctx)
    every = t.mutate(dimension=ibis.literal(ALL_DIMENSION), group=ibis.literal(ALL))
    by = _by_dimension(t, ctx.facts.episodes)
    columns = ("dimension", "group", "days", "event")
    u = ibis.union(every.select(*columns), by.select(*columns))
    counts = u.group_by("dimension", "group", "days").aggregate(
        events=_int(u.event).sum(), censored=_int(~u.event).sum()
    )
    order = [ALL_DIMENSION, *_dimensions(ctx.facts.episodes)]
    recs = sorted(
        _run(con, counts), key=lambda r: (order.index(r["dimension"]), r["group"], r["days"])
    )
    rows: list[Row] = [
        [r["dimension"], r["group"], r["days"], r["events"], r["censored"]] for r in recs
    ]
    km = kaplan_meier_curves(rows)
    return (
        Measure(
            "Time on treatment (the Kaplan-Meier input), for all and by group",
            ["dimension", "group", "days", "discontinued", "censored"],
            rows,
            "From the first dose (in the period) to discontinuation: the day the first uncovered "
            f"run became longer than {gap_allowed(ctx.policy)} days (event; so that the curve "
            "at day m is the retention at day m); censored at as_of, transfer, referral out or "
            "death (Part B §9).",
        ),
        km,
    )


def curve_label(dimension: str, group: str) -> str:
    """The name of a Kaplan-Meier curve in the results: "all", or "<dimension>: <group>"."""
    return ALL_DIMENSION if dimension == ALL_DIMENSION else f"{dimension}: {group}"


def kaplan_meier_curves(rows: Iterable[Row]) -> dict[str, Any]:
    """The curves of `naltrack.outcomes.survival.kaplan_meier` per dimension and group, from the
    rows of `time_on_treatment_measure` (dimension, group, days, discontinued, censored)."""
    from .survival import kaplan_meier

    data: dict[str, tuple[list[int], list[bool]]] = {}
    for dimension, group, days, ev, cens in rows:
        durations, events = data.setdefault(curve_label(dimension, group), ([], []))
        durations.extend([days] * (ev + cens))
        events.extend([True] * ev + [False] * cens)
    return {label: kaplan_meier(d, e).as_dict() for label, (d, e) in data.items() if d}


# --- adherence ----------------------------------------------------------------------------------


def pdc_expr(ctx: Context) -> Table:
    """Per episode: its measurement window (from the first dose or the period's start, whichever
    later, to the period's end, the episode's end or as_of, whichever earlier), days covered in
    it and PDC = covered / days (`coverage.coverage` over the window)."""
    import ibis

    e = dosed_episodes(ctx)
    start = ibis.greatest(e.F, ctx.period_start)
    end = ibis.least(e.E.fill_null(ctx.last), ctx.last)
    e = e.mutate(ws=start, we=end).filter(lambda t: t.ws <= t.we)
    s = window_stats(
        ctx, e.select("episode_key", wid=ibis.literal(0, "int64"), w_start=e.ws, w_end=e.we)
    )
    days = s.w_end - s.w_start + 1
    return s.select(
        "episode_key", covered=s.covered, days=days, pdc=s.covered.cast("float64") / days
    )


def _pdc_counts(t: Table, threshold: float, *keys: str) -> Table:
    return t.group_by(*keys).aggregate(
        episodes=t.count(), pdc_sum=t.pdc.sum(), adherent=_int(t.pdc >= threshold).sum()
    )


def pdc_measure(con: BaseBackend, ctx: Context) -> Measure:
    threshold = adherence_threshold(ctx.policy)
    t = ctx.shared("pdc", lambda: pdc_expr(ctx))
    recs = _run(con, t.aggregate(episodes=t.count(), pdc_sum=t.pdc.sum(),
                                 adherent=_int(t.pdc >= threshold).sum()))  # fmt: skip
    r = recs[0]
    n = r["episodes"] or 0
    return Measure(
        "Proportion of days covered (PQA style)",
        ["episodes", "mean_pdc", "adherent", "share_adherent"],
        [[n, _rate(r["pdc_sum"], n) if n else None, r["adherent"] or 0, _rate(r["adherent"], n)]],
        "Per episode dosed by as_of: days covered (overlapping supply carried forward) over the "
        "days from the first dose or the period's start (the later) to the period's end, the "
        f"episode's end or as_of (the earliest). Adherent: PDC >= {threshold} (PQA; Part B §9).",
    )


# --- groups -------------------------------------------------------------------------------------


def _dimensions(e: Table) -> dict[str, Any]:
    """The grouping columns of an episode: (dimension name -> string expression)."""
    import ibis

    bands = [
        (
            (e.age_at_start >= low) if high is None else e.age_at_start.between(low, high),
            age_band(low),
        )
        for low, high in AGE_BANDS
    ]
    lowest = AGE_BANDS[0][0]
    age = ibis.cases(*bands, (e.age_at_start < lowest, age_band(lowest - 1)), else_="unknown")
    indication = ibis.cases(
        (e.treats_oud & e.treats_aud, "OUD and AUD"),
        (e.treats_oud, "OUD"),
        (e.treats_aud, "AUD"),
        else_="neither",
    )
    referral = e.referral_source.fill_null("")
    quarter = e.first_dose.year().cast("string") + "-Q" + e.first_dose.quarter().cast("string")
    return {
        "formulation": e.formulation.fill_null("none"),
        "indication": indication,
        "sex": e.sex.fill_null("unknown"),
        "age_band": age,
        "referral_source": ibis.ifelse(referral == "", "none", referral),
        "cohort": quarter,
        "clinic": e.clinic.fill_null(""),
    }


def _by_dimension(t: Table, episodes: Table) -> Table:
    import ibis

    j = t.join(episodes, "episode_key")
    dims = _dimensions(j)
    parts = [j.mutate(dimension=ibis.literal(name), group=expr) for name, expr in dims.items()]
    return ibis.union(*parts)


def by_group_measure(con: BaseBackend, ctx: Context) -> Measure:
    threshold = adherence_threshold(ctx.policy)
    e = ctx.facts.episodes
    cont = _by_dimension(continuity(ctx, CONTINUITY_DAYS), e)
    pdc = _by_dimension(ctx.shared("pdc", lambda: pdc_expr(ctx)), e)
    c = {
        (r["dimension"], r["group"]): r
        for r in _run(con, _continuity_counts(cont, "dimension", "group"))
    }
    p = {
        (r["dimension"], r["group"]): r
        for r in _run(con, _pdc_counts(pdc, threshold, "dimension", "group"))
    }
    order = list(_dimensions(ctx.facts.episodes))
    rows: list[Row] = []
    for key in sorted(set(c) | set(p), key=lambda k: (order.index(k[0]), k[1])):
        cr, pr = c.get(key, {}), p.get(key, {})
        n = pr.get("episodes") or 0
        rows.append([
            *key,
            cr.get("eligible", 0), cr.get("continuous", 0), _rate(cr.get("continuous"), cr.get("eligible")),
            n, _rate(pr.get("pdc_sum"), n) if n else None, _rate(pr.get("adherent"), n),
        ])  # fmt: skip
    return Measure(
        "Continuity and PDC by group",
        ["dimension", "group", "continuity_eligible", "continuous", "continuity_rate",
         "pdc_episodes", "mean_pdc", "share_adherent"],
        rows,
        "continuity_180 and pdc by the episode's first formulation, indication, sex, age band "
        "at the start, referral source, quarter of the first dose and clinic. Small cells are "
        "not suppressed here (the de-identified export does).",
    )  # fmt: skip


# --- abstinence and use -------------------------------------------------------------------------


def _in_period(ctx: Context, col: Any) -> Any:
    return _n(col).between(ctx.period_start, ctx.last)


def abstinence_measure(con: BaseBackend, ctx: Context) -> Measure:
    """Urine screens negative for opioids; the missing-equals-positive variant; alcohol markers.

    Missing = positive (Part B §9: "missing samples are usually counted as positive", Comer 2006;
    CTNote): an episode's weeks in treatment are counted from its first dose (week k = days
    F + 7k .. F + 7k + 6, 7 being `UDS_EXPECTED_EVERY_DAYS`); the weeks expected in the period
    are those whose first day lies between the later of the first dose and the period's start
    and the earliest of the period's end, the episode's end and as_of. A week is negative when
    it has at least one urine screen with an opioid result and none positive; a week with no
    screen, or a positive one, counts as positive. Share = negative weeks / expected weeks."""
    import ibis

    o = ctx.facts.observations
    screens = o.filter(o.kind == URINE_SCREEN, o.episode_key.notnull(), _in_period(ctx, o.day))
    opioid = screens.filter(screens.opioid_positive.notnull())
    alcohol = screens.filter(screens.alcohol_positive.notnull())
    simple = ibis.union(
        opioid.aggregate(what=ibis.literal("opioid"), n=opioid.count().cast("int64"),
                         negative=_int(~opioid.opioid_positive).sum().cast("int64")),
        alcohol.aggregate(what=ibis.literal("alcohol"), n=alcohol.count().cast("int64"),
                          negative=_int(~alcohol.alcohol_positive).sum().cast("int64")),
    )  # fmt: skip
    every = UDS_EXPECTED_EVERY_DAYS
    e = dosed_episodes(ctx)
    a = ibis.greatest(e.F, ctx.period_start)
    b = ibis.least(e.E.fill_null(ctx.last), ctx.last)
    e = e.mutate(k0=(a - e.F + (every - 1)) // every, k1=(b - e.F) // every)
    e = e.filter(e.k1 >= e.k0)
    expected = e.aggregate(weeks=(e.k1 - e.k0 + 1).sum())
    s = ctx.facts.observations
    s = s.filter(s.kind == URINE_SCREEN, s.opioid_positive.notnull(), _n(s.day) <= ctx.as_of)
    j = s.join(e.select("episode_key", "F", "k0", "k1"), "episode_key")
    j = j.mutate(k=(_n(j.day) - j.F) // every).filter(lambda t: t.k.between(t.k0, t.k1))
    weeks = j.group_by("episode_key", "k").aggregate(pos=_int(j.opioid_positive).sum())
    negative = weeks.aggregate(negative=_int(weeks.pos == 0).sum())
    none = ibis.null("int64")
    recs = {r["what"]: r for r in _run(con, ibis.union(
        simple,
        expected.select(what=ibis.literal("weeks"), n=expected.weeks.cast("int64"), negative=none),
        negative.select(what=ibis.literal("negative weeks"), n=negative.negative.cast("int64"),
                        negative=none),
    ))}  # fmt: skip
    exp = recs["weeks"]["n"] or 0
    neg = recs["negative weeks"]["n"] or 0
    rows: list[Row] = []
    for what in ("opioid", "alcohol"):
        r = recs.get(what, {})
        rows.append([f"{what}: screens negative", r.get("n") or 0, r.get("negative") or 0,
                     _rate(r.get("negative"), r.get("n"))])  # fmt: skip
    rows.insert(1, ["opioid: weeks negative, missing = positive", exp, neg, _rate(neg, exp)])
    return Measure(
        "Abstinence by urine drug screen",
        ["measure", "denominator", "negative", "share"],
        rows,
        "Urine screens in the period with an opioid (alcohol: a recorded alcohol marker) "
        "result; the missing-equals-positive share counts one expected screen per "
        f"{every} days of treatment from the first dose, a week without a negative screen (or "
        "with a positive one) as positive (Part B §9, Comer 2006; CTNote).",
    )


def use_reports(ctx: Context) -> Table:
    """Days an episode's patient reported opioid use (a check-in or an administration's
    question), once per day: episode_key, dn."""
    import ibis

    o = ctx.facts.observations
    o = o.filter(o.kind == OPIOID_USE, o.opioid_positive, o.episode_key.notnull())
    d = ctx.facts.doses
    d = d.filter(d.opioid_use_reported, d.episode_key.notnull())
    both = ibis.union(o.select("episode_key", dn=_n(o.day)), d.select("episode_key", dn=_n(d.day)))
    both = both.filter(both.dn <= ctx.as_of)
    return both.distinct()


def first_use_measure(con: BaseBackend, ctx: Context) -> Measure:
    c = cohort(ctx)
    u = use_reports(ctx).join(c.select("episode_key", "F"), "episode_key")
    u = u.filter(u.dn >= u.F)
    first = u.group_by("episode_key").aggregate(days=(u.dn - u.F).min())
    import ibis

    dist = first.group_by(days=first.days.cast("int64")).aggregate(n=first.count().cast("int64"))
    everyone = c.aggregate(days=ibis.null("int64"), n=c.count().cast("int64"))
    days: list[int] = []
    total = 0
    for r in _run(con, ibis.union(dist, everyone)):
        if r["days"] is None:
            total = r["n"] or 0
        else:
            days.extend([r["days"]] * r["n"])
    median = float(statistics.median(days)) if days else None
    return Measure(
        "Time to first reported opioid use",
        ["episodes", "reported_use", "share", "median_days"],
        [[total, len(days), _rate(len(days), total), median]],
        "First doses in the period; days from the first dose to the first day the patient "
        "reported opioid use (check-in or at an administration), up to as_of. Median among "
        "those who reported use (not a Kaplan-Meier median: no censoring).",
    )


def use_in_coverage_measure(con: BaseBackend, ctx: Context) -> Measure:
    import ibis

    e = dosed_episodes(ctx)
    e = e.mutate(
        ws=ibis.greatest(e.F, ctx.period_start), we=ibis.least(e.E.fill_null(ctx.last), ctx.last)
    )
    e = e.filter(e.ws <= e.we)
    # The same windows as the PDC's (pdc_expr): their days and days covered are read there.
    s = ctx.shared("pdc", lambda: pdc_expr(ctx))
    days = s.aggregate(what=ibis.literal("days"), n=s.days.sum().cast("int64"))
    covered_sum = s.aggregate(what=ibis.literal("covered days"), n=s.covered.sum().cast("int64"))
    u = use_reports(ctx).join(e.select("episode_key", "ws", "we"), "episode_key")
    u = u.filter(u.dn.between(u.ws, u.we)).join(episode_numbers(ctx), "episode_key")
    iv = intervals(ctx)
    hit = u.join(iv, [u.ek == iv.ek, iv.iv_start <= u.dn, u.dn < iv.iv_end])
    counts = ibis.union(
        u.aggregate(what=ibis.literal("all"), n=u.count().cast("int64")),
        hit.aggregate(what=ibis.literal("covered"), n=hit.count().cast("int64")),
        days,
        covered_sum,
    )
    n = {r["what"]: r["n"] or 0 for r in _run(con, counts)}
    all_days, covered_days = n.get("days", 0), n.get("covered days", 0)
    inside, outside = n.get("covered", 0), n.get("all", 0) - n.get("covered", 0)
    rows = [
        ["covered", inside, covered_days, _rate(PER_100 * inside, covered_days)],
        ["not covered", outside, all_days - covered_days,
         _rate(PER_100 * outside, all_days - covered_days)],
    ]  # fmt: skip
    return Measure(
        "Opioid use reported during and outside medication coverage",
        ["days", "use_reports", "patient_days", "per_100_patient_days"],
        rows,
        "Days with reported opioid use in the period, inside an episode's treatment (from the "
        "first dose to its end or as_of), on a covered day or not; patient-days of each kind.",
    )


# --- craving and mood ---------------------------------------------------------------------------


def _mean_ci(n: int, total: float, squares: float) -> tuple[float, float | None, float | None]:
    """Mean and its normal-approximation confidence interval (mean ± z·s/√n, s the sample
    standard deviation, z the normal quantile of `CI_LEVEL`); no interval for one value."""
    mean = total / n
    if n < 2:
        return mean, None, None
    var = max(0.0, (squares - n * mean * mean) / (n - 1))
    z = statistics.NormalDist().inv_cdf(0.5 + CI_LEVEL / 2)
    half = z * math.sqrt(var / n)
    return mean, mean - half, mean + half


def _score_rows(con: BaseBackend, t: Table, key: str) -> list[Row]:
    """The scores (`value`) of `t` by `key`: key, n, mean and its interval (`_mean_ci`)."""
    agg = t.group_by(key).aggregate(
        n=t.count(), total=t.value.sum(), squares=(t.value * t.value).sum()
    )
    rows: list[Row] = []
    for r in sorted(_run(con, agg), key=lambda r: r[key]):
        mean, low, high = _mean_ci(r["n"], r["total"], r["squares"])
        rows.append([r[key], r["n"], mean, low, high])
    return rows


def craving_measure(con: BaseBackend, ctx: Context) -> Measure:
    o = ctx.facts.observations
    o = o.filter(o.kind == CRAVING, o.value.notnull(), _in_period(ctx, o.day))
    d = ctx.facts.doses
    inj = d.filter(d.formulation == INJECTION, _n(d.day) <= ctx.as_of)
    inj = inj.select(inj_patient=inj.patient_key, inj_day=_n(inj.day))
    o = o.mutate(dn=_n(o.day))
    j = o.join(inj, [o.patient_key == inj.inj_patient, inj.inj_day <= o.dn])
    last = j.group_by("obs_key", "dn", "value").aggregate(last=j.inj_day.max())
    last = last.mutate(since=last.dn - last.last).filter(
        lambda t: t.since <= CRAVING_DAYS_AFTER_INJECTION
    )
    return Measure(
        "Craving (0-10) by days since the last injection",
        ["day", "n", "mean", "lower_95", "upper_95"],
        _score_rows(con, last, "since"),
        f"Craving ratings in the period, by days (0-{CRAVING_DAYS_AFTER_INJECTION}) since the "
        "patient's last injection on or before the rating; mean with a normal-approximation 95% "
        "interval (mean ± 1.96 s/√n; none for a single rating).",
    )


def phq9_measure(con: BaseBackend, ctx: Context) -> Measure:
    c = cohort(ctx)
    o = ctx.facts.observations
    o = o.filter(o.kind == PHQ9, o.value.notnull(), _n(o.day) <= ctx.as_of)
    j = o.join(c.select("episode_key", "F"), "episode_key")
    j = j.mutate(month=(_n(j.day) - j.F) // DAYS_PER_MONTH).filter(lambda t: t.month >= 0)
    return Measure(
        "PHQ-9 by month since the first dose",
        ["month", "n", "mean", "lower_95", "upper_95"],
        _score_rows(con, j, "month"),
        f"PHQ-9 totals of episodes whose first dose is in the period, by {DAYS_PER_MONTH}-day "
        "month from the first dose (month 0: days 0 to 29), up to as_of; mean with a "
        "normal-approximation 95% interval.",
    )


# --- safety -------------------------------------------------------------------------------------


def safety_measure(con: BaseBackend, ctx: Context) -> Measure:
    import ibis

    d = ctx.facts.doses
    inj = d.filter(d.formulation == INJECTION, _in_period(ctx, d.day))
    ev = ctx.facts.events
    ev = ev.filter(_in_period(ctx, ev.day))
    isr = ev.filter(ev.kind == SIDE_EFFECT, ev.code == INJECTION_SITE)
    e = dosed_episodes(ctx)
    ws, we = ibis.greatest(e.F, ctx.period_start), ibis.least(e.E.fill_null(ctx.last), ctx.last)
    days = ibis.greatest(we - ws + 1, 0)
    counts = ibis.union(
        inj.aggregate(what=ibis.literal("injections"), n=inj.count()),
        inj.aggregate(what=ibis.literal("naloxone"), n=_int(inj.naloxone_discussed.fill_null(False)).sum()),
        e.aggregate(what=ibis.literal("days"), n=days.sum()),
        ev.group_by(what=ev.kind).aggregate(n=ev.count()),
        isr.aggregate(what=ibis.literal("isr"), n=isr.count()),
    )  # fmt: skip
    n = {r["what"]: r["n"] or 0 for r in _run(con, counts)}
    injections = n.get("injections", 0)
    months = n.get("days", 0) / DAYS_PER_MONTH
    rows: list[Row] = [
        ["injection-site reactions", n.get("isr", 0), injections, "100 injections",
         _rate(PER_100 * n.get("isr", 0), injections)],
        ["side effects", n.get(SIDE_EFFECT, 0), months, "100 patient-months",
         _rate(PER_100 * n.get(SIDE_EFFECT, 0), months)],
        ["overdoses", n.get(OVERDOSE, 0), months, "100 patient-months",
         _rate(PER_100 * n.get(OVERDOSE, 0), months)],
        ["alerts", n.get(ALERT, 0), months, "100 patient-months",
         _rate(PER_100 * n.get(ALERT, 0), months)],
        ["naloxone discussed at injection", n.get("naloxone", 0), injections, "share",
         _rate(n.get("naloxone", 0), injections)],
    ]  # fmt: skip
    return Measure(
        "Safety",
        ["measure", "events", "denominator", "per", "rate"],
        rows,
        "Events and injections in the period (to as_of). Patient-months: days in treatment (from "
        f"the first dose to the episode's end) within the period, over {DAYS_PER_MONTH}.",
    )


# --- all ----------------------------------------------------------------------------------------

MEASURES: dict[str, Callable[[Any, Context], Measure]] = {
    "continuity_180": continuity_measure,
    "continuity_by_cohort": continuity_by_cohort_measure,
    "pdc": pdc_measure,
    "retention_milestones": retention_measure,
    "abstinence_uds": abstinence_measure,
    "first_use": first_use_measure,
    "use_in_coverage": use_in_coverage_measure,
    "craving_by_day": craving_measure,
    "phq9_trajectory": phq9_measure,
    "safety": safety_measure,
    "by_group": by_group_measure,
}


def compute_all(
    con: BaseBackend,
    *,
    policy: Policy,
    period_start: date,
    period_end: date,
    as_of: date,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, Any]:
    """Every measure over the facts registered on `con` (`load_facts`) for the period, with data
    up to `as_of`. Besides the measures of the brief, `time_on_treatment` holds the Kaplan-Meier
    input (days, discontinued, censored per group) and "km" the curves. `progress` is told each
    measure before it runs (name, measures done, measures in all) and once at the end."""
    if period_end < period_start:
        raise InputError("is before period_start", "period_end")
    ctx = Context(
        registered_facts(con), policy, day_number(period_start), day_number(period_end),
        day_number(as_of), TableCache(con),
    )  # fmt: skip
    try:
        measures: dict[str, Any] = {}
        seconds: dict[str, float] = {}  # each measure's wall time (make bench prints them)
        steps = len(MEASURES) + 1
        for i, (name, build) in enumerate(MEASURES.items()):
            if progress is not None:
                progress(name, i, steps)
            began = time.perf_counter()
            measures[name] = build(con, ctx).as_dict()
            seconds[name] = round(time.perf_counter() - began, 4)
        if progress is not None:
            progress("time_on_treatment", steps - 1, steps)
        began = time.perf_counter()
        tot, km = time_on_treatment_measure(con, ctx)
        measures["time_on_treatment"] = tot.as_dict()
        seconds["time_on_treatment"] = round(time.perf_counter() - began, 4)
        if progress is not None:
            progress("done", steps, steps)
    finally:
        ctx.release()
    return {
        "as_of": as_of.isoformat(),
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat()},
        "policy_version": policy.version,
        # the policy's numbers as computed (the page draws them with the run, not today's policy)
        "terms": dataclasses.asdict(coverage_terms(policy)),
        "measures": measures,
        "km": km,
        "seconds": seconds,
    }
