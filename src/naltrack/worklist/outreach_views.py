"""Logging an outreach attempt inline on Today's overdue and risk-window rows (htmx): "Log an
attempt" opens the form in the row's outreach cell; posting it logs the attempt and answers the
row as it now stands (or the form again, with the error beside its field and what was typed).
Without JavaScript the same form posts to the patient's outreach page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from naltrack.accounts.actors import Actor
from naltrack.accounts.roles import Action
from naltrack.alerts.models import CareStatus
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.outreach.forms import AttemptForm
from naltrack.outreach.services import contacts, record_attempt, standings
from naltrack.outreach.views import attempt_input, form_prefix, logged_words
from naltrack.patients.access import mark_unassigned, unassigned_patients
from naltrack.patients.models import Patient
from naltrack.patients.pages import open_record
from naltrack.web.pages import attach, requires

ROWS = ("overdue", "risk")


def _row(patient: Patient, actor: Actor, on: Any) -> Any:
    """The patient's care status as Today's row shows it: marked when nobody is on the care team,
    with where outreach stands and how to reach them."""
    care = mark_unassigned(
        CareStatus.objects.select_related("patient").filter(patient=patient), unassigned_patients()
    ).first()
    if care is None:
        return None
    # The same attributes Today's rows carry (worklist.services._how_to_reach).
    care.outreach = standings([care], on).get(patient.pk)  # type: ignore[attr-defined]
    care.contact = contacts([patient], actor=actor, on=on).get(patient.pk)  # type: ignore[attr-defined]
    return care


def _context(request: HttpRequest, patient: Patient, c: Any, form: AttemptForm | None) -> dict[str, Any]:  # fmt: skip
    row = request.GET.get("row", "")
    row = row if row in ROWS else "overdue"
    hx = f"{reverse('today-outreach-row', args=[patient.mrn])}?row={row}"
    return {"c": c, "row": row, "form": form, "hx": hx}


@requires(Action.RECORD_OUTREACH)
def attempt_form(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_OUTREACH, what="contact")
    c = _row(patient, actor, local_day(now))
    if c is None:
        return HttpResponse('<p class="small">Not on Today\'s lists: use the outreach page.</p>')
    form = AttemptForm(prefix=f"reach-{patient.pk}")
    return render(request, "worklist/_risk_cell.html", _context(request, patient, c, form))


@requires(Action.RECORD_OUTREACH)
def attempt_row(request: HttpRequest, mrn: str) -> HttpResponse:
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_OUTREACH, what="contact")
    form = AttemptForm(request.POST, prefix=form_prefix(request, f"reach-{patient.pk}"))
    logged = ""
    if form.is_valid():
        try:
            logged = logged_words(record_attempt(patient, attempt_input(form.cleaned_data), actor=actor, at=now))  # fmt: skip
        except InputError as exc:
            attach(form, exc)
    c = _row(patient, actor, local_day(now))
    if c is None:  # no care status: nothing to show on Today, the attempt is on the outreach page
        return HttpResponse(f'<tr><td colspan="4">{logged or "Not logged."}</td></tr>')
    context = _context(request, patient, c, None if logged else form)
    context["logged"] = logged
    # 200 with the form again on a refusal: htmx swaps only successful answers, and the form must
    # come back with the error beside its field and what was typed.
    return render(request, "worklist/_risk_row.html", context)
