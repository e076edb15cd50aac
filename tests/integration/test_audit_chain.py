"""The audit trail's hash chain: written by every use case, linear under concurrent writers, and
`naltrack audit verify` names the first event altered, deleted or slipped in behind the
application's back (raw SQL with the append-only triggers dropped), on SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import importlib
import itertools
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from naltrack.audit.chain import GENESIS, event_hash
from naltrack.audit.models import AuditAction, AuditChainHead, AuditEvent
from naltrack.audit.services import record
from naltrack.audit.verify import verify_chain
from naltrack.cli import ops
from naltrack.patients.models import Patient
from naltrack.patients.services import read_patient
from tests.integration.conftest import NOW, PRESCRIBER, make_patient

TABLE = AuditEvent._meta.db_table
append_only = importlib.import_module("naltrack.audit.migrations.0002_append_only_triggers")


def triggers(kind: str, using: str = "default") -> None:
    conn = connections[using]
    if kind == "drop":
        sqls = append_only.DROP[conn.vendor]
    else:
        sqls = {"sqlite": append_only.SQLITE, "postgresql": append_only.POSTGRES}[conn.vendor]
    with conn.cursor() as cursor:
        for sql in sqls:
            cursor.execute(str(sql))


def behind_the_back(*sqls: str) -> None:
    """Raw SQL with the append-only triggers dropped, as someone with the database's password
    could (inside the test's transaction: the triggers come back when it rolls back)."""
    triggers("drop")
    with connection.cursor() as cursor:
        for sql in sqls:
            cursor.execute(sql)


def verify_cli(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = ops.audit_verify(argparse.Namespace())
    out = capsys.readouterr()
    return code, out.out + out.err


@pytest.fixture
def clinic(db: None) -> Patient:
    """A patient registered, given an episode and read a few times: a dozen chained events."""
    p = make_patient("MRN-0700")
    for n in range(4):
        read_patient(p.mrn, actor=PRESCRIBER, at=NOW + timedelta(minutes=n))
    return p


def events() -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("seq"))


@pytest.mark.django_db
def test_every_event_links_to_the_one_before_it(clinic: Patient) -> None:
    rows = events()
    assert len(rows) >= 6
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    assert rows[0].prev_hash == GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.row_hash
    for e in rows:
        assert e.row_hash == event_hash(
            seq=e.seq, prev_hash=e.prev_hash, at=e.at, actor=e.actor, action=e.action,
            object_type=e.object_type, object_id=e.object_id, patient_mrn=e.patient_mrn,
            remote_addr=e.remote_addr, detail=e.detail,
        )  # fmt: skip
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (rows[-1].seq, rows[-1].row_hash)
    report = verify_chain()
    assert report.intact and report.events == len(rows)


@pytest.mark.django_db
def test_the_hash_covers_what_the_database_keeps(db: None) -> None:
    """An IPv6 address is kept in its short form, a naive time in the clinic's zone, a long
    detail cut to 500 characters: the hash is of the stored values, so the chain verifies."""
    record(at=NOW.replace(tzinfo=None), actor="nina.nurse", action=AuditAction.LOGIN,
           remote_addr="2001:0db8:0000:0000:0000:0000:0000:0001", detail="x" * 600)  # fmt: skip
    event = AuditEvent.objects.get()
    assert event.remote_addr == "2001:db8::1"
    assert verify_chain().intact


@pytest.mark.django_db
def test_verify_passes_on_an_intact_trail(clinic: Patient, capsys: Any) -> None:
    code, out = verify_cli(capsys)
    assert code == 0
    head = AuditChainHead.objects.get()
    assert f"{head.seq} events chained" in out and head.hash in out


@pytest.mark.django_db
def test_a_row_changed_behind_the_applications_back_is_found(clinic: Patient, capsys: Any) -> None:
    target = events()[3]
    behind_the_back(f"UPDATE {TABLE} SET detail = 'nothing to see' WHERE id = {target.pk}")
    report = verify_chain()
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.seq) == (target.pk, 4)
    assert "altered" in report.broken.problem
    code, out = verify_cli(capsys)
    assert code == 1
    assert f"event id {target.pk} (seq 4)" in out and "altered" in out


@pytest.mark.django_db
def test_a_row_changed_and_rehashed_breaks_the_next_link(clinic: Patient) -> None:
    rows = events()
    target, following = rows[2], rows[3]
    forged = event_hash(
        seq=target.seq, prev_hash=target.prev_hash, at=target.at, actor="someone.else",
        action=target.action, object_type=target.object_type, object_id=target.object_id,
        patient_mrn=target.patient_mrn, remote_addr=target.remote_addr, detail=target.detail,
    )  # fmt: skip
    behind_the_back(
        f"UPDATE {TABLE} SET actor = 'someone.else', row_hash = '{forged}' WHERE id = {target.pk}"
    )
    broken = verify_chain().broken
    assert broken is not None and broken.event_id == following.pk
    assert f"does not link to event id {target.pk}" in broken.problem


@pytest.mark.django_db
def test_a_row_deleted_behind_the_applications_back_is_found(clinic: Patient, capsys: Any) -> None:
    rows = events()
    behind_the_back(f"DELETE FROM {TABLE} WHERE id = {rows[2].pk}")
    broken = verify_chain().broken
    assert broken is not None
    assert (broken.event_id, broken.seq) == (rows[3].pk, 4)
    assert "place 3" in broken.problem and "deleted" in broken.problem
    code, out = verify_cli(capsys)
    assert code == 1 and f"event id {rows[3].pk}" in out and "deleted" in out


@pytest.mark.django_db
def test_a_deleted_row_with_the_rest_renumbered_is_found(clinic: Patient) -> None:
    rows = events()
    behind_the_back(
        f"DELETE FROM {TABLE} WHERE id = {rows[2].pk}",
        f"UPDATE {TABLE} SET seq = seq - 1 WHERE seq > 3",
    )
    broken = verify_chain().broken
    assert broken is not None and broken.event_id == rows[3].pk
    assert "does not link" in broken.problem


@pytest.mark.django_db
def test_the_last_rows_deleted_are_found_by_the_head(clinic: Patient) -> None:
    rows = events()
    behind_the_back(f"DELETE FROM {TABLE} WHERE seq >= {rows[-2].seq}")
    broken = verify_chain().broken
    assert broken is not None and broken.event_id is None
    assert f"place {rows[-1].seq}" in broken.problem and "deleted" in broken.problem


@pytest.mark.django_db
def test_a_row_slipped_in_is_found(clinic: Patient) -> None:
    first = events()[0]
    columns = "at, actor, action, object_type, object_id, patient_mrn, detail, prev_hash, row_hash"
    behind_the_back(
        f"INSERT INTO {TABLE} ({columns}, seq) SELECT {columns}, 0 FROM {TABLE} WHERE id = {first.pk}"
    )
    broken = verify_chain().broken
    assert broken is not None and "inserted" in broken.problem
    assert broken.seq == 0


@pytest.mark.django_db
def test_a_row_appended_past_the_head_is_found(clinic: Patient) -> None:
    last = events()[-1]
    columns = "at, actor, action, object_type, object_id, patient_mrn, detail, prev_hash, row_hash"
    behind_the_back(
        f"INSERT INTO {TABLE} ({columns}, seq) SELECT {columns}, seq + 1 FROM {TABLE} "
        f"WHERE id = {last.pk}"
    )
    broken = verify_chain().broken
    assert broken is not None and broken.seq == last.seq + 1
    assert "beyond the chain's head" in broken.problem


# --- committed rows: concurrent writers, the migration ------------------------------------------


@pytest.fixture
def _triggers_back(django_db_blocker: Any) -> Iterator[None]:
    """Put the append-only triggers back after the committed rows are emptied."""
    yield
    with django_db_blocker.unblock():
        triggers("drop")
        triggers("create")


@pytest.fixture
def committed(_triggers_back: None, transactional_db: None) -> Iterator[None]:
    """Committed rows; the triggers are dropped after the test so the database can be emptied."""
    yield
    triggers("drop")


def test_concurrent_writers_keep_the_chain_a_line(committed: None) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the in-memory SQLite test database has one connection; SQLite has one writer")
    p = make_patient("MRN-0701")
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(15):
                read_patient(p.mrn, actor=PRESCRIBER, at=NOW + timedelta(seconds=worker * 100 + n))
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = events()
    assert len(rows) == 2 + 6 * 15
    assert [e.seq for e in rows] == list(range(1, len(rows) + 1))
    assert verify_chain().intact


def test_the_migration_chains_the_events_written_before_it(committed: None) -> None:
    """Events written before the chain existed are chained in id order by migration 0003, with
    the append-only triggers dropped around the backfill and back afterwards."""
    call_command("migrate", "audit", "0002", verbosity=0)
    with connection.cursor() as cursor:
        for n in range(5):
            cursor.execute(
                f"INSERT INTO {TABLE} (at, actor, action, object_type, object_id, patient_mrn, "
                "detail) VALUES (%s, %s, 'read', 'patient', %s, 'MRN-0702', '')",
                [NOW + timedelta(minutes=n), f"user{n}", str(n)],
            )
    call_command("migrate", "audit", verbosity=0)
    rows = events()
    assert [e.actor for e in rows] == [f"user{n}" for n in range(5)]
    assert [e.seq for e in rows] == [1, 2, 3, 4, 5]
    assert verify_chain().intact
    # the new writes continue the chain
    record(at=NOW + timedelta(hours=1), actor="user5", action=AuditAction.READ)
    assert AuditEvent.objects.get(actor="user5").prev_hash == rows[-1].row_hash
    assert verify_chain().intact
    # and the triggers are back
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET detail = 'x'")
