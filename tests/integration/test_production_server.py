"""`naltrack serve` in production (issue 10, Operations): gunicorn serving the pages with their CSS
and htmx (whitenoise), probes, HTTPS behind the proxy, API docs behind sign-in, JSON request logs
with no PHI, and, on PostgreSQL, a burst of requests that does not pile up connections.

Each test starts the real server process on the test database (committed rows: transactional_db).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from django.db import connection

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.patients.careteam import add_to_care_team
from naltrack.web.logs import JsonFormatter
from naltrack.web.proxy import client_address
from tests.integration import prodserver
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import NOW, PASSWORD, PRESCRIBER, make_patient

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_data")]


@pytest.fixture(autouse=True)
def production_hasher(settings: Any) -> None:
    """The suite hashes with MD5 for speed; the server checks with production's hashers only."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def server(transactional_db: None, tmp_path: Path) -> Iterator[prodserver.Server]:
    s = prodserver.start(tmp_path)
    yield s
    s.stop()


def test_pages_have_their_css_and_htmx_and_probes_answer(server: prodserver.Server) -> None:
    live = prodserver.get(server, "/healthz", https=False)
    assert (live.status, live.json()) == (200, {"status": "ok"})
    ready = prodserver.get(server, "/readyz", https=False)
    assert (ready.status, ready.json()["status"]) == (200, "ok")
    login = prodserver.get(server, "/login/")
    assert login.status == 200
    html = login.body.decode()
    for name, ext in (("app", "css"), ("htmx-2.0.11.min", "js")):
        # the page links to the copy named by the file's content hash, which browsers keep
        found = re.search(rf'"(/static/naltrack/{re.escape(name)}\.[0-9a-f]{{12}}\.{ext})"', html)
        assert found, name
        served = prodserver.get(server, found.group(1))
        assert served.status == 200, name
        assert len(served.body) > 1000
        assert "max-age=315360000" in served.headers["cache-control"], name
        assert served.headers["content-type"].startswith(
            "text/css" if ext == "css" else "text/javascript"
        )
        # the plain name still answers (an old page open in a browser during an upgrade)
        assert prodserver.get(server, f"/static/naltrack/{name}.{ext}").status == 200


def test_https_only_with_hsts_and_api_docs_behind_sign_in(server: prodserver.Server) -> None:
    plain = prodserver.get(server, "/today/", https=False)
    assert plain.status == 301
    assert plain.headers["location"] == f"https://127.0.0.1:{server.port}/today/"
    secure = prodserver.get(server, "/login/")
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    for path in ("/api/docs", "/api/openapi.json"):
        refused = prodserver.get(server, path)
        assert refused.status == 302 and refused.headers["location"].startswith("/login/"), path
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    nurse = prodserver.Browser(server)
    # the proxy says who the client is; the audit trail records that address, not the proxy's
    nurse.headers["X-Forwarded-For"] = "198.51.100.4, 203.0.113.9"
    nurse.sign_in("nina.nurse", PASSWORD)
    login = AuditEvent.objects.filter(action=AuditAction.LOGIN, actor="nina.nurse").get()
    assert login.remote_addr == "203.0.113.9"
    assert nurse.go("GET", "/api/docs").status == 200
    assert nurse.go("GET", "/api/openapi.json").status == 200
    # The session cookie is only ever sent over HTTPS.
    assert "sessionid" in nurse.cookies


def test_request_log_lines_are_json_and_name_no_patient(server: prodserver.Server) -> None:
    p = make_patient("MRN-7731")
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    # Production opens charts to the care team only (NALTRACK_CARE_TEAM_REQUIRED defaults on).
    add_to_care_team(p, "nina.nurse", actor=PRESCRIBER, at=NOW)
    nurse = prodserver.Browser(server)
    nurse.sign_in("nina.nurse", PASSWORD)
    chart = nurse.go("GET", f"/patients/{p.mrn}/")
    assert chart.status == 200 and p.family_name.encode() in chart.body
    assert nurse.go("GET", "/patients/?" + urlencode({"q": p.family_name})).status == 200
    assert nurse.go("GET", "/patients/MRN-NOSUCH/").status == 404
    server.stop()  # flushes its log
    lines = [json.loads(line) for line in server.lines]  # every line is one JSON object
    requests = [line for line in lines if line["logger"] == "naltrack.request"]
    routes = {(r["method"], r["route"], r["status"]) for r in requests}
    assert ("GET", "/patients/<str:mrn>/", 200) in routes
    assert ("GET", "/patients/<str:mrn>/", 404) in routes
    assert ("POST", "/login/", 302) in routes
    chart_line = next(r for r in requests if r["route"] == "/patients/<str:mrn>/")
    assert isinstance(chart_line["duration_ms"], float) and chart_line["user_id"] is not None
    log = server.log()
    for phi in (p.mrn, "MRN-NOSUCH", p.family_name, p.given_name, "Patient"):
        assert phi not in log, phi


@pytest.mark.postgresql
def test_a_burst_of_requests_does_not_pile_up_connections(
    transactional_db: None, tmp_path: Path
) -> None:
    """Today on PostgreSQL idle connections piled up until "too many clients" after a 5-second
    burst. Now each of the 2 processes holds a pool of at most NALTRACK_DB_POOL_SIZE (3 here):
    160 requests from 16 clients at once never see more than 6 connections, and all succeed."""
    assert connection.vendor == "postgresql"
    name = connection.settings_dict["NAME"]
    count = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid() "
        "AND NOT pid = ANY(%s)"
    )
    with psycopg.connect(prodserver.database_url(), autocommit=True) as conn:
        # this test process's own connections (its pool), open before the server starts
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [name])
        ours = [r[0] for r in rows.fetchall()]
    server = prodserver.start(tmp_path, NALTRACK_DB_POOL_SIZE="3")
    statuses: list[int] = []
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        with psycopg.connect(prodserver.database_url(), autocommit=True) as conn:
            while not done.is_set():
                row = conn.execute(count, [name, ours]).fetchone()
                peak[0] = max(peak[0], row[0] if row else 0)
                done.wait(0.02)

    def client() -> None:
        for _ in range(10):
            statuses.append(prodserver.get(server, "/readyz", https=False).status)

    try:
        watcher = threading.Thread(target=watch)
        watcher.start()
        clients = [threading.Thread(target=client) for _ in range(16)]
        for t in clients:
            t.start()
        for t in clients:
            t.join()
        done.set()
        watcher.join()
    finally:
        done.set()
        server.stop()
    assert statuses == [200] * 160
    assert 1 <= peak[0] <= 2 * 3


def test_a_logged_error_keeps_its_type_and_frames_not_its_text() -> None:
    """A database error's text quotes the row; the line keeps where it happened, not what."""
    formatter = JsonFormatter()
    try:
        raise ValueError('duplicate key: Key (mrn)=(MRN-0001) "Alice Example" already exists')
    except ValueError:
        record = logging.getLogger("naltrack.api").makeRecord(
            "naltrack.api", logging.ERROR, __file__, 1, "Not Found: %s", ("/patients/MRN-0001/?q=Alice",),
            sys.exc_info(), extra={"route": "/patients/<str:mrn>/", "patient": "Alice Example"},
        )  # fmt: skip
    line = json.loads(formatter.format(record))
    assert line["message"] == "Not Found: /patients/<redacted>/?<redacted>"
    assert line["exception"] == "ValueError"
    assert line["frames"] and "test_production_server.py" in line["frames"][0]
    assert line["route"] == "/patients/<str:mrn>/"
    text = json.dumps(line)
    assert "MRN-0001" not in text and "Alice" not in text


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # the proxy on loopback names the client
        ("127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # a forged left part is ignored
        ("127.0.0.1", "203.0.113.9, 10.0.0.2", "10.0.0.2"),  # 10.0.0.2 is not a trusted proxy
        ("127.0.0.1", "203.0.113.9, ::1", "203.0.113.9"),  # two trusted proxies in a row
        ("198.51.100.7", "203.0.113.9", "198.51.100.7"),  # not from a proxy: the socket's address
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
    ],
)
def test_the_client_address_comes_from_a_trusted_proxy_only(
    remote: str, forwarded: str, client: str
) -> None:
    assert client_address(remote, forwarded, frozenset({"127.0.0.1", "::1"})) == client
