"""`naltrack bulk run` (run the Bulk Data exports waiting, once) and `naltrack bulk run --forever`
(a long-lived worker: polls, stops cleanly on SIGTERM or Ctrl-C after the export it is writing).
The server starts each export in its own process as soon as it is asked for; this picks up any a
restart left waiting, or one whose worker stopped answering (naltrack.fhir.bulk)."""

from __future__ import annotations

import argparse
import signal
import threading

from .reminders import EXIT_INVALID, _setup

POLL_S = 5


def _run(args: argparse.Namespace) -> int:
    if not _setup():
        return EXIT_INVALID
    from django.db import close_old_connections

    from naltrack.fhir.bulk import run_waiting, worker_name

    worker = worker_name()
    stop = threading.Event()
    if args.forever:

        def on_signal(signum: int, frame: object) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        print(f"bulk export worker {worker} started; polling every {POLL_S} s", flush=True)
    total = 0
    while True:
        done = run_waiting(worker)
        total += done
        if done:
            print(f"ran {done} export{'s' if done != 1 else ''}", flush=True)
        if not args.forever or stop.is_set():
            break
        close_old_connections()
        stop.wait(POLL_S)
        if stop.is_set():
            break
    print(f"bulk export worker {'stopped' if args.forever else 'done'}: {total} run", flush=True)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bulk = sub.add_parser("bulk", help="FHIR Bulk Data exports").add_subparsers(
        dest="bulk_command", metavar="ACTION"
    )
    run = bulk.add_parser("run", help="run every export waiting; with --forever keep polling until SIGTERM")  # fmt: skip
    run.add_argument("--forever", action="store_true", help="keep running: poll every 5 s, stop on SIGTERM")  # fmt: skip
    run.set_defaults(handler=_run)
