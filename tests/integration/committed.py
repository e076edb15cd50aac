"""Tests on committed data (`transaction=True`: real threads, processes, a live server).

pytest-django empties the database after each such test, which the audit trail's append-only
triggers rightly refuse; `committed_data` drops them in the throwaway test database for the test,
and they are put back when the module ends, so the tests that check them still see them (as
tests/e2e/conftest.py does for the browser tests). Use both fixtures in a module:
`pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_data")]`
with `append_only_restored` imported.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection


def _audit_sql(kind: str) -> list[str]:
    m = importlib.import_module("naltrack.audit.migrations.0002_append_only_triggers")
    vendor = connection.vendor
    chosen = (
        m.DROP[vendor] if kind == "drop" else {"sqlite": m.SQLITE, "postgresql": m.POSTGRES}[vendor]
    )
    return [str(sql) for sql in chosen]


@pytest.fixture(scope="module", autouse=True)
def append_only_restored(django_db_blocker: Any) -> Iterator[None]:
    yield
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for sql in _audit_sql("drop") + _audit_sql("create"):
            cursor.execute(sql)


@pytest.fixture
def committed_data(transactional_db: None) -> None:
    with connection.cursor() as cursor:
        for sql in _audit_sql("drop"):
            cursor.execute(sql)
