"""`naltrack outcomes ...`: the outcomes area's commands (issue 14). `extract` writes the analytic
facts (Parquet) from the operational records; it runs as the operator at the console (no role
checked, audited as `console:<login>`), like `naltrack user`. Progress goes to standard error, a
one-line JSON summary to standard output.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from .app import EXIT_FAILED, _django

BAR_WIDTH = 30


class ProgressBar:
    """A plain progress bar on standard error, redrawn in place on a terminal and one line per
    step otherwise (a log file)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.tty = stream.isatty()

    def __call__(self, step: str, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        line = f"extract [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {step}"
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


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2
