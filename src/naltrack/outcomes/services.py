"""The outcomes area's use cases (issue 14). The extract: `run_extract`."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction

from naltrack.accounts.actors import Actor, Console
from naltrack.accounts.roles import Action
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError

from . import extract
from .extract import Progress
from .models import ExtractRun

LOCK = ".extract.lock"


@contextmanager
def _one_at_a_time(folder: Path) -> Iterator[None]:
    """One extract at a time into a folder: two at once would both append the rows past the
    same marks. An advisory lock on a file in the folder, released when the run ends (or its
    process dies)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise InputError(f"another extract is writing to {folder}; try again when it ends",
                             "dir") from None  # fmt: skip
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def run_extract(*, actor: Actor | Console, at: datetime, full: bool = False,
                directory: Path | None = None, progress: Progress | None = None) -> ExtractRun:  # fmt: skip
    """Extract the operational records into the analytic facts (Parquet, `extract.facts_dir()`
    unless `directory`): only what is new since the last run into that folder, or everything
    when `full` (see extract.py). Reads every patient's record, so it is audited as an export; a
    staff member needs VIEW_REPORTS (the program report's right), the operator at the console
    no role. The run is recorded, in one transaction, with its files put in place; a failure
    anywhere leaves the previous facts and records nothing.

    The records are read outside that transaction (a long read would hold SQLite's snapshot and
    refuse the run's own write when the clinic wrote meanwhile)."""
    if isinstance(actor, Actor):
        actor.require(Action.VIEW_REPORTS)
    folder = (directory if directory is not None else extract.facts_dir()).resolve()
    began = time.monotonic()
    with _one_at_a_time(folder):
        last = ExtractRun.objects.filter(directory=str(folder)).first()
        staged = extract.stage(
            folder,
            policy=active_policy(),
            previous=None if last is None else dict(last.marks),
            run_id=extract.new_run_id(at),
            full=full,
            progress=progress,
        )
        result = staged.result
        try:
            with transaction.atomic():
                run = ExtractRun.objects.create(
                    started_at=at, finished_at=at + timedelta(seconds=time.monotonic() - began),
                    marks=result.marks, rows=result.rows(), directory=str(folder),
                    run_by=actor.username,
                )  # fmt: skip
                record_by(actor, at, AuditAction.EXPORT, "outcomes_extract", run.pk,
                          detail=f"{'full' if result.full else 'incremental'} extract "
                          f"{result.run_id} to {folder}: {sum(result.appended.values())} rows "
                          f"appended, {sum(result.rewritten.values())} rewritten")  # fmt: skip
                staged.publish()  # last: a failure before it rolls the run back, files untouched
        except BaseException:
            staged.discard()
            raise
    return run
