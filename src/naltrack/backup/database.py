"""Back up and restore the clinic's database, encrypted (sealed.py).

PostgreSQL: pg_dump's custom format, streamed from pg_dump into the sealed file (no plaintext on
disk); pg_restore in a single transaction, so a failed restore leaves the database as it was.
The client tools must be of the server's major version or newer (the server's own are preferred:
/usr/lib/postgresql/<major>/bin).
SQLite: the online backup API (a consistent copy while the clinic runs) into a private temporary
file, sealed; a restore copies the authenticated file back with the same API in one step.

A restore reads and authenticates the whole file before it touches the database: a wrong key, a
damaged file or one of another database vendor is refused with the database unchanged. A restore
into a database that holds records needs force=True.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection, connections

from .sealed import BackupError, SealedWriter, read_chunks, read_header

NALTRACK_APPS = "naltrack."
COPY = 1 << 20


@dataclass(frozen=True, slots=True)
class Done:
    path: Path
    vendor: str
    size: int  # bytes of the sealed file


def _metadata() -> dict[str, Any]:
    meta: dict[str, Any] = {
        "vendor": connection.vendor,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if connection.vendor == "postgresql":
        meta["server_major"] = _server_major()
    return meta


def _server_major() -> int:
    connection.ensure_connection()
    version: int = connection.pg_version  # type: ignore[attr-defined]
    return version // 10000


@contextmanager
def _private_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="naltrack-backup-"))  # mode 0700
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def pg_tool(name: str, major: int) -> str:
    """pg_dump or pg_restore of the server's major version, else one on PATH that is newer."""
    own = Path(f"/usr/lib/postgresql/{major}/bin/{name}")
    if own.is_file():
        return str(own)
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (PostgreSQL {major} client tools)")
    out = subprocess.run([found, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"(\d+)(?:\.\d+)?", out)
    if m is None or int(m.group(1)) < major:
        raise BackupError(f"{found} is older than the PostgreSQL {major} server ({out.strip()})")
    return found


def _pg_args() -> tuple[list[str], dict[str, str]]:
    s = connection.settings_dict
    args = ["--dbname", str(s["NAME"])]
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return args, env


def backup(path: Path, key: bytes) -> Done:
    """Write the sealed backup to `path` (first to path.partial, then renamed: a failed backup
    leaves no file that looks whole)."""
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = SealedWriter(out, key, _metadata())
            if connection.vendor == "postgresql":
                _pg_dump_into(writer)
            elif connection.vendor == "sqlite":
                _sqlite_into(writer)
            else:
                raise BackupError(f"no backup for the {connection.vendor} database")
            writer.close()
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return Done(path, connection.vendor, path.stat().st_size)


def _pg_dump_into(writer: SealedWriter) -> None:
    args, env = _pg_args()
    tool = pg_tool("pg_dump", _server_major())
    with tempfile.TemporaryFile() as errors:
        proc = subprocess.Popen([tool, "--format=custom", *args], stdout=subprocess.PIPE,
                                stderr=errors, env=env)  # fmt: skip
        assert proc.stdout is not None
        while data := proc.stdout.read(COPY):
            writer.write(data)
        if proc.wait() != 0:
            errors.seek(0)
            raise BackupError(f"pg_dump failed: {errors.read().decode(errors='replace').strip()}")


def _sqlite_into(writer: SealedWriter) -> None:
    connection.ensure_connection()
    with _private_dir() as folder:
        copy = folder / "naltrack.sqlite3"
        target = sqlite3.connect(copy)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        with copy.open("rb") as src:
            while data := src.read(COPY):
                writer.write(data)


def holdings() -> dict[str, int]:
    """The clinic's records and accounts in this database, by table (empty tables left out);
    tables not created yet count as empty."""
    existing = set(connection.introspection.table_names())
    found: dict[str, int] = {}
    for model in apps.get_models():
        in_clinic = model.__module__.startswith(NALTRACK_APPS) or model._meta.label == "auth.User"
        table = model._meta.db_table
        if in_clinic and table in existing:
            count = model._base_manager.count()
            if count:
                found[table] = count
    return found


def restore(path: Path, key: bytes, *, force: bool) -> Done:
    """Replace the database with the backup at `path`."""
    try:
        src = path.open("rb")
    except OSError as err:
        raise BackupError(f"cannot read {path}: {err.strerror}") from None
    with src, _private_dir() as folder:
        metadata, cipher, header = read_header(src, key)
        vendor = metadata.get("vendor")
        if vendor != connection.vendor:
            raise BackupError(f"this is a backup of a {vendor} database; NALTRACK_DATABASE_URL "
                              f"names a {connection.vendor} one: nothing was restored")  # fmt: skip
        held = holdings()
        if held and not force:
            listed = ", ".join(f"{n} in {table}" for table, n in sorted(held.items()))
            raise BackupError("the database is not empty (" + listed + "); a restore replaces "
                              "everything in it: add --force to do so")  # fmt: skip
        # Authenticate the whole file before anything is touched.
        plain = folder / "restore"
        fd = os.open(plain, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            for chunk in read_chunks(src, cipher, header):
                out.write(chunk)
        if connection.vendor == "postgresql":
            _pg_restore(plain, int(metadata.get("server_major", 0)))
        else:
            _sqlite_restore(plain)
    return Done(path, connection.vendor, path.stat().st_size)


def _pg_restore(plain: Path, dumped_by_major: int) -> None:
    args, env = _pg_args()
    tool = pg_tool("pg_restore", max(_server_major(), dumped_by_major))
    connections.close_all()  # our own session must not hold the tables pg_restore replaces
    done = subprocess.run(
        [tool, "--clean", "--if-exists", "--single-transaction", "--exit-on-error", "--no-owner",
         *args, str(plain)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed; the database was left as it was: "
                          f"{done.stderr.strip()}")  # fmt: skip


def _sqlite_restore(plain: Path) -> None:
    source = sqlite3.connect(plain)
    try:
        try:
            ok = source.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in source.execute("SELECT name FROM sqlite_master")}
        except sqlite3.DatabaseError as err:
            raise BackupError(f"the backup does not hold a SQLite database: {err}") from None
        if ok != ("ok",) or "django_migrations" not in tables:
            raise BackupError("the backup does not hold a whole naltrack database")
        connection.ensure_connection()
        source.backup(connection.connection)
    finally:
        source.close()
