"""Intake in the JSON API (issue 15): list, take, read an inquiry, take a step, convert it to a
registered patient, and the report of days from first contact to first dose. Errors are the API's
(naltrack.api): 400 bad input naming the field, 403, 404 an unknown inquiry, 409 a step the
pipeline refuses or a likely duplicate chart (field `duplicate_reason`: send one to register
anyway)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.appointments.api import TimeOfDay
from naltrack.clinical.intake import Stage
from naltrack.patients.models import SexAtBirthChoice
from naltrack.web.apiutil import Day, Id, In, Text, actor, answers, now

from .models import CloseReason, Inquiry, InquiryStep, PayKind, PreferredContact, Source, WhatFor
from .services import (
    ConvertInput,
    InquiryInput,
    StepInput,
    convert,
    list_inquiries,
    read_inquiry,
    stage,
    take_inquiry,
    take_step,
    time_to_dose_report,
    with_first_dose,
)

router = Router(tags=["intake"])


class StepOut(Schema):
    step: str
    detail: str
    by: str
    at: datetime


class InquiryOut(Schema):
    id: int
    stage: Stage = Field(description="new, contacted, insurance_checked, assessment_booked, started (the patient's first dose is recorded) or closed")  # fmt: skip
    first_contact_at: datetime
    source: Source
    referrer: str
    given_name: str
    family_name: str
    birth_date: date | None
    sex_at_birth: str
    phone: str
    email: str
    preferred_contact: PreferredContact
    what_for: WhatFor
    note: str
    close_reason: str
    close_note: str
    pay_kind: str
    payer: str
    plan: str
    member_id: str
    group_number: str
    assessment_on: date | None
    assessment_time: str | None = Field(None, description="HH:MM, or null")
    mrn: str | None = Field(None, description="the registered patient's MRN, once converted")
    appointment_id: int | None = None
    first_dose_on: date | None = None
    steps: list[StepOut] = []


def inquiry_out(q: Inquiry, steps: list[InquiryStep] | None = None) -> dict[str, Any]:
    fields = ("first_contact_at", "source", "referrer", "given_name", "family_name", "birth_date",
              "sex_at_birth", "phone", "email", "preferred_contact", "what_for", "note",
              "close_reason", "close_note", "pay_kind", "payer", "plan", "member_id",
              "group_number", "assessment_on")  # fmt: skip
    return {f: getattr(q, f) for f in fields} | {
        "id": q.pk,
        "stage": stage(q),
        "assessment_time": q.assessment_time.strftime("%H:%M") if q.assessment_time else None,
        "mrn": q.patient.mrn if q.patient else None,
        "appointment_id": q.appointment_id,
        "first_dose_on": getattr(q, "first_dose_on", None),
        "steps": [
            {"step": s.step, "detail": s.detail, "by": s.by, "at": s.at} for s in steps or []
        ],
    }


Name = Annotated[Text, Field(min_length=1, max_length=100)]
Note = Annotated[Text, Field(max_length=300)]


class InquiryIn(In):
    source: Source
    given_name: Name
    family_name: Name
    preferred_contact: PreferredContact
    what_for: WhatFor
    phone: Annotated[Text, Field(max_length=32)] = ""
    email: Annotated[Text, Field(max_length=254)] = ""
    birth_date: Day | None = None
    sex_at_birth: SexAtBirthChoice | Literal[""] = ""
    referrer: Annotated[Text, Field(max_length=200)] = ""
    note: Note = ""


@router.get("/intake/inquiries", response=answers(200, list[InquiryOut]),
            summary="Inquiries, newest first, optionally at one stage (audited)")  # fmt: skip
def inquiries(request: HttpRequest, stage: Stage | Literal[""] = "") -> list[dict[str, Any]]:
    rows = list_inquiries(actor=actor(request), at=now(), status=stage)
    return [inquiry_out(q) for q in rows]


@router.post("/intake/inquiries", response=answers(201, InquiryOut, writes=True),
             summary="Take an inquiry or a referral")  # fmt: skip
def create_inquiry(request: HttpRequest, data: InquiryIn) -> Status[dict[str, Any]]:
    values = data.dict()
    values = values | {k: str(values[k]) for k in ("source", "preferred_contact", "what_for", "sex_at_birth")}  # fmt: skip
    q = take_inquiry(InquiryInput(**values), actor=actor(request), at=now())
    q = with_first_dose(Inquiry.objects.filter(pk=q.pk)).get()
    return Status(201, inquiry_out(q, list(q.steps.all())))


@router.get("/intake/inquiries/{inquiry_id}", response=answers(200, InquiryOut),
            summary="One inquiry with its history (audited)")  # fmt: skip
def get_inquiry(request: HttpRequest, inquiry_id: Id) -> dict[str, Any]:
    q, steps = read_inquiry(inquiry_id, actor=actor(request), at=now())
    return inquiry_out(q, steps)


class StepIn(In):
    to: Literal["contacted", "insurance_checked", "assessment_booked", "closed"]
    note: Note = ""
    pay_kind: PayKind | Literal[""] = Field("", description="insurance_checked: insurance, self_pay or program")  # fmt: skip
    payer: Annotated[Text, Field(max_length=100)] = ""
    plan: Annotated[Text, Field(max_length=100)] = ""
    member_id: Annotated[Text, Field(max_length=40)] = ""
    group_number: Annotated[Text, Field(max_length=40)] = ""
    assessment_on: Day | None = Field(None, description="assessment_booked: the day")
    assessment_time: TimeOfDay | None = None
    close_reason: CloseReason | Literal[""] = Field("", description="closed: why")


@router.post("/intake/inquiries/{inquiry_id}/transition", response=answers(200, InquiryOut, writes=True),
             summary="Take the next step: contacted, insurance checked, assessment booked, or closed")  # fmt: skip
def transition(request: HttpRequest, inquiry_id: Id, data: StepIn) -> dict[str, Any]:
    values = data.dict()
    values = values | {k: str(values[k]) for k in ("pay_kind", "close_reason")}
    take_step(inquiry_id, StepInput(**values), actor=actor(request), at=now())
    q, steps = read_inquiry(inquiry_id, actor=actor(request), at=now())
    return inquiry_out(q, steps)


class ConvertIn(In):
    prescriber: Annotated[Text, Field(max_length=150)] = ""
    birth_date: Day | None = None
    sex_at_birth: SexAtBirthChoice | Literal[""] = ""
    what_for: WhatFor | Literal[""] = ""
    duplicate_reason: Annotated[Text, Field(max_length=1000)] = ""


@router.post("/intake/inquiries/{inquiry_id}/convert", response=answers(201, InquiryOut, writes=True),
             summary="Register the person as a patient with the first episode and the booked assessment")  # fmt: skip
def convert_inquiry(
    request: HttpRequest, inquiry_id: Id, data: ConvertIn
) -> Status[dict[str, Any]]:
    values = data.dict()
    values = values | {k: str(values[k]) for k in ("sex_at_birth", "what_for")}
    convert(inquiry_id, ConvertInput(**values), actor=actor(request), at=now())
    q, steps = read_inquiry(inquiry_id, actor=actor(request), at=now())
    return Status(201, inquiry_out(q, steps))


class SummaryOut(Schema):
    inquiries: int
    started: int
    median_days: float | None


class IntakeReportOut(Schema):
    start: date
    end: date
    overall: SummaryOut
    by_source: dict[str, SummaryOut]


@router.get("/intake/report", response=answers(200, IntakeReportOut),
            summary="Days from first contact to first dose: median and counts, overall and by referral source")  # fmt: skip
def report(request: HttpRequest, start: Day, end: Day) -> dict[str, Any]:
    r = time_to_dose_report(start, end, actor=actor(request), at=now())
    return {"start": start, "end": end, "overall": r.overall, "by_source": r.by_source}
