"""The CDS Hooks endpoints: discovery (open, as the specification has it), each service's call
and its feedback (the EHR's signed JWT first). Errors are JSON: 400 naming the field, 401 with
why the JWT is not trusted, 404 for a service we do not offer, 405, 412 without the prefetched
Patient, 429 once an address has sent too many untrusted JWTs (each one counts against it, as a
bad staff token does: signin.lockout; the director unlocks it)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from naltrack import clock
from naltrack.clinical.errors import InputError
from naltrack.signin.lockout import token_address_locked, token_failed

from . import services
from .auth import Caller, NotTrusted, bearer, verify


def _json(data: dict[str, Any], status: int = 200) -> HttpResponse:
    answer = JsonResponse(data, status=status)
    answer["Cache-Control"] = "no-store"
    return _cors(answer)


def _cors(answer: HttpResponse) -> HttpResponse:
    """CDS Hooks 2.0 "Cross-Origin Resource Sharing": an EHR's web client calls the services from
    its own origin. Any origin may: trust is the signed JWT (no cookie, no session is read)."""
    answer["Access-Control-Allow-Origin"] = "*"
    answer["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    answer["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
    answer["Access-Control-Expose-Headers"] = "Origin, Accept, Content-Location, Location, X-Requested-With"  # fmt: skip
    return answer


def _preflight() -> HttpResponse:
    answer = HttpResponse(status=200)
    answer["Access-Control-Max-Age"] = "600"
    return _cors(answer)


@csrf_exempt
def discovery(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in ("GET", "HEAD"):
        return _json({"error": "discovery is read with GET"}, 405)
    return _json(services.discovery())


def _call(request: HttpRequest, service_id: str,
          then: Callable[[services.Hook, object, Caller], dict[str, Any]], *, feedback: bool = False) -> HttpResponse:  # fmt: skip
    if request.method == "OPTIONS":  # a browser's preflight: before any JWT
        return _preflight()
    hook = services.SERVICES.get(service_id)
    if hook is None:
        return _json({"error": f"no CDS service {service_id!r}; see /cds-services"}, 404)
    if request.method != "POST":
        return _json({"error": "a CDS service is called with POST"}, 405)
    if token_address_locked(request):  # before the JWT is looked at, as for staff tokens
        return _json({"error": "too many untrusted calls from this address; wait, or ask the program to unlock it"}, 429)  # fmt: skip
    try:
        caller = verify(
            bearer(request.headers.get("Authorization", "")), service_id, feedback=feedback
        )
    except NotTrusted as exc:
        token_failed(request, what="cds_jwt", detail=f"CDS Hooks {service_id}: {exc}")
        answer = _json({"error": str(exc)}, 401)
        answer["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return answer
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return _json({"message": "the body is not JSON", "field": "body"}, 400)
    try:
        return _json(then(hook, body, caller))
    except services.NoPrefetch:
        return _json({"error": "prefetch the Patient (Patient/{{context.patientId}}) with this clinic's MRN identifier"}, 412)  # fmt: skip
    except InputError as exc:
        return _json({"message": exc.message, "field": exc.field}, 400)


@csrf_exempt
def service(request: HttpRequest, service_id: str) -> HttpResponse:
    addr = request.META.get("REMOTE_ADDR")
    return _call(request, service_id, lambda hook, body, caller: services.answer(
        hook, body, caller, at=clock.now(), remote_addr=addr))  # fmt: skip


@csrf_exempt
def feedback(request: HttpRequest, service_id: str) -> HttpResponse:
    return _call(request, service_id, lambda hook, body, caller: {
        "stored": services.record_feedback(hook, body, caller, at=clock.now())}, feedback=True)  # fmt: skip
