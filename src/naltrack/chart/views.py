"""The patient list (with each patient's care status) and the chart: pages that show several
areas at once, so they live above them."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.disclosure.services import active_emergency
from naltrack.outreach.services import reaching
from naltrack.patients.careteam import active_break_glass
from naltrack.patients.records import search_patients
from naltrack.patients.services import read_patient, surviving_mrn
from naltrack.reminders.services import chart_reminders
from naltrack.screening.models import FormulationChoice
from naltrack.web.bounds import search_text
from naltrack.web.context import request_actor
from naltrack.web.pages import requires

from .services import read_chart


@requires(Action.VIEW_PATIENT_LIST)
def search(request: HttpRequest) -> HttpResponse:
    query = search_text(request.GET.get("q", ""))
    rows = search_patients(query, actor=request_actor(request)).select_related("care")
    page = Paginator(rows, 25).get_page(request.GET.get("page"))
    return render(request, "chart/search.html", {
        "q": query, "page": page, "active": "patients", "formulations": dict(FormulationChoice.choices),
        "can_register": request_actor(request).can(Action.REGISTER_PATIENT),
    })  # fmt: skip


@requires(Action.VIEW_PATIENT_LIST)
def chart(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    survivor = surviving_mrn(mrn)
    if survivor:  # a chart merged into another: the surviving chart (nothing of it is read here)
        messages.info(request, f"{mrn} was merged into {survivor}: this is the patient's chart.")
        return redirect("patient-chart", survivor)
    clinical = actor.can(Action.VIEW_CHART)
    patient = read_patient(
        mrn, actor=actor, at=clock.now(), what="chart" if clinical else "contact"
    )
    if not clinical:  # coordinators: contact details and schedule only
        upcoming = patient.appointments.order_by("-on")[:20]
        return render(request, "chart/contact.html", {
            "patient": patient, "appointments": upcoming, "active": "patients",
            "can_register": actor.can(Action.REGISTER_PATIENT),
            "can_consents": actor.can(Action.VIEW_CONSENTS),
            "can_portal": actor.can(Action.INVITE_TO_PORTAL),
            "can_details": actor.can(Action.EDIT_PATIENT_DETAILS),
            "emergency": active_emergency(patient, clock.now()),
            "reminders": chart_reminders(patient, clock.now()),
            "reach": reaching(patient, getattr(patient, "care", None), actor=actor, on=clock.today()),
        })  # fmt: skip
    data = read_chart(patient, clock.today())
    return render(request, "chart/chart.html", {"c": data, "active": "patients",
        "emergency": active_emergency(patient, clock.now()),
        "break_glass": active_break_glass(patient, clock.now()),
        "reminders": chart_reminders(patient, clock.now()),
        "reach": reaching(patient, data.care, actor=actor, on=clock.today()), "can": {
        "screen": actor.can(Action.RUN_SCREENING), "mar": actor.can(Action.RECORD_ADMINISTRATION),
        "observe": actor.can(Action.RECORD_OBSERVATION), "plan": actor.can(Action.EDIT_PLAN),
        "notes": actor.can(Action.VIEW_COUNSELLING_NOTES), "discontinue": actor.can(Action.DISCONTINUE_TREATMENT),
        "alerts": actor.can(Action.HANDLE_ALERTS), "register": actor.can(Action.REGISTER_PATIENT),
        "override": actor.can(Action.OVERRIDE_BLOCK),
        "consents": actor.can(Action.VIEW_CONSENTS), "release": actor.can(Action.DISCLOSE_RECORDS),
        "portal": actor.can(Action.INVITE_TO_PORTAL), "details": actor.can(Action.EDIT_PATIENT_DETAILS),
    }})  # fmt: skip
