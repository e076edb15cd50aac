"""The portal's page plumbing: `portal_view` gives a page the signed-in patient's PatientActor
in the patient's language, and refuses anyone who is not a patient account; `portal_public` sets
the language for the pages before sign-in (sign-in, accepting an invitation)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.response import SimpleTemplateResponse
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from naltrack import clock
from naltrack.accounts.actors import NotOwnRecord, PatientActor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.signin.second_factor import has_authenticator

from .models import Language
from .services import account_of, patient_actor_for

PortalView = Callable[..., HttpResponse]  # view(request, actor, *args, **kwargs)
View = Callable[..., HttpResponse]


def portal_view(view: PortalView) -> View:
    """Sign in (the portal's own page), be a patient account, pass the second factor when one is
    set up; then call `view(request, actor, ...)` with the PatientActor, in the account's
    language. A staff member's session gets a 403 page that points to the staff side."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            target = f"{reverse('portal:login')}?{urlencode({'next': request.get_full_path()})}"
            return redirect(target)
        account = account_of(request.user)
        if account is None:
            with translation.override(public_language(request)):
                return _render(
                    request,
                    "portal/refused.html",
                    {"message": _("This page is for patients. Clinic staff use the staff pages.")},
                    status=403,
                )
        language = account.language
        with translation.override(language):
            if has_authenticator(request.user) and not request.user.is_verified():  # type: ignore[attr-defined]
                target = reverse("portal:two-factor")
                return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
            actor = patient_actor_for(account, request.META.get("REMOTE_ADDR"))
            request.patient_actor = actor  # type: ignore[attr-defined]
            request.portal_account = account  # type: ignore[attr-defined]
            try:
                response = view(request, actor, *args, **kwargs)
            except NotOwnRecord as refused:
                # Another patient's record: audited, and answered as if it did not exist.
                with transaction.atomic():
                    record_by(actor, clock.now(), AuditAction.READ, "portal_refused",
                              refused.patient_id, patient_mrn=actor.mrn,
                              detail="asked for a record that is not the patient's own")  # fmt: skip
                response = _render(request, "portal/not_found.html", {}, status=404)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()  # in this language, not after the override ends
        response.headers.setdefault("Content-Language", language)
        return response

    wrapper.patient_only = True  # type: ignore[attr-defined]  # the role matrix finds these pages
    return wrapper


def portal_public(view: View) -> View:
    """A portal page open before sign-in, in the browser's language (English or Spanish)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        language = public_language(request)
        with translation.override(language):
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse) and not response.is_rendered:
                response.render()
        response.headers.setdefault("Content-Language", language)
        return response

    return wrapper


def public_language(request: HttpRequest) -> str:
    """`?lang=es` (the sign-in page's language link), else the language cookie or the browser's
    Accept-Language, else English."""
    asked = request.GET.get("lang", "")
    if asked in Language.values:
        return asked
    found = translation.get_language_from_request(request)
    return found if found in Language.values else Language.ENGLISH.value


def actor_of(request: HttpRequest) -> PatientActor:
    """The PatientActor `portal_view` set on this request (for helpers called by a portal view)."""
    actor: PatientActor = request.patient_actor  # type: ignore[attr-defined]
    return actor


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return render(request, template, context, status=status)
