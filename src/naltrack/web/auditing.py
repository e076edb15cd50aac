"""The audit trail's view of a request: one read event per patient per page view, and every refused
access written down (issue 12: a chart view wrote two to six read events, a refusal none)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error

from naltrack import clock
from naltrack.audit.models import AuditAction
from naltrack.audit.services import one_read_per_patient, record

from .bounds import MRN_PATTERN

log = logging.getLogger("naltrack.audit")


class OneReadPerPatientMiddleware:
    """Wrap each request in `one_read_per_patient()`: the reads of one patient's record a page or
    an API call gathers from several areas are one event in the trail, naming each part read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            with one_read_per_patient():
                return self.get_response(request)
        except DatabaseError:
            # The reads could not be written to the trail: what was read is not sent (no read
            # without its audit event), in the API's error shape or as the server-error page.
            log.exception(
                "the audit trail refused the reads of %s %s", request.method, request.path
            )
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"message": "an unexpected error; nothing was changed", "field": None},
                    status=500,
                )
            return server_error(request)


def audit_refusal(request: HttpRequest, username: str, reason: str, mrn: str = "") -> None:
    """Write down a refused access (a role that may not open a page or call an endpoint): who,
    from where, what they asked for and why it was refused; the patient when the address names
    one. Written at once, committed on its own: nothing else happened."""
    patient = mrn if mrn and re.fullmatch(MRN_PATTERN, mrn) else ""
    record(
        at=clock.now(), actor=username or "anonymous", action=AuditAction.READ,
        object_type="access_refused", patient_mrn=patient,
        remote_addr=request.META.get("REMOTE_ADDR"),
        detail=f"{request.method} {request.path}: {reason}",
    )  # fmt: skip
