"""`naltrack serve` in production mode (gunicorn) as a process, against the test database.

The tests start it on a port the system picks (read back from gunicorn's JSON start line), reach it
as the TLS proxy would (`X-Forwarded-Proto: https`), and stop it with a signal: SIGTERM to stop,
SIGKILL to the whole process group (master and workers) to crash it.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.db import connection

NALTRACK = Path(sys.executable).with_name("naltrack")
SECRET = "test-secret-key-for-the-production-server-0123456789"
STARTUP_S = 120  # migrate + collectstatic + workers, on a loaded 2-core machine


def database_url() -> str:
    """The test database's URL, for the server process to use the committed rows."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    lines: list[str] = field(default_factory=list)  # its stderr, one log line each

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc.poll() is None:
            # the master and its workers share the session started for it
            os.killpg(self.proc.pid, sig)
        self.proc.wait(timeout=60)

    def log(self) -> str:
        return "\n".join(self.lines)


def start(tmp: Path, **env_extra: str) -> Server:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NALTRACK_") and k != "DJANGO_SETTINGS_MODULE"}  # fmt: skip
    env.update(NALTRACK_SECRET_KEY=SECRET, NALTRACK_ALLOWED_HOSTS="127.0.0.1",
               NALTRACK_DATABASE_URL=database_url(), NALTRACK_DATA_DIR=str(tmp),
               NALTRACK_TIME_ZONE="UTC", NALTRACK_WEB_WORKERS="2", NALTRACK_WEB_THREADS="4")  # fmt: skip
    env.update(env_extra)
    proc = subprocess.Popen(
        [str(NALTRACK), "serve", "--addr", "127.0.0.1:0"], env=env, text=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    server = Server(proc, 0)
    found = threading.Event()

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            server.lines.append(line.rstrip("\n"))
            m = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
            if m:
                server.port = int(m.group(1))
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    found.wait(STARTUP_S)
    if not server.port:
        server.stop(signal.SIGKILL)
        raise AssertionError("the server did not start:\n" + server.log())
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:  # the workers load the application lazily
        try:
            if get(server, "/readyz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.stop(signal.SIGKILL)
    raise AssertionError("the server never became ready:\n" + server.log())


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(server: Server, method: str, path: str, *, body: bytes | None = None,
            headers: dict[str, str] | None = None, https: bool = True, timeout: float = 30) -> Answer:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        sent = dict(headers or {})
        if https:
            sent["X-Forwarded-Proto"] = "https"  # as the TLS proxy in front of it says
        conn.request(method, path, body=body, headers=sent)
        r = conn.getresponse()
        return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
    finally:
        conn.close()


def get(server: Server, path: str, **kw: Any) -> Answer:
    return request(server, "GET", path, **kw)


def api(server: Server, method: str, path: str, token: str, payload: object = None) -> Answer:
    return request(server, method, f"/api{path}",
                   body=json.dumps(payload).encode() if payload is not None else None,
                   headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})  # fmt: skip


class Browser:
    """A signed-in member of staff: cookies kept by hand (they are Secure, so no cookie jar would
    send them over the loopback's plain HTTP), the CSRF token sent back as a form posts it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.cookies: dict[str, str] = {}
        self.headers: dict[str, str] = {}  # sent with every request (X-Forwarded-For, ...)

    def go(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = self.headers | {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers |= {"Content-Type": "application/x-www-form-urlencoded",
                        "Origin": f"https://127.0.0.1:{self.server.port}"}  # fmt: skip
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers | {"X-Forwarded-Proto": "https"})
            r = conn.getresponse()
            for name, value in r.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return Answer(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            conn.close()

    def sign_in(self, username: str, password: str) -> None:
        page = self.go("GET", "/login/")
        m = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        assert m, page.body[:500]
        done = self.go("POST", "/login/", {"csrfmiddlewaretoken": m.group(1).decode(),
                                           "username": username, "password": password})  # fmt: skip
        assert done.status == 302, (done.status, done.body[:500])
