"""The operator's commands: `naltrack audit verify`, `naltrack audit export`, `naltrack check`, `naltrack backup FILE` and
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


def audit_export(args: argparse.Namespace) -> int:
    """Write the trail (filtered) as CSV to FILE or standard output; the export is recorded in the
    trail first, by `console:<login name>`."""
    from datetime import date

    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.audit.export import csv_chunks
    from naltrack.audit.models import AuditAction
    from naltrack.audit.services import record_by, search_events
    from naltrack.clinical.errors import InputError

    days: dict[str, date | None] = {}
    for name in ("since", "until"):
        raw = getattr(args, name) or ""
        try:
            days[name] = date.fromisoformat(raw) if raw else None
        except ValueError:
            print(
                f"naltrack: audit export: --{name}: must be a date as YYYY-MM-DD", file=sys.stderr
            )
            return EXIT_REFUSED
    try:
        rows = search_events(user=args.user or "", action=args.action or "", mrn=args.mrn or "",
                             since=days["since"], until=days["until"]).order_by("seq")  # fmt: skip
        count = rows.count()
    except InputError as err:
        print(f"naltrack: audit export: --{err.field}: {err.message}", file=sys.stderr)
        return EXIT_REFUSED
    target = Path(args.out) if args.out else None
    if target is not None and not target.parent.is_dir():
        print(f"naltrack: audit export: --out: no such folder {target.parent}", file=sys.stderr)
        return EXIT_REFUSED
    chosen = {"user": args.user, "action": args.action, "mrn": args.mrn, "since": args.since,
              "until": args.until}  # fmt: skip
    filters = " ".join(f"{k}={v}" for k, v in chosen.items() if v) or "whole trail"
    record_by(Console.here(), clock.now(), AuditAction.EXPORT, "audit_trail",
              detail=f"{filters}; {count} events; to {target or 'standard output'}")  # fmt: skip
    out = target.open("w", encoding="utf-8", newline="") if target else sys.stdout
    try:
        for chunk in csv_chunks(rows.iterator(chunk_size=2000)):
            out.write(chunk)
    finally:
        if target:
            out.close()
    if target:
        print(f"audit export: {count} events written to {target}", file=sys.stderr)
    return 0


def check(args: argparse.Namespace) -> int:
    from naltrack.integrity.checks import check_integrity

    report = check_integrity()
    if report.ok:
        print(f"integrity check passed: {report.records} records each with its audit event, "
              f"plan versions whole, {report.events} audit events chained")  # fmt: skip
        return 0
    print(f"integrity check FAILED: {len(report.findings)} problem(s)", file=sys.stderr)
    for finding in report.findings:
        print(f"  - {finding}", file=sys.stderr)
    return EXIT_FOUND


def _backup_key() -> bytes | None:
    key = read_config(os.environ).backup_key
    if key is None:
        print("naltrack: configuration error: NALTRACK_BACKUP_KEY: is required to back up or "
              "restore (32 random bytes in URL-safe base64; make one with "
              "`naltrack backup --new-key` and keep it apart from the backups)", file=sys.stderr)  # fmt: skip
    return key


def backup(args: argparse.Namespace) -> int:
    from naltrack.backup.database import backup as write_backup
    from naltrack.backup.sealed import BackupError

    key = _backup_key()
    if key is None:
        return EXIT_REFUSED
    try:
        done = write_backup(Path(args.file), key)
    except (BackupError, OSError) as err:
        print(f"naltrack: backup: {err}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"backed up the {done.vendor} database to {done.path} ({done.size} bytes, encrypted)")
    return 0


def restore(args: argparse.Namespace) -> int:
    from naltrack.audit.verify import verify_chain
    from naltrack.backup.database import restore as read_backup
    from naltrack.backup.sealed import BackupError

    key = _backup_key()
    if key is None:
        return EXIT_REFUSED
    try:
        done = read_backup(Path(args.file), key, force=args.force)
    except BackupError as err:
        print(f"naltrack: restore: {err}", file=sys.stderr)
        return EXIT_REFUSED
    print(f"restored the {done.vendor} database from {done.path}")
    report = verify_chain()
    if report.broken is not None:
        print(f"audit trail BROKEN at {report.broken}", file=sys.stderr)
        return EXIT_FOUND
    print(f"audit trail intact: {report.events} events chained; head {report.head_seq} "
          f"{report.head_hash}")  # fmt: skip
    return 0


def _backup_or_new_key(args: argparse.Namespace) -> int:
    if args.new_key:
        from naltrack.backup.sealed import new_key

        print(new_key())
        return 0
    if not args.file:
        print("naltrack: backup: FILE: say where to write the backup", file=sys.stderr)
        return EXIT_REFUSED
    return _with_django(backup)(args)


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
    export = audit.add_parser(
        "export",
        help="write the audit trail (or the events the filters select) as CSV, oldest first, "
        "with each event's place in the hash chain; the export is itself recorded",
    )
    export.add_argument("--out", metavar="FILE", help="write to FILE (default: standard output)")
    export.add_argument("--user", help="only this user's events")
    export.add_argument(
        "--action", help="only this action (read, create, update, export, login, login_failed)"
    )
    export.add_argument("--mrn", help="only events about this patient")
    export.add_argument("--since", metavar="YYYY-MM-DD", help="from this day (inclusive)")
    export.add_argument("--until", metavar="YYYY-MM-DD", help="to this day (inclusive)")
    export.set_defaults(handler=_with_django(audit_export))

    c = sub.add_parser(
        "check",
        help="find half-written records: a record without its audit event, an audit event "
        "naming a missing record, a gap in plan versions, a broken audit chain; exit 1 listing them",
    )
    c.set_defaults(handler=_with_django(check))

    b = sub.add_parser(
        "backup",
        help="write an encrypted backup of the database to FILE (key: NALTRACK_BACKUP_KEY)",
    )
    b.add_argument("file", nargs="?", metavar="FILE")
    b.add_argument("--new-key", action="store_true",
                   help="print a fresh random key for NALTRACK_BACKUP_KEY and exit")  # fmt: skip
    b.set_defaults(handler=_backup_or_new_key)

    r = sub.add_parser(
        "restore",
        help="replace the database with the encrypted backup FILE, then verify the audit trail",
    )
    r.add_argument("file", metavar="FILE")
    r.add_argument("--force", action="store_true",
                   help="restore into a database that already holds records (they are replaced)")  # fmt: skip
    r.set_defaults(handler=_with_django(restore))
