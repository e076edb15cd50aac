"""The program report as JSON (aggregates only)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack.web.apiutil import Day, actor, answers, now

from .services import read_report

router = Router(tags=["reports"])


class MeasureOut(Schema):
    section: str
    name: str
    value: int | float | None
    denominator: int | None
    share: float | None
    note: str


class ReportOut(Schema):
    start: Day
    end: Day
    policy_version: str  # the clinic policy the figures were computed under
    measures: list[MeasureOut]


@router.get("/reports/program", response=answers(200, ReportOut),
            summary="The program report for a period (aggregates, audited); at most three years, ending by today")  # fmt: skip
def program(request: HttpRequest, start: Day, end: Day) -> dict[str, Any]:
    r = read_report(start, end, actor=actor(request), at=now())
    return {
        "start": r.start.isoformat(), "end": r.end.isoformat(), "policy_version": r.policy_version,
        "measures": [{"section": m.section, "name": m.name.strip(), "value": m.value, "denominator": m.of,
                      "share": m.share, "note": m.note} for m in r.measures],
    }  # fmt: skip
