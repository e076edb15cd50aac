"""The screening form (findings shown live as facts are entered, through HTMX), the stored
screening with its findings and sources, and signing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinic import active_policy
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import InputError
from naltrack.clinical.signoff import FACTS, missing_facts
from naltrack.patients.models import Patient
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, requires

from .forms import ScreeningForm, SignForm
from .models import FormulationChoice, ScreeningRecord
from .services import (
    BLOCKING,
    items_to_review,
    missing_of,
    preview,
    run_screening,
    sign_screening,
)

PREVIEW_READ_COVERS = timedelta(minutes=30)


def _initial_formulation(asked: str) -> str:
    """The formulation asked for (the chart's link passes the current plan's: treatment sits above
    screening, so this page does not read the plan); else the injection, the commonest start."""
    return asked if asked in FormulationChoice.values else FormulationChoice.XR_INJECTION


@requires(Action.RUN_SCREENING)
def screening_form(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    patient = read_patient(mrn, actor=actor, at=clock.now())
    form = ScreeningForm(
        request.POST or None,
        initial={"formulation": _initial_formulation(request.GET.get("formulation", ""))},
    )
    if request.method == "POST" and form.is_valid():
        try:
            rec = run_screening(patient, form.entered(), formulation=form.cleaned_data["formulation"],
                                actor=actor, at=clock.now())  # fmt: skip
            return redirect("screening-detail", rec.pk)
        except InputError as exc:
            attach(form, exc)
    return render(request, "screening/form.html", {
        "patient": patient, "form": form, "active": "patients", **_preview(patient, form),
    })  # fmt: skip


def _preview(patient: Patient, form: ScreeningForm) -> dict[str, Any]:
    """The live findings' context: the facts, the result, the required facts missing, or the
    error naming the bad field."""
    valid = form.is_bound and form.is_valid()
    entered = form.entered() if valid else {}
    formulation = (form.cleaned_data.get("formulation") if valid else None) or _initial_formulation(
        form.data.get("formulation") or form.initial.get("formulation", "")
    )
    try:
        facts, result = preview(patient, entered, formulation=formulation, as_of=clock.today())
        return {"facts": facts, "result": result.as_dict(), "error": None,
                "missing": missing_facts(result.findings)}  # fmt: skip
    except InputError as exc:
        return {"facts": None, "result": None, "error": exc, "missing": ()}


@require_POST
@requires(Action.RUN_SCREENING)
def screening_preview(request: HttpRequest, mrn: str) -> HttpResponse:
    """The live findings (HTMX): nothing clinical is written. The read is audited, but once per
    staff member and patient in PREVIEW_READ_COVERS, not on every keystroke."""
    patient = read_patient(
        mrn, actor=request_actor(request), at=clock.now(), covered_for=PREVIEW_READ_COVERS
    )
    form = ScreeningForm(request.POST)
    return render(request, "screening/findings.html", {"form": form, **_preview(patient, form)})


SEVERITY_WORDS = {"block": "Block", "review": "Needs review", "info": "For information"}


def _item_words(rec: ScreeningRecord) -> dict[str, str]:
    """What each attestable item says: the facts used, then each finding code once (with its
    words), strongest first."""
    out = {FACTS: "The facts used (listed below) match the patient and the record"}
    for f in rec.findings_of():
        out.setdefault(f.code.value, f"{SEVERITY_WORDS[f.severity.value]}: {f.message}")
    return out


def _sign_items(rec: ScreeningRecord) -> list[tuple[str, str]]:
    """The attestation's choices; the ones the core requires are marked."""
    required = set(items_to_review(rec, overriding=rec.decision in BLOCKING))
    return [
        (key, f"{words} (required)" if key in required else words)
        for key, words in _item_words(rec).items()
    ]


def _detail(request: HttpRequest, rec: ScreeningRecord, form: SignForm | None,
            can_sign: bool, status: int = 200) -> HttpResponse:  # fmt: skip
    return render(request, "screening/detail.html", {
        "rec": rec, "result": rec.result, "facts": rec.facts, "active": "patients",
        "form": form or SignForm(items=_sign_items(rec)), "can_sign": can_sign,
        "blocking": rec.decision in BLOCKING, "missing": missing_of(rec),
        "reviewed_labels": [w for key, w in _item_words(rec).items() if key in rec.reviewed],
    }, status=status)  # fmt: skip


@requires(Action.VIEW_CHART)
def screening_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(ScreeningRecord.objects.select_related("patient"), pk=pk)
    actor = request_actor(request)
    read_patient(rec.patient.mrn, actor=actor, at=clock.now())  # audited chart read
    can_sign = (
        actor.can(Action.SIGN_SCREENING)
        and not rec.signed
        and rec.policy_version == active_policy().version  # sign_screening refuses it otherwise
    )
    return _detail(request, rec, None, can_sign)


@require_POST
@requires(Action.SIGN_SCREENING)
def screening_sign(request: HttpRequest, pk: int) -> HttpResponse:
    rec = get_object_or_404(ScreeningRecord.objects.select_related("patient"), pk=pk)
    form = SignForm(request.POST, items=_sign_items(rec))
    if form.is_valid():
        d = form.cleaned_data
        try:
            sign_screening(pk, actor=request_actor(request), at=clock.now(), reviewed=d["reviewed"],
                           note=d["note"], override_reason=d["override_reason"])  # fmt: skip
            messages.success(request, "Screening signed.")
            return redirect("screening-detail", pk)
        except OutsideCareTeam:
            raise  # a 403 page with the way in (web.pages.requires), not a form error
        except InputError as exc:
            attach(form, exc)
    return _detail(request, rec, form, True, status=400)
