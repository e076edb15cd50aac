"""Idempotent API writes: a POST to the API with an `Idempotency-Key` header is answered once.

A client that did not get an answer (a dropped connection, a timeout) sends the same request again
with the same key; it gets the first answer (status and body, with `Idempotent-Replayed: true`) and
nothing is written twice: the second nurse's tablet retrying "record this injection" must not
record a second injection. Keys belong to the user of the bearer token, expire after a day, and
follow the IETF draft "The Idempotency-Key HTTP Header Field", in the API's error vocabulary
(api.py: 409 is a conflict with what is recorded; the draft's 422 is not used):

- the same key with another method, path or body: 409, the key names one request;
- the same key while the first request is still being answered: 409, retry shortly;
- a malformed key: 400. Without the header, nothing changes.

A first answer of 5xx is not kept (nothing was written: the use case's transaction rolled back),
so a retry runs again. The answer is stored after the use case has committed: if the server dies
in between, the key stays "being answered" for a few minutes, then a retry runs again (and the
use case's own checks, inside its transaction, refuse what is already recorded).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from naltrack import clock
from naltrack.accounts.models import IdempotencyKey
from naltrack.accounts.services import user_for_token

HEADER = "Idempotency-Key"
API_PREFIX = "/api/"
KEEP_FOR = timedelta(hours=24)  # how long a key answers retries (the draft suggests a day)
ABANDONED_AFTER = timedelta(minutes=5)  # a first request never answered: its key is free again
KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # visible ASCII, as the header's string value


class IdempotencyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        if not KEY.match(key):
            return _refusal(400, "must be 1-255 visible ASCII characters (a UUID is best)")
        user = _token_user(request)
        if user is None:  # the API answers 401; nothing to remember
            return self.get_response(request)
        try:
            body = request.body
        except Exception:  # too big or unreadable: the API's own answer stands
            return self.get_response(request)
        digest = hashlib.sha256(body).hexdigest()
        row, first = _claim(user, key, str(request.method), request.path, digest, clock.now())
        if not first:
            return _answer_again(row, str(request.method), request.path, digest)
        try:
            response = self.get_response(request)
        except BaseException:
            row.delete()
            raise
        if (
            response.status_code >= 500
            or response.streaming
            or not isinstance(response, HttpResponse)
        ):
            row.delete()  # nothing was written; a retry runs again
            return response
        row.status = response.status_code
        row.content_type = response.get("Content-Type", "")[:100]
        row.response_body = response.content.decode("utf-8", errors="replace")
        row.save(update_fields=["status", "content_type", "response_body"])
        return response


def _token_user(request: HttpRequest) -> User | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip(), str(request.method))


def _claim(user: User, key: str, method: str, path: str, digest: str,
           now: datetime) -> tuple[IdempotencyKey, bool]:  # fmt: skip
    """The key's row, and whether this request is the first with it (then the row is new, with
    no status yet). The insert is committed at once, so a concurrent retry sees it."""
    with transaction.atomic():
        IdempotencyKey.objects.filter(created_at__lt=now - KEEP_FOR).delete()
        IdempotencyKey.objects.filter(
            user=user, key=key, status__isnull=True, created_at__lt=now - ABANDONED_AFTER
        ).delete()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    user=user, key=key, method=method, path=path[:2000], body_hash=digest,
                    created_at=now,
                )  # fmt: skip
            return row, True
        except IntegrityError:
            return IdempotencyKey.objects.get(user=user, key=key), False


def _answer_again(row: IdempotencyKey, method: str, path: str, digest: str) -> HttpResponse:
    if (row.method, row.path, row.body_hash) != (method, path[:2000], digest):
        return _refusal(
            409,
            "this key was already used for a different request; send a new key with a new request",
        )
    if row.status is None:
        return _refusal(
            409, "the first request with this key is still being answered; retry shortly"
        )
    response = HttpResponse(row.response_body, status=row.status, content_type=row.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _refusal(status: int, message: str) -> HttpResponse:
    """The API's one error shape, naming the header."""
    return JsonResponse({"message": message, "field": HEADER}, status=status)
