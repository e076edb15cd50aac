"""The portal's Dose log and Daily check-in pages (issue 11). The views read the form, call the
selfreport services (which decide, write in one transaction and audit) and render; a refused
answer is shown beside its field and nothing is saved."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.clinic import clinic_info
from naltrack.clinical.checkin import CRAVING_MAX, SideEffect
from naltrack.clinical.errors import InputError
from naltrack.selfreport import services

from .pages import portal_view


def _side_effects() -> list[tuple[str, str]]:
    """The side effects a patient can tick, in plain words (translated at request time)."""
    words = {
        SideEffect.NAUSEA: _("Feeling sick to your stomach (nausea)"),
        SideEffect.SLEEP: _("Trouble sleeping"),
        SideEffect.APPETITE: _("Change in appetite"),
        SideEffect.MUSCLE_JOINT_PAIN: _("Muscle or joint pain"),
        SideEffect.HEADACHE: _("Headache"),
        SideEffect.TOOTHACHE: _("Toothache"),
        SideEffect.INJECTION_SITE: _("Pain or a lump where you had the shot"),
    }
    return [(s.value, words[s]) for s in SideEffect]


def _plain(error: InputError | None) -> str:
    """The refused answer's message in plain words, in the patient's language (the core's own
    message is English and technical; its field says which question it is about)."""
    if error is None:
        return ""
    words = {
        "craving": _("Pick a number from 0 to 10."),
        "opioid_use": _("Please answer yes or no."),
        "alcohol_use": _("Please answer yes or no."),
        "use_what": _("Say what you used only if you answered yes (200 letters at most)."),
        "side_effects": _("Pick side effects from the list."),
        "phq2_interest": _("Please answer each of the mood questions."),
        "phq2_mood": _("Please answer each of the mood questions."),
        "phq2_self_harm": _("Please answer each of the mood questions."),
        "status": _("Choose 'I took it' or 'I skipped it'."),
        "reason": _("A reason is only for a skipped dose, in 200 letters at most."),
    }
    if error.field == "day":
        return {
            "you have already checked in today": _("You have already checked in today."),
            "no tablet is scheduled on this day": _("No tablet is planned on this day."),
        }.get(error.message, _("You can log today and the past 7 days only."))
    return words.get(error.field, error.message)


def _frequency() -> list[tuple[str, str]]:
    """The answers of the PHQ questions (fact sheet 6.3: 0-3 over the last two weeks)."""
    return [
        ("0", _("Not at all")),
        ("1", _("Several days")),
        ("2", _("More than half the days")),
        ("3", _("Nearly every day")),
    ]


@portal_view
def doses(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    error: InputError | None = None
    error_day = ""
    if request.method == "POST":
        error_day = request.POST.get("day", "")
        try:
            try:
                day = date.fromisoformat(error_day)
            except ValueError:
                raise InputError(_("Pick a day from the list."), "day") from None
            services.log_dose(
                actor,
                day=day,
                status=request.POST.get("status", ""),
                reason=request.POST.get("reason", ""),
                at=clock.now(),
            )
        except InputError as exc:
            error = exc
        else:
            messages.success(request, _("Saved. Thank you."))
            return redirect("portal:doses")
    log = services.read_dose_log(actor, at=clock.now())
    return render(
        request,
        "portal/doses.html",
        {
            "log": log,
            "active": "doses",
            "error": error,
            "message": _plain(error),
            "error_day": error_day,
        },
        status=400 if error else 200,
    )


@portal_view
def checkin(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    crisis = clinic_info().crisis_line
    error: InputError | None = None
    posted: dict[str, object] = {}
    if request.method == "POST":
        post = request.POST
        posted = {k: post.get(k, "") for k in post if k != "csrfmiddlewaretoken"}
        posted["side_effects"] = post.getlist("side_effects")
        mood = None
        if "phq2_interest" in post or "phq2_mood" in post or "phq2_self_harm" in post:
            mood = (
                post.get("phq2_interest", ""),
                post.get("phq2_mood", ""),
                post.get("phq2_self_harm", ""),
            )
        try:
            services.submit_checkin(
                actor,
                at=clock.now(),
                craving=post.get("craving", ""),
                opioid_use=post.get("opioid_use", ""),
                alcohol_use=post.get("alcohol_use", ""),
                use_what=post.get("use_what", ""),
                side_effects=post.getlist("side_effects"),
                phq2=mood,
                crisis_line=crisis,
            )
        except InputError as exc:
            error = exc
        else:
            return redirect("portal:checkin")
    page = services.read_checkin(actor, at=clock.now())
    return render(
        request,
        "portal/checkin.html",
        {
            "page": page,
            "active": "checkin",
            "error": error,
            "message": _plain(error),
            "posted": posted,
            "crisis_line": crisis,
            "emergency_number": clinic_info().emergency_number,
            "craving_scale": [str(i) for i in range(CRAVING_MAX + 1)],
            "side_effect_choices": _side_effects(),
            "frequency": _frequency(),
        },
        status=400 if error else 200,
    )
