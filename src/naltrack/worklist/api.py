"""The Today worklist in the JSON API: the sections the role may see (accounts.roles.TODAY_SECTIONS
decides for the page and the API alike), each row with the columns the Today page shows and no
more. The read is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Generic, TypeVar

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack import clock
from naltrack.clinical.access import WorklistScope
from naltrack.web.apiutil import actor, answers, now

from .services import Section, today_worklist

router = Router(tags=["worklist"])

T = TypeVar("T")


class Row(Schema):
    mrn: str
    name: str


class InjectionRow(Row):
    last_dose_on: date | None
    next_due_on: date | None
    overdue_from: date | None


class RiskRow(Row):
    risk_window: str
    risk_message: str


class AlertRow(Row):
    id: int
    code: str
    severity: str
    status: str
    message: str
    acknowledged_by: str | None


class LabsRow(Row):
    liver_test_due_on: date | None
    review_due_on: date | None


class ScreeningRow(Row):
    id: int
    as_of: date
    decision: str
    created_by: str


class SideEffectRow(Row):
    id: int
    kind: str
    severity: str
    noted_on: date
    follow_up_due: date | None


class AppointmentRow(Row):
    id: int
    kind: str
    on: date
    status: str
    phone: str


class SectionOut(Schema, Generic[T]):
    total: int
    items: list[T]


class TodayOut(Schema):
    on: date
    # Whose patients (clinical/access.py decide_worklist_scope): "mine" (the caller's care teams,
    # their break-the-glass accesses, and every patient with no care team) or "clinic".
    scope: WorklistScope
    scope_label: str
    alert_counts: dict[str, int]
    injections_overdue: SectionOut[InjectionRow] | None
    injections_due: SectionOut[InjectionRow] | None
    high_risk: SectionOut[RiskRow] | None
    alerts: SectionOut[AlertRow] | None
    labs_reviews_due: SectionOut[LabsRow] | None
    unsigned_screenings: SectionOut[ScreeningRow] | None
    side_effect_follow_ups: SectionOut[SideEffectRow] | None
    missed_appointments: SectionOut[AppointmentRow] | None
    appointments_today: SectionOut[AppointmentRow] | None


def _who(row: Any) -> dict[str, Any]:
    p = row.patient
    return {"mrn": p.mrn, "name": f"{p.family_name}, {p.given_name}"}


def _injection(c: Any) -> dict[str, Any]:
    return _who(c) | {
        "last_dose_on": c.last_dose_on,
        "next_due_on": c.next_due_on,
        "overdue_from": c.overdue_from,
    }


def _risk(c: Any) -> dict[str, Any]:
    return _who(c) | {"risk_window": c.risk_window, "risk_message": c.risk_message}


def _alert(a: Any) -> dict[str, Any]:
    return _who(a) | {"id": a.pk, "code": a.code, "severity": a.severity, "status": a.status,
                      "message": a.message, "acknowledged_by": a.acknowledged_by or None}  # fmt: skip


def _labs(on: date) -> Callable[[Any], dict[str, Any]]:
    def shape(c: Any) -> dict[str, Any]:  # only the dates that are due, as the page shows them
        due = {n: d if d is not None and d <= on else None
               for n, d in (("liver_test_due_on", c.liver_test_due_on), ("review_due_on", c.review_due_on))}  # fmt: skip
        return _who(c) | due

    return shape


def _screening(s: Any) -> dict[str, Any]:
    return _who(s) | {
        "id": s.pk,
        "as_of": s.as_of,
        "decision": s.decision,
        "created_by": s.created_by,
    }


def _side_effect(e: Any) -> dict[str, Any]:
    return _who(e) | {"id": e.pk, "kind": e.kind, "severity": e.severity, "noted_on": e.noted_on,
                      "follow_up_due": e.follow_up_due}  # fmt: skip


def _appointment(a: Any) -> dict[str, Any]:
    return _who(a) | {
        "id": a.pk,
        "kind": a.kind,
        "on": a.on,
        "status": a.status,
        "phone": a.patient.phone,
    }


def _section(s: Section | None, shape: Callable[[Any], dict[str, Any]]) -> dict[str, Any] | None:
    return None if s is None else {"total": s.total, "items": [shape(r) for r in s.rows]}


@router.get("/worklist/today", response=answers(200, TodayOut),
            summary="The Today worklist: the sections your role may see, as the Today page shows them, "
                    "for your patients (and those with no care team) or, for the coordinator and, with "
                    "scope=clinic, the prescriber, the whole clinic (audited)")  # fmt: skip
def today(request: HttpRequest, scope: WorklistScope | None = None) -> dict[str, Any]:
    on = clock.today()
    w = today_worklist(on, actor=actor(request), at=now(), scope=scope)
    return {
        "on": w.on, "alert_counts": w.alert_counts, "scope": w.view.scope, "scope_label": w.view.label,
        "injections_overdue": _section(w.injections_overdue, _injection),
        "injections_due": _section(w.injections_due, _injection),
        "high_risk": _section(w.high_risk, _risk),
        "alerts": _section(w.alerts, _alert),
        "labs_reviews_due": _section(w.labs_reviews_due, _labs(w.on)),
        "unsigned_screenings": _section(w.unsigned_screenings, _screening),
        "side_effect_follow_ups": _section(w.side_effect_follow_ups, _side_effect),
        "missed_appointments": _section(w.missed_appointments, _appointment),
        "appointments_today": _section(w.appointments_today, _appointment),
    }  # fmt: skip
