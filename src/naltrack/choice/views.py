"""The choice aid's pages: the staff comparison (with the form to record the choice), the patient
version in plain language, and its PDF."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation

from naltrack.accounts.roles import Action
from naltrack.clinical.choice import TOPIC_TITLES, Topic
from naltrack.patients.pages import open_record
from naltrack.reminders.models import Preference
from naltrack.web.pages import posted, requires, submit

from .forms import ChoiceForm
from .pdf import sheet_pdf
from .services import ChoiceInput, read_aid, record_choice, referral_words
from .words import Sheet, patient_sheet

LANGUAGES = ("en", "es")


def language_of(request: HttpRequest, patient: Any) -> str:
    """?lang= if given, else the language the patient chose for the portal and reminders."""
    lang = request.GET.get("lang") or (
        Preference.objects.filter(patient=patient).values_list("language", flat=True).first()
    )
    return lang if lang in LANGUAGES else "en"


@requires(Action.VIEW_CHOICE_AID)
def aid_page(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.RECORD_MEDICATION_CHOICE)
    view = read_aid(patient, actor=actor, at=now)
    here = reverse("choice-aid", args=[mrn])
    options = [(c.option.value, c.title) for c in view.aid.columns]
    form = ChoiceForm(posted(request, "choice"), options=options)

    def save(d: dict[str, Any]) -> str:
        choice = record_choice(patient, ChoiceInput(
            option=d["option"], reasons=d["reasons"], priorities=tuple(d["priorities"]),
            referral_program=d["referral_program"] or "", referral_on=d["referral_on"],
        ), actor=actor, at=now)  # fmt: skip
        done = f"Choice recorded: {choice.get_option_display()}."
        return done + (f" {referral_words(choice)}; the episode is closed as a transfer." if choice.referred_out else "")  # fmt: skip

    done = submit(request, form, save, then=here)
    topics = [(t, TOPIC_TITLES[t]) for t in Topic]
    rows = [(title, [c.cell(t) for c in view.aid.columns]) for t, title in topics]
    return done or render(request, "choice/aid.html", {
        "patient": patient, "active": "patients", "view": view, "aid": view.aid, "rows": rows,
        "form": form, "can_record": actor.can(Action.RECORD_MEDICATION_CHOICE)
        and view.episode.status == "active",
    })  # fmt: skip


def _sheet(request: HttpRequest, mrn: str) -> tuple[Sheet, str, Any]:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_CHOICE_AID)
    view = read_aid(patient, actor=actor, at=now)
    lang = language_of(request, patient)
    with translation.override(lang):
        sheet = patient_sheet(view.aid, f"{patient.given_name} {patient.family_name}")
    return sheet, lang, patient


@requires(Action.VIEW_CHOICE_AID)
def patient_page(request: HttpRequest, mrn: str) -> HttpResponse:
    sheet, lang, patient = _sheet(request, mrn)
    return render(request, "choice/patient.html", {
        "patient": patient, "active": "patients", "sheet": sheet, "lang": lang,
        "languages": [("en", "English"), ("es", "Español")],
    })  # fmt: skip


@requires(Action.VIEW_CHOICE_AID)
def patient_pdf(request: HttpRequest, mrn: str) -> HttpResponse:
    sheet, lang, _ = _sheet(request, mrn)
    response = HttpResponse(sheet_pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="medication-choice-{mrn}-{lang}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
