"""Computing the measures over the facts and keeping the answer (issue 14): the Outcomes page
serves the last run and never computes in a request; the director's "Compute now" and
`naltrack outcomes compute` both come here."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from naltrack.accounts.actors import Console
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day

from .models import MeasureRun

if TYPE_CHECKING:
    from .extract import Progress

ENGINES = ("duckdb",)  # a network's Spark cluster runs the same measures (README, "Outcomes")


def check_period(start: date, end: date, today: date) -> None:
    if end < start:
        raise InputError("is before the start", "end")
    if end > today:
        raise InputError("is in the future", "end")


def compute_measures(
    *,
    actor: Actor | Console,
    at: datetime,
    start: date,
    end: date,
    directory: Path | None = None,
    engine: str = "duckdb",
    extract_first: bool = True,
    progress: Progress | None = None,
    extract_progress: Progress | None = None,
) -> MeasureRun:
    """Every measure over the facts in `directory` (the extract's, by default) for the period,
    as of the period's end, stored as the newest MeasureRun and audited. `extract_first` brings
    the facts up to date first (an incremental extract: only what is new since the last).
    `extract_progress` follows the extract's steps, `progress` the measures'."""
    if isinstance(actor, Actor):
        actor.require(Action.VIEW_REPORTS)
    if engine not in ENGINES:
        raise InputError(f"must be one of {', '.join(ENGINES)}", "engine")
    check_period(start, end, local_day(at))
    from .extract import facts_dir
    from .measures import compute_all, duckdb_backend, load_facts
    from .services import run_extract

    folder = directory or facts_dir()
    if extract_first:
        run_extract(actor=actor, at=at, directory=folder, progress=extract_progress)
    policy = active_policy()
    began = time.perf_counter()
    con = duckdb_backend()
    load_facts(con, folder)
    results = compute_all(
        con, policy=policy, period_start=start, period_end=end, as_of=end, progress=progress
    )
    seconds = time.perf_counter() - began
    with transaction.atomic():
        run = MeasureRun.objects.create(
            computed_at=at, as_of=end, period_start=start, period_end=end, engine=engine,
            policy_version=policy.version, results=results, seconds=seconds,
            run_by=actor.username,
        )  # fmt: skip
        record_by(actor, at, AuditAction.READ, "outcomes_compute", run.pk,
                  detail=f"{start}..{end} {engine}")  # fmt: skip
    return run


def latest_run() -> MeasureRun | None:
    return MeasureRun.objects.first()
