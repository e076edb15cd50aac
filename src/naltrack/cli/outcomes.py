"""`naltrack outcomes ...`: the outcomes area's commands (issue 14). `extract` writes the analytic
facts (Parquet) from the operational records; it runs as the operator at the console (no role
checked, audited as `console:<login>`), like `naltrack user`. Progress goes to standard error, a
one-line JSON summary to standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TextIO

from .app import EXIT_FAILED, _django

BAR_WIDTH = 30


class ProgressBar:
    """A plain progress bar on standard error, redrawn in place on a terminal and one line per
    step otherwise (a log file)."""

    def __init__(self, stream: TextIO, label: str = "extract") -> None:
        self.stream = stream
        self.label = label
        self.tty = stream.isatty()

    def __call__(self, step: str, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        line = f"{self.label} [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {step}"
        if self.tty:
            self.stream.write("\r" + line.ljust(BAR_WIDTH + 40))
            if done >= total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


def _extract(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.outcomes.services import run_extract

    try:
        run = run_extract(
            actor=Console.here(),
            at=clock.now(),
            full=args.full,
            directory=Path(args.dir) if args.dir else None,
            progress=None if args.quiet else ProgressBar(sys.stderr),
        )
    except OSError as exc:  # a folder that cannot be written, a full disk
        print(f"naltrack: outcomes extract: {exc}; the previous facts are unchanged",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    summary = {
        "run": run.pk,
        "directory": run.directory,
        "full": run.rows.get("full", args.full),
        "appended": run.rows.get("appended", {}),
        "rewritten": run.rows.get("rewritten", {}),
        "total": run.rows.get("total", {}),
        "seconds": round((run.finished_at - run.started_at).total_seconds(), 3)
        if run.finished_at
        else None,
    }
    sys.stdout.write(json.dumps(summary, separators=(",", ":")) + "\n")
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    outcomes = sub.add_parser("outcomes", help="outcomes and quality measures (issue 14)")
    actions = outcomes.add_subparsers(dest="outcomes_command", metavar="ACTION")
    outcomes.set_defaults(handler=lambda args: _usage(outcomes))

    extract = actions.add_parser(
        "extract",
        help="write the analytic facts (Parquet) from the records: only what is new since the "
        "last run, or everything with --full",
    )
    extract.add_argument("--full", action="store_true", help="rewrite every table from scratch")
    extract.add_argument(
        "--dir", metavar="DIR", help="the facts directory (default: <data dir>/outcomes/facts)"
    )
    extract.add_argument("--quiet", action="store_true", help="no progress bar")
    extract.set_defaults(handler=_django(_extract))
    register_more(actions)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def _compute(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.outcomes.runs import compute_measures

    run = compute_measures(
        actor=Console.here(), at=clock.now(), start=args.start, end=args.end,
        directory=Path(args.dir) if args.dir else None, extract_first=not args.no_extract,
        progress=None if args.quiet else ProgressBar(sys.stderr, "measures"),
        extract_progress=None if args.quiet else ProgressBar(sys.stderr, "extract"),
    )  # fmt: skip
    summary = {
        "run": run.pk, "as_of": run.as_of.isoformat(), "period_start": run.period_start.isoformat(),
        "period_end": run.period_end.isoformat(), "engine": run.engine,
        "measures": sorted(run.results.get("measures", {})), "seconds": round(run.seconds, 3),
    }  # fmt: skip
    sys.stdout.write(json.dumps(summary, separators=(",", ":")) + "\n")
    return 0


def _export(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.outcomes.extract import facts_dir
    from naltrack.outcomes.services_deid import export_deidentified

    data = export_deidentified(
        Path(args.dir) if args.dir else facts_dir(), actor=Console.here(), at=clock.now(),
        recipient=args.recipient, purpose=args.purpose,
    )  # fmt: skip
    out = Path(args.out)
    partial = out.with_name(out.name + ".partial")
    try:
        partial.write_bytes(data)
        partial.replace(out)  # a half-written zip never carries the export's name
    except OSError as exc:
        partial.unlink(missing_ok=True)
        print(f"naltrack: outcomes export: {exc}", file=sys.stderr)
        return EXIT_FAILED
    sys.stdout.write(json.dumps({"file": str(out), "bytes": len(data)}) + "\n")
    return 0


def _day(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a date as YYYY-MM-DD") from None


def register_more(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compute = actions.add_parser(
        "compute",
        help="compute every measure for a period (an incremental extract first) and keep the "
        "run: the Outcomes page shows the last one",
    )
    compute.add_argument("--start", type=_day, required=True, help="the period's first day")
    compute.add_argument("--end", type=_day, required=True, help="its last day (the as-of day)")
    compute.add_argument("--dir", metavar="DIR", help="the facts directory")
    compute.add_argument("--no-extract", action="store_true", help="use the facts as they are")
    compute.add_argument("--quiet", action="store_true", help="no progress bars")
    compute.set_defaults(handler=_django(_compute))
    export = actions.add_parser(
        "export",
        help="the de-identified export (HIPAA Safe Harbor) as a zip, audited as a disclosure",
    )
    export.add_argument("--recipient", required=True, help="who receives it")
    export.add_argument("--purpose", required=True, help="what for (research, a funder's report)")
    export.add_argument("--out", required=True, metavar="FILE", help="the zip to write")
    export.add_argument("--dir", metavar="DIR", help="the facts directory")
    export.set_defaults(handler=_django(_export))
