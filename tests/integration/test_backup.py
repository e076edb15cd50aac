"""`naltrack backup` / `naltrack restore` round-trip a small synthetic clinic on SQLite and on
PostgreSQL: every table comes back row by row, the audit trail untouched and verified; a wrong
key, a damaged or cut-short file, or a database that holds records without --force is refused
with a clear message and the database left as it was."""

from __future__ import annotations

import argparse
import base64
import importlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.alerts.models import Alert
from naltrack.alerts.services import refresh_all
from naltrack.audit.models import AuditEvent
from naltrack.audit.verify import verify_chain
from naltrack.cli import ops
from naltrack.monitoring.services import record_side_effect
from naltrack.treatment.models import Administration
from tests.integration.conftest import NOW, NURSE, TODAY, at, make_patient, started_on_injection

append_only = importlib.import_module("naltrack.audit.migrations.0002_append_only_triggers")
KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()
OTHER_KEY = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()

Snapshot = dict[str, list[tuple[Any, ...]]]


def triggers(kind: str) -> None:
    vendor = connection.vendor
    sqls = append_only.DROP[vendor] if kind == "drop" else {
        "sqlite": append_only.SQLITE, "postgresql": append_only.POSTGRES}[vendor]  # fmt: skip
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(str(sql))


@pytest.fixture
def _triggers_back(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock():
        triggers("drop")
        triggers("create")


@pytest.fixture
def clinic(
    _triggers_back: None, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Committed rows (a backup is another session's view): three synthetic patients, doses, a
    side effect, alerts, a staff account and their audit events. The append-only triggers are
    dropped after the test so that the test database can be emptied."""
    monkeypatch.setenv("NALTRACK_BACKUP_KEY", KEY)
    try:
        create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
        started_on_injection("MRN-0801", TODAY - timedelta(days=20))
        late = started_on_injection("MRN-0802", TODAY - timedelta(days=45))
        make_patient("MRN-0803")
        record_side_effect(late, kind="injection_site", severity="mild",
                           noted_on=TODAY - timedelta(days=44), actor=NURSE, at=at(TODAY - timedelta(days=44)))  # fmt: skip
        refresh_all(at=NOW)
        assert Administration.objects.count() == 2 and Alert.objects.exists()
        yield
    finally:
        triggers("drop")


def snapshot() -> Snapshot:
    """Every table of the database, every row, in primary-key order."""
    tables: Snapshot = {}
    for table in sorted(connection.introspection.table_names()):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            tables[table] = [tuple(row) for row in cursor.fetchall()]
    return tables


def cli(handler: Any, capsys: pytest.CaptureFixture[str], **args: Any) -> tuple[int, str]:
    code = handler(argparse.Namespace(**args))
    out = capsys.readouterr()
    return code, out.out + out.err


def change_the_clinic() -> None:
    make_patient("MRN-0899")


def test_a_clinic_round_trips_table_by_table(clinic: None, tmp_path: Path, capsys: Any) -> None:
    before = snapshot()
    trail = list(AuditEvent.objects.order_by("seq").values_list("seq", "row_hash", "detail"))
    assert len(trail) > 20
    file = tmp_path / "clinic.backup"
    code, out = cli(ops.backup, capsys, file=str(file))
    assert code == 0, out
    assert f"database to {file}" in out
    sealed = file.read_bytes()
    assert b"MRN-0801" not in sealed and b"Patient MRN" not in sealed  # encrypted at rest
    assert not file.with_name(file.name + ".partial").exists()

    change_the_clinic()
    changed = snapshot()
    assert changed != before

    # Into a database that holds records: refused without --force, nothing touched.
    code, out = cli(ops.restore, capsys, file=str(file), force=False)
    assert code == 2
    assert "not empty" in out and "--force" in out
    assert snapshot() == changed

    code, out = cli(ops.restore, capsys, file=str(file), force=True)
    assert code == 0, out
    assert "audit trail intact" in out
    after = snapshot()
    assert after.keys() == before.keys()
    for table in before:
        assert after[table] == before[table], table
    assert (
        list(AuditEvent.objects.order_by("seq").values_list("seq", "row_hash", "detail")) == trail
    )
    assert verify_chain().intact
    code, out = cli(ops.audit_verify, capsys)
    assert code == 0 and f"{len(trail)} events chained" in out
    # The append-only triggers came back with the trail.
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table}")


@pytest.fixture
def sealed(clinic: None, tmp_path: Path, capsys: Any) -> Path:
    """A backup of the clinic, and the clinic changed after it."""
    file = tmp_path / "clinic.backup"
    assert cli(ops.backup, capsys, file=str(file))[0] == 0
    change_the_clinic()
    return file


def test_a_wrong_key_is_refused_and_the_database_left_as_it_was(
    sealed: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot()
    monkeypatch.setenv("NALTRACK_BACKUP_KEY", OTHER_KEY)
    code, out = cli(ops.restore, capsys, file=str(sealed), force=True)
    assert code == 2
    assert "NALTRACK_BACKUP_KEY is not the key this backup was made with" in out
    assert snapshot() == before


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 1]) + b[len(b) // 2 + 1 :], id="a-byte-flipped"),
        pytest.param(lambda b: b[: len(b) - 100], id="cut-short"),
        pytest.param(lambda b: b + b"\x00", id="bytes-appended"),
    ],
)  # fmt: skip
def test_a_damaged_file_is_refused_and_the_database_left_as_it_was(
    sealed: Path, capsys: Any, damage: Any
) -> None:
    sealed.write_bytes(damage(sealed.read_bytes()))
    before = snapshot()
    code, out = cli(ops.restore, capsys, file=str(sealed), force=True)
    assert code == 2
    assert "naltrack: restore: the backup file" in out
    assert "damaged" in out
    assert snapshot() == before


def test_backup_and_restore_need_the_key(
    clinic: None, tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NALTRACK_BACKUP_KEY")
    code, out = cli(ops.backup, capsys, file=str(tmp_path / "x"))
    assert code == 2 and "NALTRACK_BACKUP_KEY: is required" in out
    assert not (tmp_path / "x").exists()
    code, out = cli(ops.restore, capsys, file=str(tmp_path / "x"), force=True)
    assert code == 2 and "NALTRACK_BACKUP_KEY: is required" in out
