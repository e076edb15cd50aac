"""`naltrack manage ...`: Django's management commands (migrate, runserver, ...) for this app."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from naltrack.config import ConfigError, read_config

EXIT_CONFIG = 2


def _manage(args: argparse.Namespace) -> int:
    # Check the configuration first, so a bad value is one plain line naming the variable,
    # not a traceback from inside Django's settings import.
    try:
        config = read_config(os.environ)
    except ConfigError as err:
        print(f"naltrack: configuration error: {err}", file=sys.stderr)
        return EXIT_CONFIG
    if config.database.engine == "sqlite":  # the SQLite file's folder, on first use
        Path(config.database.name).parent.mkdir(parents=True, exist_ok=True)
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
