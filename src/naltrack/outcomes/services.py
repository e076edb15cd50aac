"""The outcomes area's use cases (issue 14). The extract: `run_extract`."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from pathlib import Path

from django.db import transaction

from naltrack.accounts.actors import Actor, Console
from naltrack.accounts.roles import Action
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy

from . import extract
from .extract import Progress
from .models import ExtractRun


def run_extract(*, actor: Actor | Console, at: datetime, full: bool = False,
                directory: Path | None = None, progress: Progress | None = None) -> ExtractRun:  # fmt: skip
    """Extract the operational records into the analytic facts (Parquet, `extract.facts_dir()`
    unless `directory`): only what is new since the last run, or everything when `full` (see
    extract.py). Reads every patient's record, so it is audited as an export; a staff member
    needs VIEW_REPORTS (the program report's right), the operator at the console no role.
    The run is recorded only when every file is in place; a failure leaves the previous facts."""
    if isinstance(actor, Actor):
        actor.require(Action.VIEW_REPORTS)
    folder = directory if directory is not None else extract.facts_dir()
    folder = folder.resolve()
    began = time.monotonic()
    with transaction.atomic():
        last = ExtractRun.objects.filter(directory=str(folder)).first()
        staged = extract.stage(
            folder,
            policy=active_policy(),
            previous=None if last is None else dict(last.marks),
            run_id=extract.new_run_id(at),
            full=full,
            progress=progress,
        )
        try:
            result = staged.result
            run = ExtractRun.objects.create(
                started_at=at,
                finished_at=at + timedelta(seconds=time.monotonic() - began), marks=result.marks, rows=result.rows(),
                directory=str(folder), run_by=actor.username,
            )  # fmt: skip
            appended = sum(result.appended.values())
            record_by(actor, at, AuditAction.EXPORT, "outcomes_extract", run.pk,
                      detail=f"{'full' if result.full else 'incremental'} extract {result.run_id} "
                      f"to {folder}: {appended} rows appended, "
                      f"{sum(result.rewritten.values())} rewritten")  # fmt: skip
            staged.publish()  # last: a failure before it rolls the run back, files untouched
        except BaseException:
            staged.discard()
            raise
    return run
