"""Settings: language, password, and the optional second factor (an authenticator app)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.clinical.errors import InputError
from naltrack.signin import second_factor

from . import services
from .models import Language
from .pages import portal_view


@portal_view
def settings_page(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    errors: dict[str, str] = {}
    form = request.POST.get("form") if request.method == "POST" else None
    now = clock.now()
    if form == "language":
        try:
            account = services.set_language(actor, request.POST.get("language", ""), at=now)
        except InputError:
            errors["language"] = _("Choose English or Spanish.")
        else:
            # The next page is in the new language: say it in that language.
            with translation.override(account.language):
                messages.success(request, _("Your language is saved."))
            return redirect("portal:settings")
    elif form == "password":
        try:
            user = services.change_password(
                actor, current=request.POST.get("current", ""), new=request.POST.get("new", ""),
                new_again=request.POST.get("new_again", ""), at=now,
            )  # fmt: skip
        except InputError as exc:
            errors[exc.field] = _password_words(exc)
        else:
            update_session_auth_hash(request, user)  # stay signed in on this device
            messages.success(request, _("Your password is changed."))
            return redirect("portal:settings")
    elif form == "remove_factor":
        try:
            services.remove_second_factor(actor, password=request.POST.get("password", ""), at=now)
        except InputError:
            errors["password"] = _("That is not your current password.")
        else:
            messages.success(request, _("The authenticator app is removed from your account."))
            return redirect("portal:settings")
    services.audit_read(actor, now, "portal_settings")
    account = request.portal_account  # type: ignore[attr-defined]
    return render(request, "portal/settings.html", {
        "active": "settings", "errors": errors, "languages": Language.choices,
        "language": account.language, "has_authenticator": second_factor.has_authenticator(account.user),
        "codes_left": second_factor.recovery_codes_left(account.user),
    }, status=400 if errors else 200)  # fmt: skip


def _password_words(exc: InputError) -> str:
    if exc.field == "current":
        return _("That is not your current password.")
    if exc.field == "new_again":
        return _("The two new passwords are not the same.")
    return exc.message  # the password validators' own words, in the active language


@never_cache  # the key and the recovery codes are shown once: no copy kept by the browser
@portal_view
def authenticator(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    """Set up an authenticator app: scan the QR code, type its first code; then the recovery
    codes, shown once."""
    user = request.portal_account.user  # type: ignore[attr-defined]
    error = ""
    if request.method == "POST":
        try:
            device, codes = second_factor.confirm_enrolment(
                user, request.POST.get("code", ""), actor=actor, at=clock.now()
            )
        except InputError:
            error = _("That code is not right. Type the 6 numbers your app shows now.")
        else:
            otp_login(request, device)  # this session has passed the new second factor
            return render(
                request, "portal/recovery_codes.html", {"codes": codes, "active": "settings"}
            )
    enrolment = second_factor.start_enrolment(user)
    return render(request, "portal/authenticator.html",
                  {"enrolment": enrolment, "error": error, "active": "settings"})  # fmt: skip
