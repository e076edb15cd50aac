"""Recording an observation from the chart; side effects and their follow-up."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.patients.pages import open_record
from naltrack.patients.services import read_patient
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, posted, requires, submit

from .forms import ITEM_HELP, FollowUpForm, ObservationForm, SideEffectForm
from .models import ObservationKind
from .services import follow_up_side_effect, record_observation, record_side_effect

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


@requires(Action.VIEW_CHART)
def side_effects(request: HttpRequest, mrn: str) -> HttpResponse:
    """Side effects and injection-site reactions, open ones first, with their follow-up."""
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_SIDE_EFFECT)
    here = reverse("side-effects", args=[mrn])
    new = SideEffectForm(posted(request, "new"), prefix="new", initial={"noted_on": local_day(now)})
    follow = FollowUpForm(posted(request, "follow"), prefix="follow")

    def record(d: dict[str, Any]) -> str:
        e = record_side_effect(patient, actor=actor, at=now, **d)
        due = f"; follow up on {e.follow_up_due:%Y-%m-%d}" if e.follow_up_due else ""
        return f"Recorded: {e.get_kind_display().lower()} ({e.severity}){due}."

    def follow_up(d: dict[str, Any]) -> str:
        e = follow_up_side_effect(d.pop("side_effect"), actor=actor, at=now, of=patient, **d)
        return f"Follow-up recorded; {e.get_kind_display().lower()} " + (
            "resolved." if e.resolved_on else f"next follow-up {e.follow_up_due:%Y-%m-%d}."
        )

    done = submit(request, new, record, then=here) or submit(request, follow, follow_up, then=here)
    effects = list(patient.side_effects.select_related("administration"))
    return done or render(request, "monitoring/side_effects.html", {
        "patient": patient, "new": new, "follow": follow,
        "open": [e for e in effects if e.resolved_on is None],
        "resolved": [e for e in effects if e.resolved_on is not None],
        "can_record": actor.can(Action.RECORD_SIDE_EFFECT), "active": "patients",
    })  # fmt: skip
