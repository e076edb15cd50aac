"""The Today worklist in the JSON API: the sections the role may see (accounts.roles.TODAY_SECTIONS
decides for the page and the API alike), each row with the columns the Today page shows and no
more. The read is audited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from django.http import HttpRequest
from ninja import Router, Schema

from naltrack import clock
from naltrack.clinical.access import WorklistScope
from naltrack.clinical.due import DueKind, DueUrgency
from naltrack.web.apiutil import In, Mrn, actor, answers, now

from .done import mark_done, undo_done
from .models import DoneMark
from .services import LabsReviews, Section, today_worklist

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
    due_on: date


class LabsGroupOut(Schema):
    # One group of the labs-and-reviews list (clinical/due.py), most urgent first.
    key: str
    kind: DueKind
    urgency: DueUrgency
    label: str
    total: int
    items: list[LabsRow]


class DoneOut(Row):
    id: int
    item: DueKind
    due_on: date | None
    done_by: str
    done_at: datetime


class LabsReviewsOut(Schema):
    total: int  # the open items of every group (a patient with both due counts twice)
    groups: list[LabsGroupOut]
    done: list[DoneOut]  # marked done today: off the groups until tomorrow


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
    labs_reviews_due: LabsReviewsOut | None
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


def _done(d: DoneMark) -> dict[str, Any]:
    return _who(d) | {"id": d.pk, "item": d.item, "due_on": d.due_on, "done_by": d.done_by,
                      "done_at": d.done_at}  # fmt: skip


def _labs(labs: LabsReviews | None) -> dict[str, Any] | None:
    if labs is None:
        return None
    groups = [
        {"key": g.group.key, "kind": g.group.kind, "urgency": g.group.urgency, "label": g.group.label,
         "total": g.total, "items": [_who(c) | {"due_on": c.due_on} for c in g.rows]}
        for g in labs.groups if g.group is not None
    ]  # fmt: skip
    return {"total": labs.total, "groups": groups, "done": [_done(d) for d in labs.done]}


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
        "labs_reviews_due": _labs(w.labs_reviews_due),
        "unsigned_screenings": _section(w.unsigned_screenings, _screening),
        "side_effect_follow_ups": _section(w.side_effect_follow_ups, _side_effect),
        "missed_appointments": _section(w.missed_appointments, _appointment),
        "appointments_today": _section(w.appointments_today, _appointment),
    }  # fmt: skip


class DoneIn(In):
    mrn: Mrn
    item: DueKind


@router.post("/worklist/done", response=answers(200, DoneOut, writes=True),
             summary="Mark a patient's due liver tests or plan review done for today: it leaves "
                     "today's labs-and-reviews groups and is listed as done (audited); 409 when it "
                     "is not due or already marked")  # fmt: skip
def done(request: HttpRequest, data: DoneIn) -> dict[str, Any]:
    mark = mark_done(data.mrn, data.item, actor=actor(request), at=now())
    return _done(DoneMark.objects.select_related("patient").get(pk=mark.pk))


class UndoneOut(Schema):
    mrn: str
    item: DueKind


@router.post("/worklist/done/undo", response=answers(200, UndoneOut, writes=True),
             summary="Take back today's done mark of a patient's item: it is listed as due again "
                     "(audited); 409 when it is not marked")  # fmt: skip
def undo(request: HttpRequest, data: DoneIn) -> dict[str, Any]:
    undo_done(data.mrn, data.item, actor=actor(request), at=now())
    return {"mrn": data.mrn, "item": data.item}
