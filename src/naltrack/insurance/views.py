"""A patient's insurance page: coverages, benefits verifications and prior authorizations, with
the coordinator's forms (the chart and Today link here)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack.accounts.roles import Action
from naltrack.patients.pages import open_record
from naltrack.web.pages import posted, requires, submit

from .forms import BenefitsForm, CoverageForm, PriorAuthForm, TransitionForm
from .models import AuthStatusChoice, PriorAuthorization
from .services import (
    BenefitsInput,
    CoverageInput,
    PriorAuthInput,
    Transition,
    change_prior_auth,
    patient_insurance,
    record_benefits,
    record_coverage,
    record_prior_auth,
)


@requires(Action.VIEW_INSURANCE)
def insurance_page(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.MANAGE_INSURANCE, what="contact")
    here = reverse("patient-insurance", args=[mrn])
    coverage = CoverageForm(posted(request, "coverage"), prefix="coverage")
    benefits = BenefitsForm(posted(request, "benefits"), prefix="benefits")
    pa = PriorAuthForm(posted(request, "pa"), prefix="pa")
    open_pas = PriorAuthorization.objects.filter(patient=patient).exclude(
        status=AuthStatusChoice.APPROVED
    )
    change = TransitionForm(posted(request, "change"), prefix="change", choices=[
        (r.pk, f"{r.get_formulation_display()} {r.reference or '(no reference)'}: {r.get_status_display().lower()}")
        for r in open_pas
    ])  # fmt: skip

    def covered(d: dict[str, Any]) -> str:
        record_coverage(patient, CoverageInput(
            d["kind"], d["valid_from"], d["payer"], d["plan"], d["member_id"], d["group"],
            d["valid_to"], d["rank"]), actor=actor, at=now)  # fmt: skip
        return "Coverage recorded."

    def verified(d: dict[str, Any]) -> str:
        record_benefits(patient, BenefitsInput(
            d["covered"], d["formulation"], d["benefit"] or "", d["supply"] or "", d["copay"],
            d["copay_assistance"], d["note"]), actor=actor, at=now)  # fmt: skip
        return "Benefits verification recorded."

    def submitted(d: dict[str, Any]) -> str:
        row = record_prior_auth(patient, PriorAuthInput(
            d["formulation"], d["submitted_on"], d["payer"], d["reference"]), actor=actor, at=now)  # fmt: skip
        return f"Prior authorization {row.pk} recorded as submitted."

    def changed(d: dict[str, Any]) -> str:
        row = change_prior_auth(patient, d["authorization"], Transition(
            d["status"], None, d["reference"], d["approved_units"], d["approved_from"],
            d["approved_to"], d["note"]), actor=actor, at=now)  # fmt: skip
        return f"Prior authorization {row.pk}: {row.get_status_display().lower()}."

    done = (
        submit(request, coverage, covered, then=here)
        or submit(request, benefits, verified, then=here)
        or submit(request, pa, submitted, then=here)
        or submit(request, change, changed, then=here)
    )
    return done or render(request, "insurance/patient.html", {
        "patient": patient, "active": "patients", "ins": patient_insurance(patient, actor=actor, at=now),
        "coverage_form": coverage, "benefits_form": benefits, "pa_form": pa, "change_form": change,
        "can_manage": actor.can(Action.MANAGE_INSURANCE),
    })  # fmt: skip
