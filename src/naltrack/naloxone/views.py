"""Naloxone pages: the stock (by lot, the reorder warning, receiving kits), a patient's naloxone
(on hand or not, the history, the hand-out form) and the coverage report."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.patients.pages import open_record
from naltrack.web.context import request_actor
from naltrack.web.pages import posted, requires, submit

from .forms import HandOutForm, ReceiveForm, VoidForm
from .models import HandOutKind
from .services import (
    HandOutInput,
    ReceiveInput,
    hand_out,
    history,
    patient_on_hand,
    read_coverage,
    read_stock,
    receive_stock,
    void_hand_out,
)


@requires(Action.HAND_OUT_NALOXONE)
def stock_page(request: HttpRequest) -> HttpResponse:
    actor, now = request_actor(request), clock.now()
    here = reverse("naloxone")
    if request.method == "POST":
        actor.require(Action.MANAGE_NALOXONE_STOCK)
    form = ReceiveForm(posted(request, "receive"), prefix="receive")

    def received(d: dict[str, Any]) -> str:
        lot = receive_stock(ReceiveInput(d["product"], d["lot"], d["expires_on"], d["count"],
                                         d["received_on"]), actor=actor, at=now)  # fmt: skip
        return f"Received {d['count']} kits of lot {lot.lot}; {lot.remaining} on the shelf."

    done = submit(request, form, received, then=here)
    return done or render(request, "naloxone/stock.html", {
        "stock": read_stock(local_day(now), actor=actor), "form": form, "active": "naloxone",
        "can_receive": actor.can(Action.MANAGE_NALOXONE_STOCK),
        "can_report": actor.can(Action.VIEW_NALOXONE_COVERAGE),
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def patient_page(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.HAND_OUT_NALOXONE)
    here = reverse("patient-naloxone", args=[mrn])
    day = local_day(now)
    initial = {"kind": request.GET.get("kind", ""), "where": request.GET.get("where", "")}
    form = HandOutForm(posted(request, "hand_out"), prefix="hand_out", day=day, initial=initial)

    def recorded(d: dict[str, Any]) -> str:
        row = hand_out(patient, HandOutInput(d["kind"], d["where"], d["lot_id"], d["count"], d["given_on"],
                                             d["note"] or ""), actor=actor, at=now)  # fmt: skip
        if row.kind == HandOutKind.HANDED_OUT:
            return f"Handed out: {row.count} kit{'s' if row.count > 1 else ''} ({row.get_product_display()}, lot {row.lot.lot if row.lot else ''})."  # fmt: skip
        return f"Recorded: {row.get_kind_display().lower()}."

    void = VoidForm(posted(request, "void"), prefix="void")

    def voided(d: dict[str, Any]) -> str:
        row = void_hand_out(patient, d["hand_out"], reason=d["reason"], actor=actor, at=now)
        back = (
            f"; {row.count} kit{'s' if row.count > 1 else ''} back on the shelf"
            if row.lot_id
            else ""
        )
        return (
            f"Voided the entry of {row.given_on:%Y-%m-%d} ({row.get_kind_display().lower()}){back}."
        )

    done = submit(request, form, recorded, then=here) or submit(request, void, voided, then=here)
    return done or render(request, "naloxone/patient.html", {
        "patient": patient, "form": form, "void": void, "active": "patients",
        "rows": history(patient, actor=actor, at=now), "status": patient_on_hand(patient, day),
        "can_hand_out": actor.can(Action.HAND_OUT_NALOXONE),
    })  # fmt: skip


@requires(Action.VIEW_NALOXONE_COVERAGE)
def coverage_report(request: HttpRequest) -> HttpResponse:
    actor, now = request_actor(request), clock.now()
    raw = request.GET.get("on", "")
    errors: dict[str, str] = {}
    day = local_day(now)
    if raw:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            errors["on"] = "must be a day (YYYY-MM-DD)"
    report = None
    if not errors:
        try:
            report = read_coverage(day, actor=actor, at=now)
        except InputError as exc:
            errors[exc.field] = exc.message
    return render(request, "naloxone/coverage.html", {
        "on": raw or day.isoformat(), "errors": errors, "report": report, "active": "naloxone",
    })  # fmt: skip
