"""The medication choice aid in the JSON API: the comparison for a patient, and recording the
choice (with a referral out for buprenorphine or methadone)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from naltrack.clinical.choice import Option, Topic
from naltrack.patients.apiutil import patient
from naltrack.web.apiutil import Day, In, LongText, Mrn, Text, actor, answers, now

from .models import MedicationChoice
from .services import ChoiceInput, read_aid, record_choice

router = Router(tags=["choice"])


class CellOut(Schema):
    topic: Topic
    text: str
    source: str


class CautionOut(Schema):
    code: str
    severity: str
    text: str
    source: str


class ColumnOut(Schema):
    option: Option
    title: str
    referral_out: bool
    cells: list[CellOut]
    cautions: list[CautionOut]


class OpioidFreeOut(Schema):
    kind: str
    last_use: Day
    days: int
    first_day: Day
    review_until: Day | None
    days_left: int


class ChoiceOut(Schema):
    id: int
    mrn: str
    episode: int
    option: Option
    reasons: str
    priorities: list[Topic]
    referral_program: str | None
    referral_on: Day | None
    decided_by: str
    decided_at: datetime
    policy: str


class AidOut(Schema):
    mrn: str
    indications: list[str]
    policy: str
    opioid_free: OpioidFreeOut | None
    options: list[ColumnOut]
    choices: list[ChoiceOut]


def choice_out(m: MedicationChoice) -> dict[str, Any]:
    return {
        "id": m.pk, "mrn": m.patient.mrn, "episode": m.episode_id, "option": m.option,
        "reasons": m.reasons, "priorities": list(m.priorities),
        "referral_program": m.referral_program or None,
        "referral_on": m.referral_on.isoformat() if m.referral_on else None,
        "decided_by": m.decided_by, "decided_at": m.decided_at.isoformat(),
        "policy": m.policy_version,
    }  # fmt: skip


@router.get("/patients/{mrn}/choice-aid", response=answers(200, AidOut),
            summary="The medication comparison for this patient, with sources and cautions")  # fmt: skip
def get_choice_aid(request: HttpRequest, mrn: Mrn) -> dict[str, Any]:
    view = read_aid(patient(request, mrn), actor=actor(request), at=now())
    free = view.aid.opioid_free
    return {
        "mrn": mrn, "indications": sorted(i.value for i in view.aid.indications),
        "policy": view.aid.policy,
        "opioid_free": None if free is None else {
            "kind": free.kind, "last_use": free.last_use.isoformat(), "days": free.days,
            "first_day": free.first_day.isoformat(),
            "review_until": free.review_until.isoformat() if free.review_until else None,
            "days_left": free.days_left,
        },
        "options": [{
            "option": c.option.value, "title": c.title, "referral_out": c.referral_out,
            "cells": [{"topic": t.value, "text": x.text, "source": x.source} for t, x in c.cells],
            "cautions": [{"code": x.code, "severity": x.severity, "text": x.text, "source": x.source} for x in c.cautions],
        } for c in view.aid.columns],
        "choices": [choice_out(m) for m in view.choices],
    }  # fmt: skip


class ChoiceIn(In):
    option: Option
    reasons: LongText
    priorities: list[Topic] = Field(default=[], max_length=len(Topic))
    referral_program: Annotated[Text, Field(max_length=200)] = ""
    referral_on: Day | None = None


@router.post("/patients/{mrn}/medication-choices", response=answers(201, ChoiceOut, writes=True),
             summary="Record the medication chosen with the patient (buprenorphine or methadone: the referral out, which ends the episode as a transfer)")  # fmt: skip
def create_medication_choice(request: HttpRequest, mrn: Mrn, data: ChoiceIn) -> Status[dict[str, Any]]:  # fmt: skip
    m = record_choice(
        patient(request, mrn),
        ChoiceInput(option=data.option.value, reasons=data.reasons,
                    priorities=tuple(p.value for p in data.priorities),
                    referral_program=data.referral_program, referral_on=data.referral_on),
        actor=actor(request), at=now(),
    )  # fmt: skip
    return Status(201, choice_out(m))
