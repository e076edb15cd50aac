"""Public endpoints of reminders, reached without a sign-in, each by a secret or a signature:
the SMS provider's inbound webhook (STOP), an email's unsubscribe link and the calendar feed; and
the public page of the 2.32 notice that a support person's message links to.
None of them shows anything about the patient's care."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from naltrack import clock
from naltrack.clinical.consent import NOTICE_SOURCE, REDISCLOSURE_NOTICE

from .messages import LANGUAGES
from .preferences import preference_for_token, unsubscribe
from .services import feed_ics, inbound_sms

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _twilio_signature_ok(request: HttpRequest) -> bool:
    """Twilio signs each webhook with the account's auth token (X-Twilio-Signature over the URL
    and the form): a forged STOP or START from anyone else is refused."""
    from twilio.request_validator import RequestValidator

    config = settings.REMINDERS
    if config.sms_provider != "twilio":
        return False
    url = config.public_url + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    params = {k: request.POST.get(k, "") for k in request.POST}
    return bool(RequestValidator(config.twilio_auth_token).validate(url, params, signature))


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    if not _twilio_signature_ok(request):
        return HttpResponseForbidden("bad signature")
    inbound_sms(request.POST.get("From", ""), request.POST.get("Body", ""), at=clock.now())
    # The provider itself confirms a STOP to the sender; nothing more is said.
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt  # RFC 8058 one-click: the mail program POSTs without a form of ours
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe_page(request: HttpRequest, token: str) -> HttpResponse:
    pref = preference_for_token(token)
    if pref is None:
        raise Http404("no such link")
    done = False
    if request.method == "POST":
        unsubscribe(token, at=clock.now())
        done = True
    with translation.override(pref.language):
        return render(request, "reminders/unsubscribe.html", {
            "done": done or pref.email_stopped_at is not None, "clinic": settings.REMINDERS.clinic_short_name,
            "language": pref.language,
        })  # fmt: skip


@never_cache
@require_safe
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    body = feed_ics(token, at=clock.now())
    if body is None:
        raise Http404("no such calendar")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="visits.ics"'
    return response


@require_safe
def notice_page(request: HttpRequest) -> HttpResponse:
    """The notice prohibiting re-disclosure (42 CFR 2.32) that a support person's message links
    to: public, the same for everyone, naming no patient."""
    language = request.GET.get("lang", "en")
    language = language if language in LANGUAGES else "en"
    with translation.override(language):
        return render(request, "reminders/notice.html", {
            "notice": REDISCLOSURE_NOTICE, "source": NOTICE_SOURCE, "language": language,
            "clinic": settings.REMINDERS.clinic_short_name,
        })  # fmt: skip
