"""Opening a patient's record in the API: through the audited read, 404 for an unknown MRN, and
the plain paged lists of a patient's records."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest

from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import InputError
from naltrack.web.apiutil import (
    Limit,
    Mrn,
    Offset,
    Page,
    actor,
    answers,
    now,
    page,
    record_out,
    record_schema,
)

from .models import Patient
from .services import read_patient


def patient(request: HttpRequest, mrn: str, what: str = "chart") -> Patient:
    """Open a patient's record through the audited read (404 for an unknown MRN)."""
    try:
        return read_patient(mrn, actor=actor(request), at=now(), what=what)
    except OutsideCareTeam:
        raise  # a 403 with the way in (break the glass), not a 404
    except InputError:
        raise Http404(f"no patient has the MRN {mrn!r}") from None


def list_records(router: Any, related: str, summary: str) -> None:
    """GET /patients/{mrn}/<related>: the patient's records of one kind, paged, through the
    audited chart read (one route per record list, without a handler written out for each)."""

    def handler(
        request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0
    ) -> dict[str, Any]:
        return page(getattr(patient(request, mrn), related).all(), limit, offset, record_out)

    model = getattr(Patient, related).rel.related_model
    handler.__name__ = f"list_{related}"
    router.get(f"/patients/{{mrn}}/{related}", response=answers(200, Page[record_schema(model)]),  # type: ignore[misc]
               summary=summary, operation_id=f"list_{related}")(handler)  # fmt: skip
