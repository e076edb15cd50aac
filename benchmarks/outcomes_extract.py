"""Outcomes extract throughput (issue 14): rows per second of `naltrack outcomes extract` on the
demo clinic (`naltrack demo`: about 150 synthetic patients over every stage), a full run and then
an incremental run with nothing new (which rewrites only the mutable sources). The machine is
often shared: the load average of the minute is printed with the figures.

Usage: NALTRACK_DATABASE_URL=... python benchmarks/outcomes_extract.py [--repeat N]
The database is migrated and, when it holds no patient, seeded with the demo clinic.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

os.environ.setdefault("NALTRACK_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
TODAY = date(2026, 11, 21)
os.environ["NALTRACK_TODAY"] = TODAY.isoformat()

import django  # noqa: E402

django.setup()
from django.core.management import call_command  # noqa: E402

from naltrack import demo  # noqa: E402
from naltrack.accounts.actors import Console  # noqa: E402
from naltrack.outcomes.services import run_extract  # noqa: E402

NOW = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)


def timed(directory: Path, *, full: bool) -> tuple[float, int, int]:
    began = time.perf_counter()
    run = run_extract(actor=Console("console:bench"), at=NOW, full=full, directory=directory)
    seconds = time.perf_counter() - began
    written = sum(run.rows["appended"].values()) + sum(run.rows["rewritten"].values())
    return seconds, written, sum(run.rows["total"].values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    seeded = demo.seed(TODAY)
    print(f"demo clinic: {seeded} patients seeded" if seeded else "demo clinic: already seeded")
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        for label, full in [("full", True)] * args.repeat + [("incremental, nothing new", False)]:
            seconds, written, total = timed(directory, full=full)
            print(f"extract {label:26} {written:7} rows written ({total} in the facts) in "
                  f"{seconds:6.3f} s: {written / seconds:9.0f} rows/s  "
                  f"(load {os.getloadavg()[0]:.2f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
