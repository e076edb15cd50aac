"""Staff pages of the wallet card and the procedures letter (from the chart), and the card's public
verification page (the QR code's link: no sign-in; it shows only what the card states, until it
expires). Pages gather the request, call the services, and show the core's answer."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.clinical.wallet import ProcedureKind
from naltrack.patients.pages import open_record
from naltrack.web.pages import requires

from . import pdf, wording
from .render import card_text, letter_text
from .services import (
    LANGUAGES,
    Check,
    IssuedCard,
    issue_card,
    make_letter,
    patient_language,
    read_card,
    verify,
)


def language_of(request: HttpRequest, default: str = "en") -> str:
    lang = request.GET.get("lang", default)
    return lang if lang in LANGUAGES else default


def check_url(request: HttpRequest, token: str) -> str:
    """The absolute address the QR code holds (the host the clinic serves under)."""
    return request.build_absolute_uri(reverse("card-check", args=[token]))


def card_pdf_response(request: HttpRequest, issued: IssuedCard, *, full: bool, mrn: str) -> HttpResponse:  # fmt: skip
    text = card_text(issued.content)
    url = check_url(request, issued.token)
    body = pdf.full_page_pdf(text, url) if full else pdf.wallet_card_pdf(text, url)
    response = HttpResponse(body, content_type="application/pdf")
    name = f"naltrexone-card-{mrn}{'-page' if full else ''}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@requires(Action.VIEW_CHART)
def card_page(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_CHART)
    lang = language_of(request, patient_language(patient))  # the patient's portal language
    result = read_card(patient, actor=actor, at=now, language=lang)
    with translation.override(lang):
        refused = wording.no_card(result.refused) if result.refused else ""
    return render(request, "card/staff_card.html", {
        "patient": patient, "active": "patients", "lang": lang, "languages": LANGUAGES,
        "text": card_text(result.content) if result.content else None, "refused": refused,
        "today": clock.today(),
    })  # fmt: skip


@requires(Action.VIEW_CHART)
def card_pdf(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_CHART)
    lang = language_of(request, patient_language(patient))  # the patient's portal language
    issued = issue_card(patient, actor=actor, at=now, language=lang)
    if not isinstance(issued, IssuedCard):
        with translation.override(lang):
            return HttpResponse(wording.no_card(issued), status=409, content_type="text/plain; charset=utf-8")  # fmt: skip
    return card_pdf_response(request, issued, full=request.GET.get("layout") == "page", mrn=mrn)


def letter_request(
    request: HttpRequest, default_language: str = "en"
) -> tuple[ProcedureKind, date | None, str]:
    """The letter's kind, date and language from the query (else `default_language`); a bad
    value names its field."""
    kind_raw = request.GET.get("kind", ProcedureKind.SURGERY.value)
    if kind_raw not in {k.value for k in ProcedureKind}:
        raise InputError("must be surgery or dental", "kind")
    on_raw = request.GET.get("on", "").strip()
    try:
        on = date.fromisoformat(on_raw) if on_raw else None
    except ValueError:
        raise InputError("must be a date (YYYY-MM-DD)", "procedure_on") from None
    return ProcedureKind(kind_raw), on, language_of(request, default_language)


@requires(Action.VIEW_CHART)
def letter_page(request: HttpRequest, mrn: str) -> HttpResponse:
    actor, now, patient = open_record(request, mrn, writes=Action.VIEW_CHART)
    try:
        kind, on, lang = letter_request(request, patient_language(patient))
        result = make_letter(patient, actor=actor, at=now, language=lang, kind=kind, procedure_on=on)  # fmt: skip
    except InputError as e:
        return render(request, "card/staff_letter.html", {
            "patient": patient, "active": "patients", "error": e, "query": request.GET.urlencode(),
        }, status=400)  # fmt: skip
    if result.letter is None:
        with translation.override(lang):
            refused = wording.no_card(result.refused) if result.refused else ""
        return render(request, "card/staff_letter.html", {
            "patient": patient, "active": "patients", "refused": refused}, status=409)  # fmt: skip
    if request.GET.get("format") == "pdf":
        response = HttpResponse(pdf.letter_pdf(letter_text(result)), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="naltrexone-procedure-letter-{mrn}.pdf"'  # fmt: skip
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "card/staff_letter.html", {
        "patient": patient, "active": "patients", "text": letter_text(result),
        "query": request.GET.urlencode(),
    })  # fmt: skip


@never_cache
@require_safe
def check_page(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's page: what the card states while it is valid; otherwise only that it
    expired or was replaced (nothing about the patient); an unknown link says nothing at all."""
    now = clock.now()
    result = verify(token, at=now, remote_addr=request.META.get("REMOTE_ADDR"))
    with translation.override(result.language):
        context = {
            "status": result.status.value, "language": result.language,
            "text": card_text(result.content) if result.content else None,
            "valid_until": wording.day(result.valid_until) if result.valid_until else "",
        }  # fmt: skip
        response = render(request, "card/check.html", context, status=404 if result.status is Check.UNKNOWN else 200)  # fmt: skip
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    return response
