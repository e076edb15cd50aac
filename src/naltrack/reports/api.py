"""The program report as JSON (aggregates only)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router

from naltrack.web.apiutil import actor, now

from .services import read_report

router = Router(tags=["reports"])


@router.get("/reports/program", summary="The program report for a period (aggregates, audited)")
def program(request: HttpRequest, start: date, end: date) -> dict[str, Any]:
    r = read_report(start, end, actor=actor(request), at=now())
    return {
        "start": r.start.isoformat(), "end": r.end.isoformat(), "policy_version": r.policy_version,
        "measures": [{"section": m.section, "name": m.name.strip(), "value": m.value, "denominator": m.of,
                      "share": m.share, "note": m.note} for m in r.measures],
    }  # fmt: skip
