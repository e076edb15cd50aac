"""The FHIR endpoints under /fhir: JSON (application/fhir+json) in, resources out, every error an
OperationOutcome.

Who reads:
- a staff member, with their bearer token (the app's own API tokens, with their lockout): each
  chart a response shows is opened through the patients area's one door (role, care team, audit);
- another system, with a SMART Backend Services access token (smart.py): each chart's records it
  reads are a disclosure through the consent filter (disclosure.services.disclose), to the system
  by name, for its registered purpose, accounted (channel "FHIR API"). Without a consent that
  covers it, the chart is not there for that system: a read answers 404 as for an id that does not
  exist (that a person is a patient of the program is itself a Part 2 record), a search leaves it out.

Nothing here decides a clinical question: the views gather, call the areas' services and map.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import User
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.resource import Resource
from fhir_core.fhirabstractmodel import FHIRAbstractModel

from naltrack import __version__, clock
from naltrack.accounts.actors import Service
from naltrack.accounts.roles import Action, Role
from naltrack.accounts.services import Actor, PermissionRefused
from naltrack.accounts.tokens import TokenRefused
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.services import record_many
from naltrack.clinic import clinic_info
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.consent import (
    DisclosureRefused,
    Purpose,
    Recipient,
    RecipientClass,
    RecordKind,
)
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.clock import local_day
from naltrack.disclosure.models import Channel
from naltrack.disclosure.services import NAME_MAX, consent_decisions, disclose
from naltrack.patients.models import Patient
from naltrack.patients.services import read_patient
from naltrack.signin.bearer import AddressLocked, bearer_actor
from naltrack.signin.lockout import token_address_locked, token_failed

from . import bulk, capability, importing, program, records, resources, search, served, smart
from .models import ExportStatus, ImportedResource

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


@dataclass(frozen=True, slots=True)
class Reader:
    """Who is reading: a staff member (`backend` None), or a backend system acting as a Service
    that may only disclose."""

    actor: Actor | Service
    backend: smart.BackendCaller | None = None

    def require(self, resource_type: str, permission: str) -> None:
        """A backend system's access token must carry a scope for this (r read, s search)."""
        if self.backend is not None and not self.backend.may(resource_type, permission):
            what = "read" if permission == "r" else "search"
            raise _Refused(403, f"the access token's scopes ({' '.join(self.backend.scopes)}) do not allow a {what} of {resource_type}")  # fmt: skip


def _reader(request: HttpRequest) -> Reader:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _Refused(401, "a bearer token is required (Authorization: Bearer ...)")
    caller = smart.caller_for(token.strip())
    if caller is not None:
        if token_address_locked(request):
            raise _Refused(429, "too many failed sign-ins or bad tokens from this address; try later")  # fmt: skip
        actor = Service.named(caller.client.name, frozenset({Action.DISCLOSE_RECORDS}),
                              request.META.get("REMOTE_ADDR"))  # fmt: skip
        return Reader(actor, caller)
    try:
        return Reader(bearer_actor(request, token.strip())[1])
    except AddressLocked:
        raise _Refused(
            429, "too many failed sign-ins or bad tokens from this address; try later"
        ) from None
    except TokenRefused as exc:
        raise _Refused(exc.status, exc.message) from None


def _recipient(caller: smart.BackendCaller) -> Recipient:
    kind = caller.client.recipient_class
    return Recipient(caller.client.name, RecipientClass(kind) if kind else None)


def _open(reader: Reader, patient: Patient, kind: RecordKind, resource_type: str,
          at: datetime) -> bool:  # fmt: skip
    """May the reader have this chart's records of this kind? Staff: the patients area's door
    (role, care team; the read audited; refusals raise). A backend system: the consent filter
    (the disclosure accounted); False when no consent covers it (the refusal audited)."""
    if reader.backend is None:
        what = "contact" if kind is RecordKind.DEMOGRAPHICS else "chart"
        read_patient(patient.mrn, actor=reader.actor, at=at, what=what)  # type: ignore[arg-type]
        return True
    client = reader.backend.client
    try:
        disclose(patient, _recipient(reader.backend), Purpose(client.purpose), {kind},
                 reader.actor, at, channel=Channel.FHIR_API,
                 affiliation=f"FHIR {resource_type} ({client.client_id})"[:NAME_MAX])  # fmt: skip
    except DisclosureRefused:
        return False
    return True


def fhir_view(handler: Callable[..., HttpResponseBase],
              also: tuple[str, ...] = ()) -> Callable[..., HttpResponseBase]:  # fmt: skip
    """GET only (and the methods `also` names); the refusals of the areas below as OperationOutcomes with their statuses; an
    unexpected failure a 500 with no detail (logged)."""

    @csrf_exempt
    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD", *also):
            response = _error(405, f"{request.method} is not supported here (read and search only)")
            response["Allow"] = ", ".join(("GET", *also))
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
    return _answer(capability.capability_statement(software_version=__version__, on=on))


def _bundle(base: str, params: Mapping[str, Sequence[str]], count: int, offset: int, total: int,
            found: Iterable[Resource], included: Sequence[Resource] = ()) -> Bundle:  # fmt: skip
    """A searchset page, with its self, next and previous links (the same search, another page)."""

    def link(relation: str, at_offset: int) -> dict[str, str]:
        query = [(k, v) for k, values in params.items() if k not in ("_offset", "_count") for v in values]  # fmt: skip
        query.append(("_count", str(count)))
        if at_offset:
            query.append(("_offset", str(at_offset)))
        return {"relation": relation, "url": f"{base}?{urlencode(query)}"}

    links = [link("self", offset)]
    if offset + count < total:
        links.append(link("next", offset + count))
    if offset > 0:
        links.append(link("previous", max(0, offset - count)))
    return Bundle.model_validate({
        "resourceType": "Bundle", "type": "searchset", "total": total, "link": links,
        "entry": [{"fullUrl": f"{base}/{r.id}", "resource": r.model_dump(exclude_none=True),
                   "search": {"mode": "match"}} for r in found]
                 + [{"fullUrl": f"{resources.public_url()}/fhir/{r.get_resource_type()}/{r.id}",
                     "resource": r.model_dump(exclude_none=True), "search": {"mode": "include"}}
                    for r in included],
    })  # fmt: skip


def _params(request: HttpRequest) -> dict[str, list[str]]:
    return {name: request.GET.getlist(name) for name in request.GET}


def _no_such(resource_type: str, pk: str) -> NotFoundError:
    return NotFoundError(f"no {resource_type} has the id {pk[:40]!r}", "id")


@fhir_view
def patient_read(request: HttpRequest, pk: str) -> HttpResponse:
    reader = _reader(request)
    reader.require("Patient", "r")
    row = Patient.objects.filter(pk=int(pk)).first() if search.is_id(pk) else None
    if row is None or not _open(reader, row, RecordKind.DEMOGRAPHICS, "Patient", clock.now()):
        raise _no_such("Patient", pk)
    return _answer(resources.patient(row))


@fhir_view
def patient_search(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    reader.require("Patient", "s")
    if reader.backend is None:
        reader.actor.require(Action.VIEW_PATIENT_LIST)
    params = _params(request)
    count, offset = search.count_and_offset(params)
    rows = search.patients(params)
    at = clock.now()
    if reader.backend is None:
        total = rows.count()
        page = list(rows[offset : offset + count])
        # Each chart shown is a read of it, audited by patient (one append of the chain).
        if page:
            record_many([
                AuditEvent(at=at, actor=reader.actor.username, action=AuditAction.READ,
                           object_type="patient_contact", object_id=str(row.pk), patient_mrn=row.mrn,
                           remote_addr=reader.actor.remote_addr, detail="FHIR Patient search")
                for row in page
            ])  # fmt: skip
    else:
        # Only the charts whose consent covers this system (decided without disclosing), then the
        # page's charts disclosed one by one (accounted); a consent revoked in between drops out.
        candidates = list(rows.filter(consents__isnull=False).distinct().order_by("pk"))
        decisions = consent_decisions([(p, _recipient(reader.backend)) for p in candidates],
                                      Purpose(reader.backend.client.purpose),
                                      frozenset({RecordKind.DEMOGRAPHICS}), local_day(at))  # fmt: skip
        allowed = [p for p, d in zip(candidates, decisions, strict=True) if d.allowed]
        total = len(allowed)
        page = [p for p in allowed[offset : offset + count]
                if _open(reader, p, RecordKind.DEMOGRAPHICS, "Patient", at)]  # fmt: skip
    base = f"{resources.public_url()}/fhir/Patient"
    return _answer(
        _bundle(base, params, count, offset, total, [resources.patient(r) for r in page])
    )


def _served(resource_type: str) -> served.Served:
    found = served.SERVED.get(resource_type)
    if found is None:
        raise _Refused(404, f"{resource_type[:40] or 'this'} is not served here; GET /fhir/metadata lists what is")  # fmt: skip
    return found


def _staff_only(reader: Reader, kind: served.Served) -> None:
    if kind.staff_only and reader.backend is not None:
        raise _Refused(403, f"{kind.type} is the program's own record, not disclosed to other systems")  # fmt: skip


@fhir_view
def record_read(request: HttpRequest, resource_type: str, pk: str) -> HttpResponse:
    if resource_type == "Flag":
        return _flag_read(request, pk)
    if resource_type in PROGRAM_TYPES:
        return _program_read(request, resource_type, pk)
    kind = _served(resource_type)
    reader = _reader(request)
    reader.require(resource_type, "r")
    _staff_only(reader, kind)
    row = kind.rows().filter(pk=int(pk)).first() if search.is_id(pk) else None
    patient = Patient.objects.get(pk=row.patient_id) if row is not None else None
    if patient is None or not _open(reader, patient, kind.record_kind, resource_type, clock.now()):
        raise _no_such(resource_type, pk)
    return _answer(kind.resource(row))


@fhir_view
def record_search(request: HttpRequest, resource_type: str) -> HttpResponse:
    if resource_type == "Flag":
        return _flag_search(request)
    if resource_type in PROGRAM_TYPES:
        return _program_search(request, resource_type)
    kind = _served(resource_type)
    reader = _reader(request)
    reader.require(resource_type, "s")
    _staff_only(reader, kind)
    params = _params(request)
    count, offset = search.count_and_offset(params)
    revinclude = _includes(params, resource_type)
    patient_pk = served.patient_id(params)
    searched = {k: v for k, v in params.items() if k not in INCLUDES}
    rows = served.rows(kind, searched, patient_pk)  # every parameter checked before the chart opens
    patient = Patient.objects.filter(pk=patient_pk).first()
    found: list[Resource] = []
    total = 0
    if patient is not None and _open(reader, patient, kind.record_kind, resource_type, clock.now()):
        total = rows.count()
        found = [kind.resource(r) for r in rows[offset : offset + count]]
    included: list[Resource] = []
    if revinclude and found and reader.backend is None:  # provenance is the program's own record
        imported = ImportedResource.objects.filter(resource_type=resource_type,
                                                   object_id__in=[int(str(r.id)) for r in found])  # fmt: skip
        included = [program.provenance(row) for row in imported.order_by("pk")]
    base = f"{resources.public_url()}/fhir/{resource_type}"
    return _answer(_bundle(base, params, count, offset, total, found, included))


# US Core's _include and _revinclude: the medication of an order (always a code here, never a
# reference: nothing to include) and the provenance of imported records.
INCLUDES = {"_include": {"MedicationRequest:medication"}, "_revinclude": {"Provenance:target"}}


def _includes(params: Mapping[str, list[str]], resource_type: str) -> bool:
    """Check `_include` and `_revinclude`; whether Provenance is to be included."""
    for name, allowed in INCLUDES.items():
        for value in params.get(name, []):
            if value not in allowed or (
                name == "_include" and not value.startswith(resource_type + ":")
            ):
                raise InputError(f"only {', '.join(sorted(allowed))} is served (got {value[:60]!r})", name)  # fmt: skip
    return bool(params.get("_revinclude"))


def _flags(patient: Patient) -> list[Resource]:
    """The chart's naltrexone safety flag: the core's patient-view advice on its protection status
    today (none before a first dose, or when there is nothing to warn of)."""
    return list(records.safety_flags([patient.pk], local_day(clock.now())))


def _flag_read(request: HttpRequest, pk: str) -> HttpResponse:
    reader = _reader(request)
    reader.require("Flag", "r")
    head, _, _tail = pk.partition("-")
    patient = Patient.objects.filter(pk=int(head)).first() if search.is_id(head) else None
    if patient is None or not _open(reader, patient, RecordKind.MEDICATIONS, "Flag", clock.now()):
        raise _no_such("Flag", pk)
    found = [f for f in _flags(patient) if f.id == pk]
    if not found:
        raise _no_such("Flag", pk)
    return _answer(found[0])


def _flag_search(request: HttpRequest) -> HttpResponse:
    reader = _reader(request)
    reader.require("Flag", "s")
    params = _params(request)
    for name in params:
        if name not in served.FLAG_PARAMS and name not in search.CONTROL:
            raise InputError("is not a search parameter of Flag here (served: patient)", name)
    count, offset = search.count_and_offset(params)
    patient = Patient.objects.filter(pk=served.patient_id(params)).first()
    found: list[Resource] = []
    if patient is not None and _open(reader, patient, RecordKind.MEDICATIONS, "Flag", clock.now()):
        found = _flags(patient)
    base = f"{resources.public_url()}/fhir/Flag"
    return _answer(_bundle(base, params, count, offset, len(found), found[offset : offset + count]))


# The program and its staff: not a patient's record (no consent filter), read by any token whose
# scopes allow it.
PROGRAM_TYPES = ("Organization", "Practitioner", "PractitionerRole")


def _staff_rows() -> Any:
    return User.objects.filter(staff__isnull=False).select_related("staff").order_by("pk")


def _program_resource(resource_type: str, row: Any) -> Resource:
    if resource_type == "Organization":
        return program.organization(clinic_info())
    if resource_type == "PractitionerRole":
        return program.practitioner_role(row, Role(row.staff.role).label)
    return program.practitioner(row, Role(row.staff.role).label)


def _program_read(request: HttpRequest, resource_type: str, pk: str) -> HttpResponse:
    reader = _reader(request)
    reader.require(resource_type, "r")
    if resource_type == "Organization":
        if pk != "program":
            raise _no_such(resource_type, pk)
        return _answer(program.organization(clinic_info()))
    row = _staff_rows().filter(pk=int(pk)).first() if search.is_id(pk) else None
    if row is None:
        raise _no_such(resource_type, pk)
    return _answer(_program_resource(resource_type, row))


def _program_search(request: HttpRequest, resource_type: str) -> HttpResponse:
    reader = _reader(request)
    reader.require(resource_type, "s")
    params = _params(request)
    allowed = {"Practitioner": {"_id", "identifier"}, "PractitionerRole": {"_id", "practitioner"}}.get(resource_type, {"_id"})  # fmt: skip
    for name in params:
        if name not in allowed and name not in search.CONTROL:
            raise InputError(f"is not a search parameter of {resource_type} here (served: {', '.join(sorted(allowed))})", name)  # fmt: skip
    count, offset = search.count_and_offset(params)
    if resource_type == "Organization":
        found: list[Resource] = [program.organization(clinic_info())]
        if any(v != "program" for v in params.get("_id", [])):
            found = []
    else:
        rows = _staff_rows()
        for value in params.get("_id", []):
            rows = rows.filter(pk=int(value)) if search.is_id(value) else rows.none()
        for value in params.get("identifier", []):
            rows = rows.filter(username=value.rpartition("|")[2])
        for value in params.get("practitioner", []):
            pk = value.removeprefix("Practitioner/")
            rows = rows.filter(pk=int(pk)) if search.is_id(pk) else rows.none()
        found = [_program_resource(resource_type, r) for r in rows]
    base = f"{resources.public_url()}/fhir/{resource_type}"
    return _answer(_bundle(base, params, count, offset, len(found), found[offset : offset + count]))


@fhir_view
def not_served(request: HttpRequest, rest: str) -> HttpResponse:
    kind = rest.split("/", 1)[0]
    raise _Refused(404, f"{kind[:40] or 'this'} is not served here; GET /fhir/metadata lists what is")  # fmt: skip


# --- SMART Backend Services ------------------------------------------------------------------------


def _oauth(data: dict[str, Any], status: int = 200) -> JsonResponse:
    answer = JsonResponse(data, status=status)
    answer["Cache-Control"] = "no-store"
    answer["Pragma"] = "no-cache"
    return answer


def smart_configuration(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return _oauth({"error": "invalid_request", "error_description": "read it with GET"}, 405)
    return _oauth(smart.smart_configuration())


@csrf_exempt
def token(request: HttpRequest) -> HttpResponse:
    """The token endpoint: client credentials with a signed JWT assertion (smart.grant). An
    assertion that does not prove its client counts against the address as a bad staff token does
    (signin.lockout); a locked address is refused before its assertion is read."""
    if request.method != "POST":
        return _oauth({"error": "invalid_request", "error_description": "ask for a token with POST"}, 405)  # fmt: skip
    if token_address_locked(request):
        return _oauth({"error": "invalid_client", "error_description": "too many failed attempts from this address; try later"}, 429)  # fmt: skip
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth({"error": "invalid_request", "error_description": "send the request as application/x-www-form-urlencoded"}, 400)  # fmt: skip
    form = {k: request.POST.get(k, "") for k in request.POST}
    try:
        return _oauth(smart.grant(form))
    except smart.OAuthError as exc:
        if exc.error == "invalid_client":
            token_failed(request, what="fhir_client_jwt", detail=f"FHIR token request: {exc.description}")  # fmt: skip
        return _oauth({"error": exc.error, "error_description": exc.description}, exc.status)


# --- Bulk Data $export ------------------------------------------------------------------------------


def _bulk_caller(request: HttpRequest) -> smart.BackendCaller:
    reader = _reader(request)
    if reader.backend is None:
        raise _Refused(403, "Bulk Data export is for systems registered for SMART Backend Services (NALTRACK_FHIR_CLIENTS)")  # fmt: skip
    return reader.backend


def _kick_off(request: HttpRequest, level: str, group: str = "") -> HttpResponse:
    if request.method != "GET":
        response = _error(405, f"{request.method} is not supported here ($export is kicked off with GET)")  # fmt: skip
        response["Allow"] = "GET"
        return response
    caller = _bulk_caller(request)
    if "respond-async" not in request.headers.get("Prefer", ""):
        raise InputError("send Prefer: respond-async (the export runs in the background)", "Prefer")
    accept = request.headers.get("Accept", FHIR_JSON)
    if not any(a in accept for a in (FHIR_JSON, "application/json", "*/*")):
        raise InputError(f"must accept {FHIR_JSON}", "Accept")
    asked = bulk.read_request(_params(request), level, group, caller)
    job = bulk.kick_off(caller, asked, request.build_absolute_uri(), clock.now())
    if settings.BULK_IN_PROCESS:
        bulk.start_in_background(job.id)
    response = HttpResponse(status=202)
    response["Content-Location"] = bulk.status_url(job)
    return response


@fhir_view
def export_system(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, "system")


@fhir_view
def export_patients(request: HttpRequest) -> HttpResponse:
    return _kick_off(request, "patient")


@fhir_view
def export_group(request: HttpRequest, group: str) -> HttpResponse:
    return _kick_off(request, "group", group)


def _export_status(request: HttpRequest, job_id: str) -> HttpResponse:
    """202 while it runs (X-Progress); the manifest when done; DELETE forgets it."""
    caller = _bulk_caller(request)
    try:
        job = bulk.read_job(job_id, caller)
    except InputError as exc:
        raise NotFoundError(exc.message, "id") from None
    if request.method == "DELETE":
        bulk.delete(job)
        return HttpResponse(status=202)
    if job.status == ExportStatus.DONE:
        return _oauth(bulk.manifest(job))
    if job.status == ExportStatus.FAILED:
        raise _Refused(500, job.error or "the export failed")
    response = HttpResponse(status=202)
    response["X-Progress"] = job.progress or job.status
    response["Retry-After"] = "2"
    return response


export_status = fhir_view(_export_status, also=("DELETE",))


@fhir_view
def export_file(request: HttpRequest, job_id: str, name: str) -> HttpResponseBase:
    caller = _bulk_caller(request)
    try:
        job = bulk.read_job(job_id, caller)
    except InputError as exc:
        raise NotFoundError(exc.message, "id") from None
    files = {o["file"] for o in job.output} if job.status == ExportStatus.DONE else set()
    if name not in files:
        raise NotFoundError(f"the export has no file {name[:60]!r}", "file")
    response = FileResponse((bulk.folder(job.id) / name).open("rb"),
                            content_type="application/fhir+ndjson")  # fmt: skip
    response["Cache-Control"] = "no-store"
    return response


# --- import ---------------------------------------------------------------------------------------


def _import(request: HttpRequest, entries: Callable[[], list[Any]]) -> HttpResponse:
    reader = _reader(request)
    if reader.backend is not None:
        raise _Refused(403, "a backend system reads here; records are imported by a staff member's token")  # fmt: skip
    assert not isinstance(reader.actor, Service)
    try:
        answered = importing.run(entries(), actor=reader.actor, at=clock.now())
    except importing.ImportRefused as exc:
        return _answer(resources.refused_entries(exc.refusals), 400)
    return _answer(Bundle.model_validate({"resourceType": "Bundle", "type": "transaction-response",
                                          "entry": answered}))  # fmt: skip


def _transaction(request: HttpRequest) -> HttpResponseBase:
    """POST /fhir: a transaction Bundle of records from another system (importing.py)."""
    if request.method != "POST":
        raise _Refused(
            405, "POST a transaction Bundle here; GET /fhir/metadata says what is served"
        )
    if request.content_type not in (FHIR_JSON, "application/json"):
        raise InputError(f"send the Bundle as {FHIR_JSON}", "Content-Type")
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise InputError("the body is not JSON", "body") from None
    return _import(request, lambda: importing.from_bundle(body))


def _ndjson_import(request: HttpRequest) -> HttpResponseBase:
    """POST /fhir/$import: Bulk NDJSON (one resource a line), taken as one transaction."""
    if request.method != "POST":
        raise _Refused(405, "POST the NDJSON here (application/fhir+ndjson)")
    if request.content_type not in ("application/fhir+ndjson", "application/ndjson"):
        raise InputError("send the resources as application/fhir+ndjson, one a line", "Content-Type")  # fmt: skip
    try:
        text = request.body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the body is not UTF-8", "body") from None
    return _import(request, lambda: importing.from_ndjson(text))


transaction_view = fhir_view(_transaction, also=("POST",))
ndjson_import = fhir_view(_ndjson_import, also=("POST",))
