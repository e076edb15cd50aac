"""`naltrack reminders run` (send what is due, once) and `naltrack reminders run --forever` (a
long-lived worker: sleeps between polls, stops cleanly on SIGTERM or Ctrl-C after the reminder it
is sending). Several workers may run at once: each reminder is claimed by one (reminders/worker.py).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from pathlib import Path

from naltrack.config import ConfigError, read_config, read_reminder_config

EXIT_INVALID = 2
PLAN_EVERY_S = 3600  # the long-lived worker re-plans every patient hourly (and at start)


def _setup() -> bool:
    try:
        config = read_config(os.environ)
        read_reminder_config(os.environ)
    except ConfigError as err:
        print(f"naltrack: configuration error: {err}", file=sys.stderr)
        return False
    if config.database.engine == "sqlite":
        Path(config.database.name).parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
    import django

    django.setup()
    return True


def _run(args: argparse.Namespace) -> int:
    if not _setup():
        return EXIT_INVALID
    from django.conf import settings
    from django.db import close_old_connections

    from naltrack import clock
    from naltrack.reminders.planning import plan_all
    from naltrack.reminders.transports import transports_from_config
    from naltrack.reminders.worker import run_due, worker_name

    config = settings.REMINDERS
    transports = transports_from_config(config)
    worker = worker_name()
    stop = threading.Event()
    if args.forever:

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        print(f"reminder worker {worker} started; polling every {config.poll_seconds} s",
              flush=True)  # fmt: skip
    planned_at = float("-inf")
    total: dict[str, int] = {}
    while True:
        if not args.no_plan and time.monotonic() - planned_at >= PLAN_EVERY_S:
            planned = plan_all(at=clock.now())
            planned_at = time.monotonic()
            if planned.created or planned.cancelled:
                print(f"planned {planned.created} reminders, cancelled {planned.cancelled}", flush=True)  # fmt: skip
        outcome = run_due(transports, now=clock.now, config=config, worker=worker, stop=stop)
        for status, n in outcome.counts.items():
            total[status] = total.get(status, 0) + n
        if outcome.handled:
            print("handled " + ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items())), flush=True)  # fmt: skip
        if not args.forever or stop.is_set():
            break
        close_old_connections()
        if outcome.handled == 0:
            stop.wait(config.poll_seconds)
            if stop.is_set():
                break
    summary = ", ".join(f"{n} {s}" for s, n in sorted(total.items())) or "nothing due"
    print(f"reminder worker {'stopped' if args.forever else 'done'}: {summary}", flush=True)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    reminders = sub.add_parser("reminders", help="reminders to patients").add_subparsers(
        dest="reminders_command", metavar="ACTION"
    )
    run = reminders.add_parser(
        "run",
        help="plan reminders, then send every reminder that is due (email, text); with --forever "
        "keep polling until SIGTERM",
    )
    run.add_argument("--forever", action="store_true",
                     help="keep running: poll every NALTRACK_REMINDER_POLL_SECONDS, stop on SIGTERM")  # fmt: skip
    run.add_argument("--no-plan", action="store_true",
                     help="send what is already planned; do not sweep every patient first")  # fmt: skip
    run.set_defaults(handler=_run)
