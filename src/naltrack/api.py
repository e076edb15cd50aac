"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, docs at /api/docs.

Bearer tokens (`naltrack token create --user NAME`). One error vocabulary, mapped here and nowhere
else, with one shape for every refusal, {"message": ..., "field": ...}:

  400  bad input, naming the field (InputError; a request that does not match the schema)
  401  no token or a bad one: unknown, expired, revoked, or its account disabled (TokenRefused,
       saying which)
  429  too many bad tokens (or failed sign-ins) from this address: locked for a while (signin.lockout)
  403  the role may not (PermissionRefused); a read-only token asked to write, or a write-only
       token to read (TokenRefused); or the consent filter refused to let a patient's
       records leave the program (DisclosureRefused, 42 CFR Part 2: the message gives the reason);
       or the chart is of a patient outside the caller's care team (OutsideCareTeam: break the
       glass first, POST /api/patients/{mrn}/break-glass)
  404  an unknown id or MRN, or another patient's record named under this one (NotFoundError)
  409  well formed but in conflict with the record: already recorded, signed or resolved, a stale
       version (ConflictError)
  413  a body larger than DATA_UPLOAD_MAX_MEMORY_SIZE

422 is not used: a well-formed request that a clinical rule refuses is bad input for that rule and
names the field (400), like on the pages and in the CLI. Every operation declares these statuses
with the error schema (web.apiutil.answers). No request causes a server error: the last handler
answers any unexpected failure as a 500 with the same shape and no detail, and logs it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.operation import Operation
from ninja.security import HttpBearer

from naltrack.accounts.services import PermissionRefused
from naltrack.accounts.tokens import TokenRefused
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.consent import DisclosureRefused
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.signin.bearer import AddressLocked, bearer_actor
from naltrack.web.auditing import audit_refusal

log = logging.getLogger("naltrack.api")


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user, request.naltrack_actor = bearer_actor(request, token)  # type: ignore[attr-defined]
        request.user = user
        return user


class NaltrackAPI(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        """An operation's id names its API area (the router's tag) and its handler, not the Python
        module it lives in, so moving a handler between areas (issue 9, part 7) keeps the published
        ids: `naltrack_patients_api_get_patient` whichever module serves it."""
        area = operation.tags[0] if operation.tags else "api"
        return f"naltrack_{area}_api_{operation.view_func.__name__}"


api = NaltrackAPI(
    title="naltrack",
    version="1",
    description="Clinic records and workflows for a naltrexone treatment program. Synthetic data only.",
    auth=BearerToken(),
    urls_namespace="api",
    # In production the docs and the OpenAPI document are for signed-in staff (they map every
    # record a patient has); in development they stay open for the demo. Decided from the
    # configuration the server started with (NALTRACK_DEBUG), not from settings.DEBUG, which the
    # test runner turns off after start-up: the answer must not depend on when this was imported.
    docs_decorator=None if settings.CONFIG.debug else login_required,
)


def _error(request: HttpRequest, status: int, message: str, field: str | None) -> HttpResponse:
    return api.create_response(request, {"message": message, "field": field}, status=status)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    # ninja's location starts with where (body, query, path) and the parameter's own name
    # (`data`, `payload`); a field name the client knows follows.
    parts = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path") else list(loc)
    if len(parts) > 1 and loc and loc[0] == "body":
        parts = parts[1:]
    return ".".join(str(p) for p in parts)


def _message(msg: str) -> str:
    return msg.removeprefix("Value error, ")


@api.exception_handler(InputError)
def _input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    return _error(request, 400, exc.message, exc.field or None)


@api.exception_handler(NotFoundError)
def _not_found_error(request: HttpRequest, exc: NotFoundError) -> HttpResponse:
    return _error(request, 404, exc.message, exc.field or None)


@api.exception_handler(ConflictError)
def _conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
    return _error(request, 409, exc.message, exc.field or None)


@api.exception_handler(DisclosureRefused)
def _disclosure_refused(request: HttpRequest, exc: DisclosureRefused) -> HttpResponse:
    return _error(request, 403, exc.message, exc.field or None)


@api.exception_handler(OutsideCareTeam)
def _outside_care_team(request: HttpRequest, exc: OutsideCareTeam) -> HttpResponse:
    return _error(request, 403, f"{exc.message}: POST /api/patients/{exc.mrn}/break-glass with a reason", exc.field)  # fmt: skip


@api.exception_handler(ValidationError)
def _validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    return _error(
        request,
        400,
        _message(str(first.get("msg", "invalid input"))),
        _field(first.get("loc", ())) or None,
    )


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "the request body is too large", None)


@api.exception_handler(PermissionRefused)
def _refused(request: HttpRequest, exc: PermissionRefused) -> HttpResponse:
    match = request.resolver_match
    mrn = str(match.kwargs.get("mrn", "")) if match is not None else ""
    who = getattr(request, "naltrack_actor", None)
    audit_refusal(request, getattr(who, "username", "") or "", str(exc), mrn)
    # a refusal of one part of a record (a plan's medication) names that part
    return _error(request, 403, str(exc), getattr(exc, "field", None))


@api.exception_handler(TokenRefused)
def _token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
    return _error(request, exc.status, exc.message, None)


@api.exception_handler(AddressLocked)
def _address_locked(request: HttpRequest, exc: AddressLocked) -> HttpResponse:
    return _error(
        request,
        429,
        "too many failed sign-ins or bad tokens from this address; try again later",
        None,
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, "a valid bearer token is required (naltrack token create --user NAME)", None
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "not found", None)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc), None)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("unexpected API error on %s %s", request.method, request.path)
    return _error(request, 500, "an unexpected error; nothing was changed", None)


def _routers() -> None:
    from naltrack.alerts.api import router as alerts
    from naltrack.appointments.api import router as appointments
    from naltrack.chart.api import router as patients
    from naltrack.chart.release_api import router as release
    from naltrack.choice.api import router as choice
    from naltrack.disclosure.api import router as disclosure
    from naltrack.insurance.api import router as insurance
    from naltrack.intake.api import router as intake
    from naltrack.inventory.api import router as inventory
    from naltrack.merge.api import router as merge
    from naltrack.naloxone.api import router as naloxone
    from naltrack.reports.api import router as reports
    from naltrack.reports.audit_api import router as audit
    from naltrack.screening.api import router as screening
    from naltrack.treatment.api import router as treatment
    from naltrack.treatment.booking_api import router as booking
    from naltrack.worklist.api import router as worklist

    api.add_router("/", patients)
    api.add_router("/", screening)
    api.add_router("/", treatment)
    api.add_router("/", appointments)
    api.add_router("/", booking)
    api.add_router("/", alerts)
    api.add_router("/", worklist)
    api.add_router("/", audit)
    api.add_router("/", reports)
    api.add_router("/", disclosure)
    api.add_router("/", release)
    api.add_router("/", merge)
    api.add_router("/", intake)
    api.add_router("/", naloxone)
    api.add_router("/", choice)
    api.add_router("/", inventory)
    api.add_router("/", insurance)


_routers()
