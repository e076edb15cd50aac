"""Merging two charts of one person in the JSON API (the director's; services.py)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from naltrack.web.apiutil import In, Mrn, Text, actor, answers, now

from .services import merge_charts, preview_merge

router = Router(tags=["merge"])


class MergeIn(In):
    survivor: Mrn  # the chart that stays
    duplicate: Mrn  # the chart whose records move to it
    reason: Annotated[Text, Field(max_length=1000)] = ""  # needed to merge; audited


class SideOut(Schema):
    mrn: str
    given_name: str
    family_name: str
    birth_date: str
    phone: str
    records: dict[str, int]


class MergePreviewOut(Schema):
    survivor: SideOut
    duplicate: SideOut
    problems: list[str]
    differences: list[str]


class MergedOut(Schema):
    survivor: str
    duplicate: str
    moved: dict[str, int]  # rows moved, per table (app.model)


@router.post("/merges/preview", response=answers(200, MergePreviewOut, writes=True),
             summary="What merging two charts would move, and what would refuse it (writes nothing but the audit)")  # fmt: skip
def preview(request: HttpRequest, data: MergeIn) -> dict[str, Any]:
    return asdict(preview_merge(data.survivor, data.duplicate, actor=actor(request), at=now()))


@router.post("/merges", response=answers(200, MergedOut, writes=True),
             summary="Merge the duplicate chart into the survivor (director; one transaction, audited)")  # fmt: skip
def merge(request: HttpRequest, data: MergeIn) -> dict[str, Any]:
    moved = merge_charts(data.survivor, data.duplicate, reason=data.reason, actor=actor(request),
                         at=now())  # fmt: skip
    return {"survivor": data.survivor, "duplicate": data.duplicate, "moved": moved}
