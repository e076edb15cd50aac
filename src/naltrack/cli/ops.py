"""The operator's commands: `naltrack audit verify`, `naltrack check`, `naltrack backup FILE` and
`naltrack restore FILE`.

Each checks the configuration first (one plain line naming a bad variable, exit 2), then sets up
Django. A broken chain or a failed check exits 1 with a readable list; a refused backup or restore
exits 2 with the reason and leaves the database as it was.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

from naltrack.config import ConfigError, read_config

EXIT_FOUND = 1  # the chain is broken, or the check found half-written records
EXIT_REFUSED = 2  # bad configuration or arguments; a refused backup or restore


def _with_django(
    handler: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            config = read_config(os.environ)
        except ConfigError as err:
            print(f"naltrack: configuration error: {err}", file=sys.stderr)
            return EXIT_REFUSED
        if config.database.engine == "sqlite":  # the SQLite file's folder, on first use
            Path(config.database.name).parent.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
        import django

        django.setup()
        return handler(args)

    return run


def audit_verify(args: argparse.Namespace) -> int:
    from naltrack.audit.verify import verify_chain

    report = verify_chain()
    if report.broken is None:
        print(f"audit trail intact: {report.events} events chained; head {report.head_seq} "
              f"{report.head_hash}")  # fmt: skip
        return 0
    print(f"audit trail BROKEN at {report.broken}", file=sys.stderr)
    print(f"({report.events} events walked before the break; head {report.head_seq})",
          file=sys.stderr)  # fmt: skip
    return EXIT_FOUND


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = sub.add_parser("audit", help="the audit trail").add_subparsers(
        dest="audit_command", metavar="ACTION"
    )
    verify = audit.add_parser(
        "verify",
        help="walk the audit trail's hash chain; exit 1 naming the first broken link (an event "
        "altered, deleted or inserted behind the application's back)",
    )
    verify.set_defaults(handler=_with_django(audit_verify))
