"""The Today worklist in the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router

from naltrack import clock
from naltrack.web.apiutil import actor

from .services import Section, today_worklist

router = Router(tags=["worklist"])


def _row(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "mrn": row.patient.mrn,
        "name": f"{row.patient.family_name}, {row.patient.given_name}",
    }
    for name in ("last_dose_on", "next_due_on", "overdue_from", "risk_window", "risk_message", "code", "severity",
                 "message", "kind", "on", "status", "decision", "as_of", "liver_test_due_on", "review_due_on",
                 "noted_on", "follow_up_due"):  # fmt: skip
        if hasattr(row, name):
            value = getattr(row, name)
            out[name] = value.isoformat() if isinstance(value, date) else value
    if hasattr(row, "pk") and not hasattr(row, "last_dose_on"):
        out["id"] = row.pk
    return out


def _section(s: Section | None) -> dict[str, Any] | None:
    return None if s is None else {"total": s.total, "items": [_row(r) for r in s.rows]}


@router.get("/worklist/today", summary="The Today worklist (sections your role may see)")
def today(request: HttpRequest) -> dict[str, Any]:
    work = today_worklist(clock.today(), actor=actor(request))
    names = ("injections_overdue", "injections_due", "high_risk", "alerts", "labs_reviews_due",
             "unsigned_screenings", "side_effect_follow_ups", "missed_appointments", "appointments_today")  # fmt: skip
    return {"on": work.on.isoformat(), "alert_counts": work.alert_counts} | {
        n: _section(getattr(work, n)) for n in names
    }
