"""MAR entry, the plan editor and history, orders, implants and discontinuation."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError
from naltrack.clinical.orders import order_rules_words
from naltrack.clinical.regimens import regimens
from naltrack.inventory.views import offer_kits
from naltrack.patients.models import EpisodeStatus
from naltrack.patients.pages import open_record
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, posted, requires, submit

from .discontinuation import discontinue
from .first_dose import first_dose_screening
from .forms import (
    AdministrationForm,
    DiscontinueForm,
    ImplantForm,
    ImplantRemovalForm,
    InjectionOverrideForm,
    OrderForm,
    PlanForm,
)
from .implants import insert_implant, remove_implant
from .mar import (
    AdministrationInput,
    DoseRefused,
    NeedsConfirmation,
    authorize_injection_override,
    order_today,
    propose_injection,
    record_administration,
)
from .models import TreatmentPlan
from .orders import sign_order
from .plan_diff import plan_versions, shown
from .plans import FIELD_LABELS, PlanFieldRefused, PlanInput, change_plan, read_only_fields
from .words import formulation_label, regimen_label


@requires(Action.RECORD_ADMINISTRATION)
def mar_entry(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    now = clock.now()
    patient = read_patient(mrn, actor=actor, at=now)
    if not patient.episodes.filter(status=EpisodeStatus.ACTIVE).exists():  # stopped, or never begun
        return render(request, "treatment/no_episode.html", {"patient": patient}, status=409)
    today = clock.local_day(now)
    proposal = propose_injection(patient, today)
    ordered = order_today(patient, today)
    plan = TreatmentPlan.current(patient)
    # The MAR gives what the active order orders: its formulation, and its tablet of the day.
    source = ordered.formulation if ordered else plan.formulation if plan else ""
    initial = {
        "formulation": source if source in ("oral", "xr_injection") else "xr_injection",
        "status": "given", "given_at": timezone.localtime(now).strftime("%Y-%m-%dT%H:%M"),
        "site": proposal.side, "needle": proposal.needle, "observed": True,
        "dose_mg": ordered.today_mg if ordered and ordered.formulation == "oral" else None,
    }  # fmt: skip
    form = AdministrationForm(request.POST or None, initial=initial)
    offer_kits(form, patient, now)  # the kit select: usable kits, the patient's own first
    warnings: list[str] = []
    refusal: DoseRefused | None = None
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
            opioid_use_reported=d["opioid_use_reported"], kit_id=d["kit"],
        )  # fmt: skip
        try:
            done = record_administration(patient, data, actor=actor, at=clock.now())
            text = f"Recorded: {done.administration.product}, {done.administration.get_status_display().lower()}."
            if done.next_appointment:
                text += f" Next injection booked for {done.next_appointment.on:%A %d %B %Y}."
            note = done.booking_message  # moved off a closed day, or none could be booked
            if note and not note.startswith("Booked on the due day"):
                text += f" {note}"
            messages.success(request, text)
            return redirect("patient-chart", mrn)
        except NeedsConfirmation as exc:
            warnings = exc.warnings
        except DoseRefused as exc:
            refusal = exc  # listed in full above the form
            if exc.field in form.fields:
                attach(form, exc)  # and beside its field; a refusal about no field is not repeated
        except InputError as exc:
            attach(form, exc)
    return render(request, "treatment/mar_entry.html", {
        "patient": patient, "form": form, "proposal": proposal, "warnings": warnings, "active": "patients",
        "refusal": refusal, "ordered": ordered,
        "first_screening": first_dose_screening(patient, restart=proposal.tier == "rescreen"),
    })  # fmt: skip


@requires(Action.OVERRIDE_BLOCK)
def injection_override(request: HttpRequest, mrn: str) -> HttpResponse:
    """A prescriber's written override for today's dose, when the core refuses it for a reason
    the reference leaves to clinical judgement (too early; a positive late screen; no active
    order, or a dose other than the active order gives)."""
    actor, now, patient = open_record(request, mrn, writes=Action.OVERRIDE_BLOCK)
    today = clock.local_day(now)
    proposal = propose_injection(patient, today)
    ordered = order_today(patient, today)
    initial = {"formulation": request.GET.get("formulation", "xr_injection")}
    if request.GET.get("dose_mg", "").isdigit():
        initial["dose_mg"] = request.GET["dose_mg"]
    form = InjectionOverrideForm(request.POST or None, initial=initial)

    def authorize(d: dict[str, Any]) -> str:
        row = authorize_injection_override(
            patient, on=today, reason=d["reason"], actor=actor, at=now,
            formulation=d["formulation"] or "xr_injection", dose_mg=d["dose_mg"],
        )  # fmt: skip
        return f"Override recorded for the dose of {row.on:%Y-%m-%d}: the nurse may record it."

    done = submit(request, form, authorize, then=reverse("patient-chart", args=[mrn]))
    return done or render(request, "treatment/injection_override.html", {
        "patient": patient, "form": form, "proposal": proposal, "ordered": ordered, "active": "patients",
    })  # fmt: skip


def _regimen_choices() -> list[tuple[str, str]]:
    return [
        (code, f"{regimen_label(code)} ({formulation_label(r.formulation.value)})")
        for code, r in regimens().items()
    ]


@requires(Action.EDIT_PLAN)
def plan_editor(request: HttpRequest, mrn: str) -> HttpResponse:
    """The next version of the plan. A part the role may not change (a counselor: the medication)
    is shown as text, not as a field, and the version keeps it as it was; the service refuses a
    change to it whatever sent it. A refused save shows the form again with what was typed."""
    actor, now, patient = open_record(request, mrn, writes=Action.EDIT_PLAN)
    current = TreatmentPlan.current(patient)
    read_only = read_only_fields(actor)
    initial = (
        {f.name: getattr(current, f.name) for f in fields(PlanInput)}
        if current
        else {"planned_duration_days": 180}
    ) | {"based_on_version": current.version if current else 0}
    # Without a plan there is no medication to keep: a prescriber writes the first version.
    form = (
        PlanForm(request.POST or None, initial=initial, regimen_choices=_regimen_choices(),
                 read_only=read_only)
        if current or not read_only
        else None
    )  # fmt: skip

    def save(d: dict[str, Any]) -> str:
        assert current or not read_only
        values = {
            f.name: getattr(current, f.name) if f.name in read_only else d[f.name]
            for f in fields(PlanInput)
        }
        values["psychosocial"] = tuple(values["psychosocial"])
        try:
            plan = change_plan(
                patient, PlanInput(**values), reason=d["reason"], actor=actor, at=now,
                based_on_version=d["based_on_version"],
            )  # fmt: skip
        except PlanFieldRefused as exc:  # beside the field, with what was typed
            raise InputError(exc.message, exc.field) from None
        return f"Plan version {plan.version} saved."

    done = form and submit(request, form, save, then=reverse("patient-chart", args=[mrn]))
    return done or render(request, "treatment/plan_editor.html", {
        "patient": patient, "form": form, "current": current, "active": "patients",
        "read_only": [(FIELD_LABELS[name], shown(current, name)) for name in read_only] if current else [],
        "medication_locked": bool(read_only),
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def plan_history(request: HttpRequest, mrn: str) -> HttpResponse:
    patient = read_patient(mrn, actor=request_actor(request), at=clock.now())
    plans = list(
        TreatmentPlan.objects.filter(patient=patient).order_by("-episode__start_date", "-version")
    )
    return render(request, "treatment/plan_history.html", {
        "patient": patient, "versions": plan_versions(plans), "active": "patients",
    })  # fmt: skip


@requires(Action.DISCONTINUE_TREATMENT)
def discontinue_view(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.DISCONTINUE_TREATMENT)
    form = DiscontinueForm(request.POST or None, initial={"on": clock.local_day(now)})

    def stop(d: dict[str, Any]) -> str:
        discontinue(patient, actor=actor, at=now, **d)
        return "Treatment discontinued; the post-treatment overdose-risk alert is open."

    done = submit(request, form, stop, then=reverse("patient-chart", args=[mrn]))
    return done or render(
        request,
        "treatment/discontinue.html",
        {"patient": patient, "form": form, "active": "patients"},
    )


@requires(Action.VIEW_CHART)
def orders(request: HttpRequest, mrn: str) -> HttpResponse:
    """The naltrexone orders; a prescriber signs a new one (it replaces the active order)."""
    actor, now, patient = open_record(request, mrn, writes=Action.SIGN_ORDER)
    plan = TreatmentPlan.current(patient)
    initial: dict[str, Any] = (
        {"formulation": plan.formulation, "regimen": plan.regimen} if plan else {}
    )
    form = OrderForm(request.POST or None, initial=initial, regimen_choices=_regimen_choices())

    def sign(d: dict[str, Any]) -> str:
        order = sign_order(patient, actor=actor, at=now, **d)
        return f"Order signed: {order.get_formulation_display()}, {regimen_label(order.regimen)}, {order.dose_mg} mg."

    done = submit(request, form, sign, then=reverse("orders", args=[mrn]))
    return done or render(request, "treatment/orders.html", {
        "patient": patient, "form": form, "orders": patient.orders.all(),
        "can_sign": actor.can(Action.SIGN_ORDER), "active": "patients",
        "order_rules": order_rules_words(active_policy()),
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def implants(request: HttpRequest, mrn: str) -> HttpResponse:
    """Implant insertions and removals (procedures: prescribers record them)."""
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_IMPLANT)
    here = reverse("implants", args=[mrn])
    insert = ImplantForm(posted(request, "insert"), prefix="insert",
                         initial={"inserted_on": clock.local_day(now)})  # fmt: skip
    removal = ImplantRemovalForm(posted(request, "remove"), prefix="remove")

    def put_in(d: dict[str, Any]) -> str:
        i = insert_implant(patient, actor=actor, at=now, **d)
        return f"Implant inserted on {i.inserted_on:%Y-%m-%d}; covered for {i.covered_days} days."

    def take_out(d: dict[str, Any]) -> str:
        i = remove_implant(d["implant"], removed_on=d["removed_on"], reason=d["reason"],
                           actor=actor, at=now, of=patient)  # fmt: skip
        return f"Implant removal recorded on {i.removed_on:%Y-%m-%d}."

    done = submit(request, insert, put_in, then=here) or submit(
        request, removal, take_out, then=here
    )
    return done or render(request, "treatment/implants.html", {
        "patient": patient, "insert": insert, "removal": removal, "implants": patient.implants.all(),
        "can_record": actor.can(Action.RECORD_IMPLANT), "active": "patients",
    })  # fmt: skip
