"""The clinic application's commands: `naltrack serve`, `demo`, `alerts refresh` (staff and
tokens: cli/accounts.py).

Each checks the configuration first (one plain line naming a bad variable, exit 2), then sets up
Django and calls the services; an invalid argument exits 2 with the field named.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from naltrack.config import ConfigError, read_config

EXIT_INVALID = 2
EXIT_FAILED = 1  # the command ran, but part of its work failed (named on stderr and in the log)


def _django(handler: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        try:
            config = read_config(os.environ)
        except ConfigError as err:
            print(f"naltrack: configuration error: {err}", file=sys.stderr)
            return EXIT_INVALID
        if config.database.engine == "sqlite":  # the SQLite file's folder, on first use
            Path(config.database.name).parent.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
        import django

        django.setup()
        from naltrack.clinical.errors import InputError

        try:
            return handler(args)
        except InputError as err:
            print(f"naltrack: {err.field}: {err.message}", file=sys.stderr)
            return EXIT_INVALID

    return run


def _alerts_refresh(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.alerts.services import refresh_all

    outcome = refresh_all(at=clock.now())
    print(f"refreshed alerts and care status for {outcome.refreshed} patients")
    if outcome.failed:
        # Each failure is logged with the patient's id (naltrack.alerts); the rest were refreshed.
        print(f"naltrack: alerts refresh: {outcome.failed} patients failed (see the log); "
              "the others were refreshed", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED
    return 0


def _demo_day(args: argparse.Namespace) -> date:
    from naltrack import clock
    from naltrack.clinical.errors import InputError

    if args.on is None:
        return clock.today()
    try:
        return date.fromisoformat(args.on)
    except ValueError:
        raise InputError("must be a date as YYYY-MM-DD", "on") from None


def _demo(args: argparse.Namespace) -> int:
    from django.conf import settings

    from naltrack import demo

    if not settings.DEBUG:
        print("naltrack: demo: the demo accounts have a published password; run it only with NALTRACK_DEBUG=true",
              file=sys.stderr)  # fmt: skip
        return EXIT_INVALID
    created = demo.seed(_demo_day(args))
    print(
        f"demo clinic: {created} patients created"
        if created
        else "demo clinic: the database already has patients; nothing seeded"
    )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command

    from naltrack import demo
    from naltrack.patients.models import Patient

    settings.CONFIG.data_dir.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    if settings.DEBUG and not Patient.objects.exists():
        print("seeding the demo clinic (first run)…", flush=True)
        demo.seed(_demo_day(args))
    if not settings.DEBUG:
        # Production: gunicorn, with the static files collected for whitenoise to serve.
        from naltrack.cli import server

        call_command("collectstatic", interactive=False, verbosity=0)
        print(
            f"naltrack (production) is serving at http://{args.addr}/ behind the proxy", flush=True
        )
        server.run(args.addr, settings.CONFIG.serving)
        return 0
    print(f"\nnaltrack is running at http://{args.addr}/\n")
    print(f"Demo logins (password {demo.PASSWORD}):")
    for username, role, _ in demo.STAFF:
        print(f"  {username:18} {role.label}")
    print(f"Patient portal at http://{args.addr}/portal/ (same password):")
    for i, _language, what in demo.PORTAL:
        print(f"  {demo.portal_login(i):24} {what}")
    print()
    # Development: Django's server (static files from the apps, no collect step), one command.
    call_command("runserver", args.addr, use_reloader=False)
    return 0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    alerts = sub.add_parser("alerts", help="safety alerts").add_subparsers(
        dest="alerts_command", metavar="ACTION"
    )
    refresh = alerts.add_parser(
        "refresh", help="re-evaluate every active patient's alerts (nightly job)"
    )
    refresh.set_defaults(handler=_django(_alerts_refresh))

    demo = sub.add_parser(
        "demo", help="seed the demo clinic (synthetic patients, one account per role)"
    )
    demo.add_argument("--on", help="the demo's today, YYYY-MM-DD (default: today)")
    demo.set_defaults(handler=_django(_demo))

    serve = sub.add_parser(
        "serve",
        help="migrate, then serve: gunicorn in production; in development (NALTRACK_DEBUG=true) "
        "Django's server, seeding the demo clinic when the database is empty",
    )
    serve.add_argument("--addr", default="127.0.0.1:8000")
    serve.add_argument("--on", help="the demo's today when seeding, YYYY-MM-DD")
    serve.set_defaults(handler=_django(_serve))
