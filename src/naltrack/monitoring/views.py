"""Recording an observation from the chart."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, requires

from .forms import ITEM_HELP, ObservationForm
from .models import ObservationKind
from .services import record_observation

FIELD_OF = {"items": "items", "results": "opioids", "value": "value", "result": "result"}


@requires(Action.RECORD_OBSERVATION)
def observation_entry(request: HttpRequest, mrn: str) -> HttpResponse:
    actor = request_actor(request)
    patient = read_patient(mrn, actor=actor, at=clock.now())
    kind = request.POST.get("kind") or request.GET.get("kind", "urine_screen")
    if kind not in ObservationKind.values:
        kind = "urine_screen"
    form = ObservationForm(
        request.POST or None, initial={"observed_on": clock.today(), "kind": kind}
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        try:
            obs = record_observation(patient, kind=kind, observed_on=form.cleaned_data["observed_on"],
                                     data=form.data_for(kind), actor=actor, at=clock.now())  # fmt: skip
            messages.success(
                request,
                f"Recorded {obs.get_kind_display()}{f': {obs.total:g}' if obs.total is not None and kind not in ('urine_screen',) else ''}{f' ({obs.band})' if obs.band else ''}.",
            )
            return redirect("patient-chart", mrn)
        except InputError as exc:
            # "data.items.3" -> the items field; "data.results" -> the first urine field
            parts = exc.field.split(".")
            name = (
                FIELD_OF.get(parts[1], parts[1])
                if len(parts) > 1 and parts[0] == "data"
                else exc.field
            )
            attach(
                form,
                InputError(
                    exc.message if len(parts) < 3 else f"{'.'.join(parts[1:])}: {exc.message}", name
                ),
            )
    return render(
        request,
        "monitoring/observation_entry.html",
        {
            "patient": patient,
            "form": form,
            "kind": kind,
            "kinds": ObservationKind.choices,
            "fields": form.visible_fields_for(kind),
            "item_help": ITEM_HELP.get(kind, ""),
            "active": "patients",
        },
    )
