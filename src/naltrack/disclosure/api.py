"""Consents and the accounting of disclosures in the JSON API: list, record and revoke a patient's
consents; the patient's accounting. Same error shape as the rest of /api."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.clinical.access import MIN_BREAK_GLASS_REASON
from naltrack.clinical.consent import (
    ConsentScope,
    ConsentStatus,
    ExpiryEvent,
    Purpose,
    RecipientClass,
    RecordKind,
)
from naltrack.clock import local_day
from naltrack.patients import careteam
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import (
    Day,
    Flag,
    Id,
    In,
    Limit,
    LongRequiredText,
    Mrn,
    Offset,
    Page,
    RequiredText,
    actor,
    answers,
    now,
    page,
)

from . import services
from .models import Consent, Disclosure, SignerChoice

router = Router(tags=["disclosure"])
Name = Annotated[RequiredText, Field(max_length=200)]


class ConsentOut(Schema):
    id: int
    status: ConsentStatus  # today, the clinic's day (revocation, expiry date or event)
    scope: ConsentScope
    discloser: str
    recipient_names: list[str]
    recipient_classes: list[RecipientClass]
    purposes: list[Purpose]
    all_records: bool
    record_kinds: list[RecordKind]
    expires_on: date | None
    expiry_event: ExpiryEvent
    signed_by: str
    signer: SignerChoice
    signed_on: date
    recorded_by: str
    revoked_on: date | None
    revoked_by: str
    revocation_note: str


def consent_out(c: Consent, status: str) -> dict[str, Any]:
    out = {f: getattr(c, f) for f in ConsentOut.model_fields if f not in ("id", "status")}
    dated = {k: v.isoformat() if isinstance(v, date) else v for k, v in out.items()}
    return {"id": c.pk, "status": status, **dated}


def _shaped(p: Any, rows: list[Consent]) -> list[dict[str, Any]]:
    status = services.consent_statuses(p, rows, local_day(now()))
    return [consent_out(c, status[c.pk]) for c in rows]


class ConsentIn(In):
    scope: ConsentScope
    signed_by: Name
    signer: SignerChoice
    signed_on: Day
    discloser: Name = "This naltrexone treatment program"
    recipient_names: Annotated[list[Name], Field(max_length=20)] = []
    recipient_classes: Annotated[list[RecipientClass], Field(max_length=3)] = []
    purposes: Annotated[list[Purpose], Field(max_length=6)] = []
    all_records: Flag = False
    record_kinds: Annotated[list[RecordKind], Field(max_length=8)] = []
    expires_on: Day | None = None
    expiry_event: ExpiryEvent = ExpiryEvent.ON_DATE


class RevokeIn(In):
    revoked_on: Day
    revoked_by: Name
    note: Annotated[LongRequiredText, Field(max_length=1000)]


class LabelOut(Schema):
    system: str
    code: str
    display: str


class DisclosureOut(Schema):
    id: int
    disclosed_at: datetime
    recipient_name: str
    recipient_class: RecipientClass | None
    recipient_affiliation: str
    purpose: Purpose
    record_kinds: list[RecordKind]
    labels: list[LabelOut]
    basis: str
    consent_ids: list[int]
    emergency_reason: str | None
    channel: str
    disclosed_by: str


def disclosure_out(d: Disclosure) -> dict[str, Any]:
    return {
        "id": d.pk, "disclosed_at": d.disclosed_at.isoformat(), "recipient_name": d.recipient_name,
        "recipient_class": d.recipient_class or None, "recipient_affiliation": d.recipient_affiliation,
        "purpose": d.purpose, "record_kinds": d.record_kinds, "labels": d.labels, "basis": d.basis,
        "consent_ids": [c.pk for c in (d.consent, d.notes_consent) if c is not None],
        "emergency_reason": d.emergency.reason if d.emergency else None, "channel": d.channel,
        "disclosed_by": d.disclosed_by,
    }  # fmt: skip


@router.get("/patients/{mrn}/consents", response=answers(200, Page[ConsentOut]),
            summary="A patient's consents to disclose (42 CFR 2.31), newest first (audited read)")  # fmt: skip
def list_consents(request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    p = patient(request, mrn, "contact")
    rows = services.list_consents(p, actor=actor(request), at=now())
    return page(_shaped(p, rows), limit, offset, lambda r: r)


@router.post("/patients/{mrn}/consents", response=answers(201, ConsentOut, writes=True),
             summary="Record a signed consent (refused, naming the field, when an element of 42 CFR 2.31 is missing)")  # fmt: skip
def create_consent(request: HttpRequest, mrn: Mrn, data: ConsentIn) -> Status[dict[str, Any]]:
    values = data.dict()
    for many in ("recipient_names", "recipient_classes", "purposes", "record_kinds"):
        values[many] = tuple(str(v) for v in values[many])
    values["scope"], values["signer"] = str(data.scope), str(data.signer)
    values["expiry_event"] = str(data.expiry_event)
    p = patient(request, mrn, "contact")
    c = services.record_consent(p, services.ConsentInput(**values), actor=actor(request), at=now())
    return Status(201, _shaped(p, [c])[0])


@router.post("/patients/{mrn}/consents/{consent_id}/revoke", response=answers(200, ConsentOut, writes=True),
             summary="Record the patient's written revocation: the consent covers nothing from that day")  # fmt: skip
def revoke_consent(request: HttpRequest, mrn: Mrn, consent_id: Id, data: RevokeIn) -> dict[str, Any]:  # fmt: skip
    p = patient(request, mrn, "contact")
    c = services.revoke_consent(
        p, consent_id, revoked_on=data.revoked_on,
        revoked_by=data.revoked_by, note=data.note, actor=actor(request), at=now(),
    )  # fmt: skip
    return _shaped(p, [c])[0]


@router.get("/patients/{mrn}/disclosures", response=answers(200, Page[DisclosureOut]),
            summary="A patient's accounting of disclosures, newest first (audited read)")  # fmt: skip
def list_disclosures(request: HttpRequest, mrn: Mrn, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:  # fmt: skip
    rows = services.accounting(patient(request, mrn, "contact"), actor=actor(request), at=now())
    return page(rows, limit, offset, disclosure_out)


# A sentence a reviewer can judge: at least MIN_BREAK_GLASS_REASON characters once trimmed, as
# the document declares (a first and a last non-blank character and enough between them).
REASON_PATTERN = rf"^\s*[^\x00\s][^\x00]{{{MIN_BREAK_GLASS_REASON - 2},}}[^\x00\s]\s*$"


class BreakGlassIn(In):
    reason: Annotated[LongRequiredText, Field(min_length=MIN_BREAK_GLASS_REASON, max_length=1000,
                                              json_schema_extra={"pattern": REASON_PATTERN})]  # fmt: skip


class BreakGlassOut(Schema):
    id: int
    username: str
    reason: str
    opened_at: datetime
    ends_at: datetime


@router.post("/patients/{mrn}/break-glass", response=answers(201, BreakGlassOut, writes=True),
             summary="Break the glass: open the chart of a patient outside your care team, saying why; "
                     "time-limited, flagged on the chart, reviewed by the director")  # fmt: skip
def break_glass(request: HttpRequest, mrn: Mrn, data: BreakGlassIn) -> Status[dict[str, Any]]:
    p = patient(request, mrn, "contact")
    g = careteam.break_glass(p, data.reason, actor=actor(request), at=now())
    return Status(201, {"id": g.pk, "username": g.username, "reason": g.reason,
                        "opened_at": g.opened_at.isoformat(), "ends_at": g.ends_at.isoformat()})  # fmt: skip
