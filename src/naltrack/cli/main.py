"""Entry point of the `naltrack` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import accounts, app, bulk, clinical, django, measuresdoc, ops, outcomes, reminders


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="naltrack",
        description="naltrack: a clinic's naltrexone treatment program. The clinical commands read "
        "one JSON document (a file, or - for standard input) and print one JSON document; "
        'invalid input exits 2 with {"error", "field"}. See docs/cli.md.',
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    clinical.register(sub)
    django.register(sub)
    app.register(sub)
    accounts.register(sub)
    ops.register(sub)
    reminders.register(sub)
    bulk.register(sub)
    measuresdoc.register(sub)
    outcomes.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 0
    code: int = args.handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
