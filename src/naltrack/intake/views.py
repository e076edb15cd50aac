"""The intake pages (issue 15): the board, a new inquiry, an inquiry with its history and its
steps (and conversion to a registered patient), and the report of days from first contact to
first dose."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.clinical.intake import Stage, conversion, transition
from naltrack.patients.careteam import registration_team_choices
from naltrack.patients.identity import Candidate, possible_duplicates
from naltrack.patients.services import DuplicateSuspected
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, posted, report_period, requires, submit

from .forms import STEP_FORMS, ConvertForm, InquiryForm
from .models import Source
from .services import (
    BOARD_LABELS,
    ConvertInput,
    InquiryInput,
    StepInput,
    board,
    convert,
    insurance_fields,
    read_inquiry,
    stage,
    take_inquiry,
    take_step,
    time_to_dose_report,
)

STEP_WORDS = {
    "contacted": "Marked contacted.",
    "insurance_checked": "Insurance checked.",
    "assessment_booked": "Assessment booked.",
    "closed": "Inquiry closed.",
}


@requires(Action.MANAGE_INTAKE)
def intake_board(request: HttpRequest) -> HttpResponse:
    """Columns per stage, each card with the days since first contact and its next step."""
    actor, now = request_actor(request), clock.now()
    if request.method == "POST" and request.POST.get("form") == "contacted":
        try:
            take_step(int(request.POST.get("inquiry", "0") or 0), StepInput(to="contacted"),
                      actor=actor, at=now)  # fmt: skip
            messages.success(request, "Marked contacted.")
        except (InputError, ValueError) as exc:
            messages.error(request, f"Not changed: {getattr(exc, 'message', exc)}.")
        return redirect("intake-board")
    step = request.GET.get("step", "")
    try:
        columns = board(actor=actor, at=now, step=step)
    except InputError as exc:
        return render(request, "intake/board.html", {"error": f"step: {exc.message}", "active": "intake"},
                      status=400)  # fmt: skip
    return render(request, "intake/board.html", {
        "columns": columns, "active": "intake", "step": step,
        "can_report": actor.can(Action.VIEW_INTAKE_REPORT),
    })  # fmt: skip


def _inquiry_input(d: dict[str, Any]) -> InquiryInput:
    return InquiryInput(
        source=d["source"], given_name=d["given_name"], family_name=d["family_name"],
        preferred_contact=d["preferred_contact"], what_for=d["what_for"], phone=d["phone"] or "",
        email=d["email"] or "", birth_date=d["birth_date"], sex_at_birth=d["sex_at_birth"] or "",
        referrer=d["referrer"] or "", note=d["note"] or "",
    )  # fmt: skip


@requires(Action.MANAGE_INTAKE)
def new_inquiry(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    form = InquiryForm(request.POST or None)
    created: list[int] = []

    def call(d: dict[str, Any]) -> str:
        row = take_inquiry(_inquiry_input(d), actor=actor, at=clock.now())
        created.append(row.pk)
        return f"Inquiry taken: {row.given_name} {row.family_name}."

    done = submit(request, form, call, then=lambda: reverse("intake-detail", args=[created[0]]))
    return done or render(request, "intake/new.html", {"form": form, "active": "intake"})


def _step_input(to: str, d: dict[str, Any]) -> StepInput:
    return StepInput(
        to=to, note=d.get("note") or "", pay_kind=d.get("pay_kind") or "",
        payer=d.get("payer") or "", plan=d.get("plan") or "", member_id=d.get("member_id") or "",
        group_number=d.get("group_number") or "", assessment_on=d.get("assessment_on"),
        assessment_time=d.get("assessment_time"), close_reason=d.get("close_reason") or "",
    )  # fmt: skip


def _stepper(pk: int, name: str, actor: Actor, now: datetime) -> Callable[[dict[str, Any]], str]:
    def call(d: dict[str, Any]) -> str:
        take_step(pk, _step_input(name, d), actor=actor, at=now)
        return STEP_WORDS[name]

    return call


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/not_found.html", {"active": "intake"}, status=404)


@requires(Action.MANAGE_INTAKE)
def inquiry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An inquiry: what was taken, its history, the steps it may take next and conversion."""
    actor, now = request_actor(request), clock.now()
    here = reverse("intake-detail", args=[pk])
    forms_: dict[str, Any] = {}
    for name, cls in STEP_FORMS.items():
        data = posted(request, name)
        form = cls(data, prefix=name)
        forms_[name] = form
        if data is not None:
            try:
                done = submit(request, form, _stepper(pk, name, actor, now), then=here)
            except NotFoundError:
                return _not_found(request)
            if done:
                return done
    try:
        inquiry, steps = read_inquiry(pk, actor=actor, at=now)
    except NotFoundError:
        return _not_found(request)
    convert_form = ConvertForm(posted(request, "convert"), prefix="convert",
                               team=registration_team_choices()["prescriber"],
                               initial={"birth_date": inquiry.birth_date,
                                        "sex_at_birth": inquiry.sex_at_birth,
                                        "what_for": inquiry.what_for})  # fmt: skip
    candidates: list[Candidate] = []
    reason = (
        str(request.POST.get("duplicate_reason", ""))[:1000] if request.method == "POST" else ""
    )
    reason_error = ""
    if convert_form.is_bound and convert_form.is_valid():
        d = convert_form.cleaned_data
        data = ConvertInput(prescriber=d["prescriber"], birth_date=d["birth_date"],
                            sex_at_birth=d["sex_at_birth"] or "", what_for=d["what_for"],
                            duplicate_reason=reason)  # fmt: skip
        try:
            patient = convert(pk, data, actor=actor, at=now)
        except DuplicateSuspected as exc:
            candidates = exc.candidates
        except InputError as exc:
            if exc.field != "duplicate_reason":
                attach(convert_form, exc)
            else:
                reason_error = exc.message
                born = d["birth_date"] or inquiry.birth_date
                assert born is not None  # convert checks the birth date before the duplicates
                candidates = possible_duplicates(inquiry.given_name, inquiry.family_name, born,
                                                 inquiry.phone)  # fmt: skip
        else:
            messages.success(request, f"Registered {patient.family_name}, {patient.given_name} "
                                      f"with MRN {patient.mrn}; episode of care opened.")  # fmt: skip
            return redirect("patient-chart", patient.mrn)
    current = stage(inquiry)
    next_steps = [s for s in STEP_FORMS if transition(current, Stage(s)).allowed]
    return render(request, "intake/detail.html", {
        "inquiry": inquiry, "steps": steps, "stage": current, "forms": forms_,
        "next_steps": next_steps, "convert_form": convert_form,
        "may_convert": conversion(current, converted=inquiry.patient_id is not None),
        "candidates": candidates, "reason": reason, "reason_error": reason_error,
        "insurance": insurance_fields(inquiry), "active": "intake", "stage_label": BOARD_LABELS[current],
    })  # fmt: skip


@requires(Action.VIEW_INTAKE_REPORT)
def intake_report(request: HttpRequest) -> HttpResponse:
    raw, errors, start, end = report_period(request)
    report = None
    if not errors:
        try:
            report = time_to_dose_report(start, end, actor=request_actor(request), at=clock.now())
        except InputError as exc:
            errors[exc.field] = exc.message
    rows = []
    if report is not None:
        rows = [(label, report.by_source[value]) for value, label in Source.choices]
    return render(request, "intake/report.html", {
        "f": raw, "errors": errors, "report": report, "rows": rows, "active": "intake",
    })  # fmt: skip
