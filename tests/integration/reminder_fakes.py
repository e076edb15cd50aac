"""Test doubles for the reminder tests: a recording transport, Twilio's HTTP layer faked (the real
client library above it, never the network), and a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiosmtpd.controller import Controller
from twilio.http import HttpClient
from twilio.http.response import Response

from naltrack.reminders.messages import Message
from naltrack.reminders.transports import SendError


def _free_ports(n: int) -> list[int]:
    """`n` different ports nothing listens on now, picked by the system: `make test` runs two
    passes of pytest-xdist workers at once, and no two of them may share an SMTP server's port."""
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


# The SMTP server's port, and one where no server runs (test_reminders_smtp's server that is down).
SMTP_PORT, CLOSED_PORT = _free_ports(2)


@dataclass
class Recording:
    """A transport that keeps what it was asked to send; `fail` raises instead, in order."""

    sent: list[tuple[str, Message, dict[str, str]]] = field(default_factory=list)
    fail: list[Exception] = field(default_factory=list)

    def send(self, to: str, message: Message, headers: dict[str, str]) -> str:
        if self.fail:
            raise self.fail.pop(0)
        self.sent.append((to, message, headers))
        return ""


def down() -> SendError:
    return SendError("the mail server could not be reached: connection refused", retry=True)


class FakeTwilioHttp(HttpClient):  # type: ignore[misc]  # twilio ships no types
    """Twilio's HTTP layer: records each request and answers as the API would (201 with a
    message SID, or the queued error)."""

    def __init__(self) -> None:
        super().__init__(logger=None, is_async=False)
        self.requests: list[dict[str, Any]] = []
        self.errors: list[tuple[int, int, str]] = []  # (HTTP status, Twilio code, message)

    def request(self, method: str, uri: str, params: Any = None, data: Any = None,
                headers: Any = None, auth: Any = None, timeout: Any = None,
                allow_redirects: bool = False) -> Response:  # fmt: skip
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        if self.errors:
            status, code, text = self.errors.pop(0)
            body = {"code": code, "message": text, "more_info": "", "status": status}
            return Response(status, json.dumps(body))
        sid = f"SM{len(self.requests):032d}"
        body = {
            "sid": sid,
            "status": "queued",
            "to": (data or {}).get("To"),
            "body": (data or {}).get("Body"),
        }
        return Response(201, json.dumps(body))


class MailSink:
    """aiosmtpd's handler: keeps every message; refuses recipients listed in `refuse` (550)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse: set[str] = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: Any) -> str:  # fmt: skip
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server(port: int = SMTP_PORT) -> Iterator[MailSink]:
    sink = MailSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()
