"""The record export in the JSON API: a patient's records released to a recipient through the one
consent filter. Refused: 403 with the reason. Permitted: the records with the 42 CFR 2.32 notice,
the scope of the consent (or the 2.51 exception) and the records' security labels."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.clinical.consent import Purpose, Recipient, RecipientClass, RecordKind
from naltrack.disclosure.api import LabelOut
from naltrack.disclosure.models import Channel
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import In, Mrn, RequiredText, Text, actor, answers, now

from .release import release_records

router = Router(tags=["disclosure"])


class ReleaseIn(In):
    recipient_name: Annotated[RequiredText, Field(max_length=200)]
    recipient_class: RecipientClass | None = None
    recipient_affiliation: Annotated[Text, Field(max_length=200)] = ""
    purpose: Purpose
    record_kinds: Annotated[list[RecordKind], Field(min_length=1, max_length=8)]
    emergency_reason: Annotated[Text, Field(max_length=1000)] = ""


class ReleaseSectionOut(Schema):
    kind: RecordKind
    title: str
    security: list[LabelOut]  # this section's labels: a recipient's system filters on them
    rows: list[dict[str, str]]


class ReleasedOut(Schema):
    patient: dict[str, str]
    disclosure: dict[str, Any]
    security: list[LabelOut]
    notice: str
    notice_source: str
    scope: str
    sections: list[ReleaseSectionOut]


@router.post("/patients/{mrn}/release", response=answers(201, ReleasedOut, writes=True),
             summary="Release records to a recipient through the consent filter (403 with the reason when no "
                     "consent covers it and no medical emergency is declared); accounted as a disclosure")  # fmt: skip
def release(request: HttpRequest, mrn: Mrn, data: ReleaseIn) -> Status[dict[str, Any]]:
    summary = release_records(
        patient(request, mrn), Recipient(data.recipient_name, data.recipient_class), data.purpose,
        frozenset(data.record_kinds), actor=actor(request), at=now(),
        emergency_reason=data.emergency_reason or None, affiliation=data.recipient_affiliation,
        channel=Channel.RECORD_EXPORT,
    )  # fmt: skip
    return Status(201, summary.as_json())
