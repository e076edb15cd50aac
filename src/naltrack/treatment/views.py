"""MAR entry, the plan editor and history, and discontinuation."""

from __future__ import annotations

from dataclasses import fields

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.clinical.regimens import regimens
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, requires

from .forms import AdministrationForm, DiscontinueForm, PlanForm
from .models import TreatmentPlan
from .services import (
    AdministrationInput,
    NeedsConfirmation,
    PlanInput,
    change_plan,
    discontinue,
    propose_injection,
    record_administration,
)


@requires(Action.RECORD_ADMINISTRATION)
def mar_entry(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    now = clock.now()
    patient = read_patient(mrn, actor=actor, at=now)
    proposal = propose_injection(patient, now.date())
    plan = TreatmentPlan.objects.filter(patient=patient).order_by("-created_at").first()
    initial = {
        "formulation": plan.formulation if plan and plan.formulation != "implant" else "xr_injection",
        "status": "given", "given_at": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        "site": proposal.side, "needle": proposal.needle, "observed": True,
    }  # fmt: skip
    form = AdministrationForm(request.POST or None, initial=initial)
    warnings: list[str] = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        given_at = (
            d["given_at"]
            if timezone.is_aware(d["given_at"])
            else timezone.make_aware(d["given_at"])
        )
        data = AdministrationInput(
            formulation=d["formulation"], given_at=given_at, status=d["status"], dose_mg=d["dose_mg"],
            site=d["site"], needle=d["needle"], lot=d["lot"], expiry=d["expiry"], observed=d["observed"],
            reason=d["reason"], reversal_agent_discussed=d["reversal_agent_discussed"],
            reversal_agent_on_hand=d["reversal_agent_on_hand"], confirm_warnings=d["confirm_warnings"],
        )  # fmt: skip
        try:
            done = record_administration(patient, data, actor=actor, at=clock.now())
            text = f"Recorded: {done.administration.product}, {done.administration.get_status_display().lower()}."
            if done.next_appointment:
                text += f" Next injection booked for {done.next_appointment.on:%A %d %B %Y}."
            messages.success(request, text)
            return redirect("patient-chart", mrn)
        except NeedsConfirmation as exc:
            warnings = exc.warnings
        except InputError as exc:
            attach(form, exc)
    return render(request, "treatment/mar_entry.html", {
        "patient": patient, "form": form, "proposal": proposal, "warnings": warnings, "active": "patients",
    })  # fmt: skip


def _regimen_choices() -> list[tuple[str, str]]:
    return [(code, f"{r.title} ({r.formulation.value})") for code, r in regimens().items()]


@requires(Action.EDIT_PLAN)
def plan_editor(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    patient = read_patient(mrn, actor=actor, at=clock.now())
    current = (
        TreatmentPlan.objects.filter(patient=patient, episode__status="active")
        .order_by("-version")
        .first()
    )
    initial = (
        {f.name: getattr(current, f.name) for f in fields(PlanInput)}
        if current
        else {"planned_duration_days": 180}
    )
    form = PlanForm(request.POST or None, initial=initial, regimen_choices=_regimen_choices())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        values = {f.name: d[f.name] for f in fields(PlanInput)}
        values["psychosocial"] = tuple(d["psychosocial"])
        try:
            plan = change_plan(
                patient, PlanInput(**values), reason=d["reason"], actor=actor, at=clock.now()
            )
            messages.success(request, f"Plan version {plan.version} saved.")
            return redirect("patient-chart", mrn)
        except InputError as exc:
            attach(form, exc)
    return render(request, "treatment/plan_editor.html", {
        "patient": patient, "form": form, "current": current, "active": "patients",
        "medication_locked": not actor.can(Action.EDIT_PLAN_MEDICATION),
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def plan_history(request: HttpRequest, mrn: str) -> HttpResponse:
    patient = read_patient(mrn, actor=request_actor(request), at=clock.now())
    plans = TreatmentPlan.objects.filter(patient=patient).order_by(
        "-episode__start_date", "-version"
    )
    return render(
        request,
        "treatment/plan_history.html",
        {"patient": patient, "plans": plans, "active": "patients"},
    )


@requires(Action.DISCONTINUE_TREATMENT)
def discontinue_view(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    patient = read_patient(mrn, actor=actor, at=clock.now())
    form = DiscontinueForm(request.POST or None, initial={"on": clock.today()})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            discontinue(patient, reason=d["reason"], on=d["on"], lost_to_follow_up=d["lost_to_follow_up"],
                        actor=actor, at=clock.now())  # fmt: skip
            messages.success(
                request, "Treatment discontinued; the post-treatment overdose-risk alert is open."
            )
            return redirect("patient-chart", mrn)
        except InputError as exc:
            attach(form, exc)
    return render(
        request,
        "treatment/discontinue.html",
        {"patient": patient, "form": form, "active": "patients"},
    )
