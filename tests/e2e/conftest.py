"""Browser tests: Playwright drives Debian's /usr/bin/chromium (never a downloaded browser) against
a live server on the test database. In CI a missing browser is a failure, never a skip."""

from __future__ import annotations

import dataclasses
import importlib
import os
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import Path
from time import monotonic
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
os.environ.setdefault(
    "DJANGO_ALLOW_ASYNC_UNSAFE", "true"
)  # Playwright's sync API runs an event loop


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("/usr/bin/chromium is missing: .ci/run installs Debian's chromium")
        pytest.skip("/usr/bin/chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage"],
        )
        yield b
        b.close()


def _audit_sql(kind: str) -> list[str]:
    from django.db import connection

    m = importlib.import_module("naltrack.audit.migrations.0002_append_only_triggers")

    vendor = connection.vendor
    chosen = (
        m.DROP[vendor] if kind == "drop" else {"sqlite": m.SQLITE, "postgresql": m.POSTGRES}[vendor]
    )
    return [str(sql) for sql in chosen]


@pytest.fixture(scope="module", autouse=True)
def _append_only_restored(django_db_blocker: Any) -> Iterator[None]:
    """Browser tests need committed data (a live server), so the database is emptied after each
    test, which the audit trail's append-only triggers rightly refuse. Each test drops them in the
    throwaway test database (see `page`); they are put back when the module ends, so the database
    tests that check them still see them."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        for sql in _audit_sql("drop") + _audit_sql("create"):
            cursor.execute(sql)


@pytest.fixture
def page(
    browser: Any, transactional_db: None, live_server: Any, settings: Any, monkeypatch: Any
) -> Iterator[Any]:
    from django.db import connection

    from naltrack import clock
    from tests.integration.conftest import TODAY

    with connection.cursor() as cursor:
        for sql in _audit_sql("drop"):
            cursor.execute(sql)

    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    # The clinic's clock runs from noon on TODAY, whatever the machine's time of day: the tests
    # type times such as "09:05" on TODAY, which the MAR would refuse as in the future if the
    # suite ran just after midnight (it did, once, in CI).
    monkeypatch.setattr(clock, "now", _running_from_noon(TODAY))
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def _running_from_noon(day: Any) -> Any:
    from django.utils import timezone

    started = monotonic()  # the elapsed time only: tests never read the wall clock
    noon = timezone.make_aware(datetime.combine(day, time(12, 0)))

    def now() -> datetime:
        return timezone.localtime(noon + timedelta(seconds=monotonic() - started))

    return now


def sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/today/")
