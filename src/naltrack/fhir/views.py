"""The FHIR endpoints under /fhir: JSON (application/fhir+json) in, resources out, every error an
OperationOutcome. Staff bearer tokens (the app's own API tokens, with their lockout) sign the
requests; each chart a response shows is audited as a read, through the patients area's one door.

Nothing here decides a clinical question: the views gather, call the areas' services and map.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.bundle import Bundle
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from naltrack import __version__, clock
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor, PermissionRefused
from naltrack.accounts.tokens import TokenRefused
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.services import record_many
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.patients.models import Patient
from naltrack.patients.services import read_patient
from naltrack.signin.bearer import AddressLocked, bearer_actor

from . import resources, search

FHIR_JSON = "application/fhir+json"
log = logging.getLogger("naltrack.fhir")


class _Refused(Exception):
    def __init__(self, status: int, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def _answer(resource: FHIRAbstractModel, status: int = 200) -> HttpResponse:
    body = resource.model_dump_json(exclude_none=True)
    response = HttpResponse(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")
    response["Cache-Control"] = "no-store"  # a patient's record is never cached on the way
    return response


def _error(status: int, message: str, field: str | None = None) -> HttpResponse:
    return _answer(resources.operation_outcome(status, message, field), status)


def _actor(request: HttpRequest) -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _Refused(401, "a bearer token is required (Authorization: Bearer ...)")
    try:
        return bearer_actor(request, token.strip())[1]
    except AddressLocked:
        raise _Refused(
            429, "too many failed sign-ins or bad tokens from this address; try later"
        ) from None
    except TokenRefused as exc:
        raise _Refused(exc.status, exc.message) from None


def fhir_view(handler: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET only; the refusals of the areas below as OperationOutcomes with their statuses; an
    unexpected failure a 500 with no detail (logged)."""

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            response = _error(405, f"{request.method} is not supported here (read and search only)")
            response["Allow"] = "GET"
            return response
        try:
            return handler(request, *args, **kwargs)
        except _Refused as exc:
            return _error(exc.status, exc.message, exc.field)
        except NotFoundError as exc:  # before InputError, which it extends
            return _error(404, exc.message, exc.field or None)
        except InputError as exc:
            return _error(400, exc.message, exc.field or None)
        except (PermissionRefused, OutsideCareTeam) as exc:
            return _error(403, str(getattr(exc, "message", exc)))
        except Exception:
            log.exception("FHIR request failed: %s", request.path)
            return _error(500, "the server could not answer this request")

    return view


@fhir_view
def metadata(request: HttpRequest) -> HttpResponse:
    """The CapabilityStatement: open to anyone (FHIR clients read it before they sign in)."""
    on = clock.now().date().isoformat()
    return _answer(resources.capability_statement(software_version=__version__, on=on))


@fhir_view
def patient_read(request: HttpRequest, pk: str) -> HttpResponse:
    actor = _actor(request)
    row = Patient.objects.filter(pk=int(pk)).first() if search.is_id(pk) else None
    if row is None:
        raise NotFoundError(f"no Patient has the id {pk[:40]!r}", "id")
    read_patient(row.mrn, actor=actor, at=clock.now(), what="contact")  # role check and audit
    return _answer(resources.patient(row))


@fhir_view
def patient_search(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    actor.require(Action.VIEW_PATIENT_LIST)
    params = {name: request.GET.getlist(name) for name in request.GET}
    count, offset = search.count_and_offset(params)
    rows = search.patients(params)
    total = rows.count()
    page = list(rows[offset : offset + count])
    at = clock.now()
    # Each chart shown is a read of it, audited by patient (one append of the chain for the page).
    if page:
        record_many([
            AuditEvent(at=at, actor=actor.username, action=AuditAction.READ, object_type="patient_contact",
                       object_id=str(row.pk), patient_mrn=row.mrn, remote_addr=actor.remote_addr,
                       detail="FHIR Patient search")
            for row in page
        ])  # fmt: skip
    base = f"{resources.public_url()}/fhir/Patient"

    def link(relation: str, at_offset: int) -> dict[str, str]:
        query = [(k, v) for k, values in params.items() if k != "_offset" for v in values]
        query = [(k, v) for k, v in query if k != "_count"] + [("_count", str(count))]
        if at_offset:
            query.append(("_offset", str(at_offset)))
        return {"relation": relation, "url": f"{base}?{urlencode(query)}"}

    links = [link("self", offset)]
    if offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(0, offset - count)))
    bundle = Bundle.model_validate({
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {"fullUrl": f"{base}/{row.pk}", "resource": resources.patient(row).model_dump(exclude_none=True),
             "search": {"mode": "match"}}
            for row in page
        ],
    })  # fmt: skip
    return _answer(bundle)


@fhir_view
def not_served(request: HttpRequest, rest: str) -> HttpResponse:
    kind = rest.split("/", 1)[0]
    raise _Refused(
        404, f"{kind or 'this'} is not served here yet; GET /fhir/metadata lists what is"
    )
