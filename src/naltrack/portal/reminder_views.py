"""The portal's reminders page (portal:settings): how the patient wants to be reminded (email,
text, quiet hours), and the calendar link (make one, shown once; turn it off). The services
(naltrack.reminders) decide and audit; the page only gathers the form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.reminders.feeds import active_feed, feed_url, new_feed, revoke_feeds
from naltrack.reminders.models import Notice
from naltrack.reminders.preferences import Choices, read_choices
from naltrack.reminders.services import choose
from naltrack.reminders.support import (
    SupportInput,
    add_support_person,
    change_notices,
    list_support_people,
    remove_support_person,
    withdraw_consent,
)

from .pages import portal_view
from .services import own_patient

# The calendar link is shown once, right after it is made (only its hash is kept): it travels
# from the POST to the next page in the session, and is dropped when shown.
NEW_FEED_KEY = "portal_new_calendar_link"


def _time(raw: str, field: str) -> time | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise InputError(_("must be a time such as 21:00"), field) from None


@portal_view
def reminders_page(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    patient = own_patient(actor)
    now = clock.now()
    error: InputError | None = None
    if request.method == "POST":
        try:
            choices = Choices(
                email_on=request.POST.get("email_on") == "on",
                sms_on=request.POST.get("sms_on") == "on",
                language=request.portal_account.language,  # type: ignore[attr-defined]
                quiet_from=_time(request.POST.get("quiet_from", ""), "quiet_from"),
                quiet_until=_time(request.POST.get("quiet_until", ""), "quiet_until"),
            )
            choose(patient, choices, by=actor, at=now)
        except InputError as err:
            error = err
        else:
            messages.success(request, _("Your reminder choices are saved."))
            return redirect("portal:reminders")
    pref = read_choices(patient, by=actor, at=now)
    return render(request, "portal/reminders.html", {
        "active": "reminders", "pref": pref, "patient": patient, "error": error,
        "form": request.POST if error else None, "feed": active_feed(patient),
        "new_feed_url": request.session.pop(NEW_FEED_KEY, ""),
    }, status=400 if error else 200)  # fmt: skip


@portal_view
@require_POST
def calendar_new(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    token = new_feed(own_patient(actor), by=actor, at=clock.now())
    request.session[NEW_FEED_KEY] = feed_url(token)
    return redirect("portal:reminders")


@portal_view
@require_POST
def calendar_revoke(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    revoke_feeds(own_patient(actor), by=actor, at=clock.now())
    messages.success(
        request, _("Your calendar link is turned off. Calendars that used it stop updating.")
    )
    return redirect("portal:reminders")


# ---- support people ---------------------------------------------------------------------------


def _notices(request: HttpRequest) -> tuple[str, ...]:
    return tuple(n for n in request.POST.getlist("notices") if n in Notice.values)


@portal_view
def support_page(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    patient = own_patient(actor)
    now = clock.now()
    error: InputError | None = None
    if request.method == "POST":
        data = SupportInput(
            name=request.POST.get("name", ""), relationship=request.POST.get("relationship", ""),
            channel=request.POST.get("channel", ""), email=request.POST.get("email", ""),
            phone=request.POST.get("phone", ""), notices=_notices(request),
        )  # fmt: skip
        try:
            add_support_person(patient, data, by=actor, at=now)
        except InputError as err:
            error = err
        else:
            messages.success(request, _("Saved. We will send only what you chose."))
            return redirect("portal:support")
    people = list_support_people(patient, by=actor, at=now)
    return render(request, "portal/support.html", {
        "active": "reminders", "people": people, "error": error,
        "form": request.POST if error else None, "notice_choices": NOTICE_CHOICES,
        "form_notices": request.POST.getlist("notices") if error else [],
    }, status=400 if error else 200)  # fmt: skip


@portal_view
@require_POST
def support_change(request: HttpRequest, actor: PatientActor, person_id: int) -> HttpResponse:
    patient, now = own_patient(actor), clock.now()
    action = request.POST.get("action", "")
    try:
        if action == "withdraw":
            withdraw_consent(patient, person_id, by=actor, at=now)
            messages.success(request, _("Done. Nothing more will be sent to this person."))
        elif action == "remove":
            remove_support_person(patient, person_id, by=actor, at=now)
            messages.success(request, _("Removed. Nothing more will be sent to this person."))
        else:
            change_notices(patient, person_id, _notices(request), by=actor, at=now)
            messages.success(request, _("Saved. We will send only what you chose."))
    except NotFoundError:  # another patient's support person, or one already removed
        return render(request, "portal/not_found.html", {}, status=404)
    return redirect("portal:support")


def notice_choices() -> list[tuple[str, str]]:
    """What a support person may get, in the patient's words (translated when shown)."""
    return [
        (Notice.VISIT.value, _("Reminders of my visits")),
        (Notice.MISSED_VISIT.value, _("A message if I miss a visit")),
        (Notice.OVERDUE.value, _("A message if my next visit is overdue")),
    ]


class _Choices:
    """Evaluated when the template reads it, in the patient's language."""

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(notice_choices())


NOTICE_CHOICES = _Choices()
