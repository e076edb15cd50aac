"""Registration, episodes, the assessment and the medication list (the patient list and the chart,
which show other areas too, are in naltrack.chart)."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, posted, requires, submit

from .careteam import registration_team_choices
from .details import EDITABLE, details_of, update_details
from .forms import (
    AllergyForm,
    AssessmentForm,
    DetailsForm,
    EpisodeForm,
    MedicationForm,
    PatientForm,
    StopMedicationForm,
)
from .identity import Candidate, possible_duplicates
from .models import EpisodeStatus
from .pages import open_record
from .records import (
    AssessmentInput,
    add_allergy,
    add_medication,
    record_assessment,
    stop_medication,
)
from .services import DetailsInput, DuplicateSuspected, PatientInput, enrol_patient, open_episode


@requires(Action.REGISTER_PATIENT)
def register(request: HttpRequest) -> HttpResponse:
    """Register a patient (naltrack assigns the MRN). When existing charts may be this person the
    page lists them, each with a link to open it, and registers anyway only with a reason saying
    why this is someone else (audited); the typed details stay in the form either way."""
    actor = request_actor(request)
    form = PatientForm(request.POST or None, initial={"start_date": clock.today()},
                       team=registration_team_choices())  # fmt: skip
    reason = (
        str(request.POST.get("duplicate_reason", ""))[:1000] if request.method == "POST" else ""
    )
    candidates: list[Candidate] = []
    reason_error = ""
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        data = PatientInput(
            mrn="", **{f.name: d[f.name] for f in fields(PatientInput) if f.name != "mrn"}
        )
        try:
            patient = enrol_patient(data, form.indication_set(), d["start_date"], actor=actor,
                                    at=clock.now(), check_duplicates=True,
                                    duplicate_reason=reason)  # fmt: skip
        except DuplicateSuspected as exc:
            candidates = exc.candidates
        except InputError as exc:
            if exc.field != "duplicate_reason":
                attach(form, exc)
            else:  # a reason too short: the charts are listed again beside it
                reason_error = exc.message
                candidates = possible_duplicates(d["given_name"], d["family_name"],
                                                 d["birth_date"], d["phone"])  # fmt: skip
        else:
            messages.success(request, f"Registered {patient.family_name}, {patient.given_name} "
                                      f"with MRN {patient.mrn}; episode of care opened.")  # fmt: skip
            return redirect("patient-chart", patient.mrn)
    return render(request, "patients/register.html", {
        "form": form, "active": "patients", "candidates": candidates, "reason": reason,
        "reason_error": reason_error,
    })  # fmt: skip


@requires(Action.EDIT_PATIENT_DETAILS)
def edit_details(request: HttpRequest, mrn: str) -> HttpResponse:
    """A patient's details after registration: names, birth date, contact details, address,
    reminders and the support person. Saved only from the version shown (two staff editing at
    once: the second save is refused with the reason, and keeps what was typed)."""
    actor, now, patient = open_record(request, mrn, writes=Action.EDIT_PATIENT_DETAILS,
                                      what="contact")  # fmt: skip
    if patient.mrn != mrn:  # a merged chart's MRN: its surviving chart's page
        return redirect("patient-details", patient.mrn)
    initial = asdict(details_of(patient)) | {"version": patient.version}
    form = DetailsForm(request.POST or None, initial=initial)

    def call(d: dict[str, Any]) -> str:
        data = DetailsInput(**{name: d[name] for name in EDITABLE})
        _, changed = update_details(mrn, data, version=d["version"], actor=actor, at=now)
        if not changed:
            return "Nothing changed."
        return "Saved: " + ", ".join(str(form[name].label).lower() for name in changed) + "."

    done = submit(request, form, call, then=reverse("patient-chart", args=[mrn]))
    return done or render(request, "patients/details.html", {
        "patient": patient, "form": form, "active": "patients",
    })  # fmt: skip


@requires(Action.REGISTER_PATIENT)
def new_episode(request: HttpRequest, mrn: str) -> HttpResponse:
    """Re-enrol a patient whose last episode ended (the form refuses while one is active)."""
    actor, now, patient = open_record(request, mrn, writes=Action.REGISTER_PATIENT, what="contact")
    form = EpisodeForm(request.POST or None, initial={"start_date": local_day(now)})

    def call(d: dict[str, Any]) -> str:
        open_episode(patient, form.indication_set(), d["start_date"], actor=actor, at=now)
        return "A new episode of care is open."

    done = submit(request, form, call, then=reverse("patient-chart", args=[mrn]))
    episodes = patient.episodes.order_by("-start_date", "-id")
    return done or render(request, "patients/episode.html", {
        "patient": patient, "form": form, "episodes": episodes, "active": "patients",
        "has_active": any(e.status == EpisodeStatus.ACTIVE for e in episodes),
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def assessments(request: HttpRequest, mrn: str) -> HttpResponse:
    """The prescriber's assessments; other clinical roles read them."""
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_ASSESSMENT)
    form = AssessmentForm(request.POST or None, initial={"assessed_on": local_day(now)})

    def call(d: dict[str, Any]) -> str:
        values = {f.name: d[f.name] for f in fields(AssessmentInput)}
        values["dsm5_criteria"] = tuple(d["dsm5_criteria"])
        done = record_assessment(patient, AssessmentInput(**values), actor=actor, at=now)
        return f"Assessment recorded: {len(done.dsm5_criteria)} DSM-5 criteria met, {done.dsm5_severity or 'no'} use disorder."

    done = submit(request, form, call, then=reverse("assessments", args=[mrn]))
    return done or render(request, "patients/assessments.html", {
        "patient": patient, "form": form, "assessments": patient.assessments.all(),
        "can_record": actor.can(Action.RECORD_ASSESSMENT),
        "active": "patients",
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def medications(request: HttpRequest, mrn: str) -> HttpResponse:
    """The medication list (current and stopped), allergies and the conditions other providers'
    records list (imported), with forms to add and stop."""
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_MEDICATION_LIST)
    here = reverse("medications", args=[mrn])
    add = MedicationForm(posted(request, "medication"), prefix="med")
    stop = StopMedicationForm(posted(request, "stop"), prefix="stop",
                              initial={"stopped_on": local_day(now)})  # fmt: skip
    allergy = AllergyForm(posted(request, "allergy"), prefix="allergy")
    mine = list(patient.medications.all())

    def stop_one(d: dict[str, Any]) -> str:
        entry = stop_medication(d["medication"], stopped_on=d["stopped_on"], actor=actor, at=now,
                                of=patient)  # fmt: skip
        return f"Stopped {entry.name} on {entry.stopped_on:%Y-%m-%d}."

    done = (
        submit(request, add, lambda d: f"Added {add_medication(patient, actor=actor, at=now, **d).name}.",
               then=here)
        or submit(request, stop, stop_one, then=here)
        or submit(request, allergy,
                  lambda d: f"Recorded an allergy to {add_allergy(patient, actor=actor, at=now, **d).substance}.",
                  then=here)
    )  # fmt: skip
    return done or render(request, "patients/medications.html", {
        "patient": patient, "add": add, "stop": stop, "allergy": allergy,
        "current": [m for m in mine if m.stopped_on is None],
        "stopped": [m for m in mine if m.stopped_on is not None],
        "allergies": patient.allergies.all(),
        "outside_conditions": patient.outside_conditions.all(),
        "can_record": actor.can(Action.RECORD_MEDICATION_LIST), "active": "patients",
    })  # fmt: skip
