"""The portal's wallet card (a page for the phone's screenshot or wallet, and the PDFs), the
procedures letter, and the Learn pages (issue 11). Everything the card and the letter say comes
from naltrack.card (the clinical core's answer), in the patient's language."""

from __future__ import annotations

import segno
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.card import pdf, wording
from naltrack.card.render import card_text, letter_text
from naltrack.card.services import IssuedCard, issue_card, make_letter
from naltrack.card.views import card_pdf_response, check_url, letter_request
from naltrack.clinical.errors import InputError

from .pages import portal_view
from .services import own_patient


def _language() -> str:
    return "es" if (get_language() or "en").startswith("es") else "en"


@portal_view
def wallet_card(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    """The card as a page for the phone, with its QR code: showing it makes a check link (the
    same statements as any card printed today, so the printed card's link stays valid)."""
    patient = own_patient(actor)
    lang = _language()
    issued = issue_card(patient, actor=actor, at=clock.now(), language=lang)
    if not isinstance(issued, IssuedCard):
        return render(request, "portal/card.html", {"active": "card", "refused": wording.no_card(issued)})  # fmt: skip
    qr = segno.make(check_url(request, issued.token), error="m").svg_data_uri(scale=4, border=2)
    return render(request, "portal/card.html", {
        "active": "card", "text": card_text(issued.content), "qr": qr,
    })  # fmt: skip


@portal_view
def wallet_card_pdf(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    patient = own_patient(actor)
    issued = issue_card(patient, actor=actor, at=clock.now(), language=_language())
    if not isinstance(issued, IssuedCard):
        return render(request, "portal/card.html", {"active": "card", "refused": wording.no_card(issued)}, status=409)  # fmt: skip
    return card_pdf_response(request, issued, full=request.GET.get("layout") == "page", mrn="my")


@portal_view
def procedure_letter(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    """The letter for a surgeon or dentist; with no choice made yet, the form."""
    patient = own_patient(actor)
    context: dict[str, object] = {"active": "card", "today": clock.today(), "query": request.GET.urlencode()}  # fmt: skip
    if "kind" not in request.GET:
        return render(request, "portal/card_letter.html", context)
    try:
        kind, on, _lang = letter_request(request)
        result = make_letter(patient, actor=actor, at=clock.now(), language=_language(), kind=kind, procedure_on=on)  # fmt: skip
    except InputError as e:
        field = {"procedure_on": _("Date of the procedure"), "kind": _("Who the letter is for")}.get(e.field, e.field)  # fmt: skip
        message = _("Please choose a date from today on.") if e.field == "procedure_on" else _("Please choose from the list.")  # fmt: skip
        context["error"] = f"{field}: {message}"
        return render(request, "portal/card_letter.html", context, status=400)
    if result.letter is None:
        context["refused"] = wording.no_card(result.refused) if result.refused else ""
        return render(request, "portal/card_letter.html", context, status=409)
    text = letter_text(result)
    if request.GET.get("format") == "pdf":
        response = HttpResponse(pdf.letter_pdf(text), content_type="application/pdf")
        response["Content-Disposition"] = 'attachment; filename="naltrexone-procedure-letter.pdf"'
        response["Cache-Control"] = "no-store"
        return response
    context["text"] = text
    return render(request, "portal/card_letter.html", context)


# The Learn pages: each a template in portal/learn/, written for this project in plain language
# from shared/clinical-reference.md (each page names the sections it comes from).
LEARN = (
    ("how-naltrexone-works", _("How naltrexone works")),
    ("after-an-injection", _("What to expect after an injection")),
    ("side-effects", _("Side effects and when to call")),
    ("overdose-risk", _("Why opioids can be deadly after stopping")),
    ("alcohol", _("Alcohol and naltrexone")),
    ("pregnancy-and-liver", _("Pregnancy, breastfeeding and your liver")),
    ("counselling-and-support", _("Why counselling and support groups matter")),
)


@portal_view
def learn(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    return render(request, "portal/learn/index.html", {"active": "learn", "pages": LEARN})


@portal_view
def learn_page(request: HttpRequest, actor: PatientActor, slug: str) -> HttpResponse:
    titles = dict(LEARN)
    if slug not in titles:
        raise Http404
    return render(request, f"portal/learn/{slug}.html", {
        "active": "learn", "title": titles[slug], "pages": LEARN, "slug": slug,
    })  # fmt: skip
