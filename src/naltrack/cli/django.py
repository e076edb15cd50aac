"""`naltrack manage ...`: Django's management commands (migrate, runserver, ...) for this app."""

from __future__ import annotations

import argparse
import os


def _manage(args: argparse.Namespace) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["naltrack manage", *args.rest])
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "manage", help="Django management commands (migrate, runserver, ...)", add_help=False
    )
    p.add_argument("rest", nargs=argparse.REMAINDER)
    p.set_defaults(handler=_manage)
