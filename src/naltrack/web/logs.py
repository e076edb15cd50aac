"""Structured logs without PHI: one JSON object a line, and a line for every request.

A log leaves the clinic's records (to a journal, a log host, a support ticket), so it must not
carry what 42 CFR Part 2 protects. Three guards:

- The request line names the route's pattern (`patients/<str:mrn>/`), never the path, so no MRN;
  the staff member's id, never a patient's; no query string (a search for a name).
- Every message passes `redact()`: what follows /patients/ in a path and any query string are
  replaced (Django's own "Not Found: /patients/MRN-0001/" lines, gunicorn's errors).
- An exception is logged by its type and its frames (file, line, function), not its text: a
  database error's text quotes the row ("Key (mrn)=(MRN-0001) already exists").
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse

# A patient's segment of a URL path, and a query string: both may name a patient. The wallet
# card's check link holds a bearer token (card/check/<token>/): kept out of the logs the same way.
# (A route's own pattern, `/patients/<str:mrn>/`, is kept: it names no one.)
_PATIENT_PATH = re.compile(r"(/patients/|/card/check/)(?!<[a-z]+:[a-z_]+>/)[^/\s\"']+")
_QUERY = re.compile(r"\?[^\s\"']*")
# Standard LogRecord attributes; anything else on a record was passed in `extra=`.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
# extra= fields a line may carry (anything else is dropped: an `extra` could hold a record).
_ALLOWED_EXTRA = {"method", "route", "status", "duration_ms", "user_id", "status_code"}


def redact(text: str) -> str:
    return _QUERY.sub("?<redacted>", _PATIENT_PATH.sub(r"\1<redacted>", text))


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC), level, logger, message, allowed extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }  # fmt: skip
        for key, value in vars(record).items():
            if key in _ALLOWED_EXTRA and key not in _STANDARD:
                line[key] = (
                    value
                    if value is None or isinstance(value, int | float | bool)
                    else redact(str(value))
                )
        if record.exc_info and record.exc_info[0] is not None:
            kind, _, tb = record.exc_info
            line["exception"] = kind.__name__
            line["frames"] = [f"{f.filename}:{f.lineno} in {f.name}"
                              for f in traceback.extract_tb(tb)]  # fmt: skip
        return json.dumps(line, ensure_ascii=False)


request_log = logging.getLogger("naltrack.request")


class RequestLogMiddleware:
    """A line for every request: method, route pattern, status, duration, the staff user's id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        request_log.info(
            "request",
            extra={
                "method": request.method,
                "route": "/" + match.route if match is not None else "<unresolved>",
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response
