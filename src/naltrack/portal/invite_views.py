"""Accepting a portal invitation: the link from the email, or the code typed at /portal/invite/.
Opening the link changes nothing (mail scanners open links); only the form's POST uses it."""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from naltrack import clock
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinic import clinic_info
from naltrack.clinical.errors import InputError
from naltrack.signin import lockout

from . import invites
from .pages import portal_public

NO_ACCOUNT = {"username": None}  # a code names no account: failures count against the address


def _dead(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/invite_dead.html", {"clinic": clinic_info()}, status=410)


@never_cache
@portal_public
def by_link(request: HttpRequest, token: str) -> HttpResponse:
    invite = invites.open_invite(token=token, at=clock.now())
    if invite is None:
        return _dead(request)
    return _set_password(request, {"token": token}, invite.email)


@never_cache
@portal_public
def by_code(request: HttpRequest) -> HttpResponse:
    """Step 1: the code; step 2 (the code again, hidden, with the passwords): the password."""
    if lockout.lock_state(None, _address(request)).address_locked:
        return render(request, "portal/invite_code.html", {"locked": True}, status=429)
    code = request.POST.get("code", "")
    if request.method != "POST":
        return render(request, "portal/invite_code.html", {})
    invite = invites.open_invite(code=code, at=clock.now())
    if invite is None:
        _code_failed(request)
        return render(request, "portal/invite_code.html", {
            "code": code, "error": _("This code does not work. Check it, or call the clinic for a new one."),
        }, status=200)  # fmt: skip
    return _set_password(request, {"code": code}, invite.email)


def _set_password(request: HttpRequest, key: dict[str, str], email: str) -> HttpResponse:
    context: dict[str, object] = {"key": key, "email": email}
    if request.method == "POST" and "password" in request.POST:
        try:
            account = invites.accept_invite(
                **key, password=request.POST.get("password", ""),
                password_again=request.POST.get("password_again", ""), at=clock.now(),
                remote_addr=request.META.get("REMOTE_ADDR"),
            )  # fmt: skip
        except InputError as exc:
            if exc.field == "invite":
                return _dead(request)
            context["errors"] = {exc.field: _password_words(exc)}
        else:
            # The password backend (the last one; the first only refuses locked accounts).
            login(request, account.user, backend=settings.AUTHENTICATION_BACKENDS[-1])
            if request.POST.get("second_factor"):
                return redirect("portal:authenticator")
            return redirect("portal:home")
    return render(request, "portal/invite_accept.html", context)


def _password_words(exc: InputError) -> str:
    if exc.field == "password_again":
        return _("The two passwords are not the same.")
    if exc.field == "login":
        return _("This email is already used by another account. Call the clinic.")
    return exc.message  # the password validators' own words, in the active language


def _address(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


def _code_failed(request: HttpRequest) -> None:
    """A wrong invitation code counts as a failed sign-in from this address (django-axes)."""
    AxesProxyHandler.user_login_failed("naltrack.portal", dict(NO_ACCOUNT), request)
    request.axes_locked_out = False  # type: ignore[attr-defined]  # answered here
    record(at=clock.now(), actor="(portal invitation code)", action=AuditAction.LOGIN_FAILED,
           object_type="portal_invite", remote_addr=_address(request),
           detail="an unknown, used or expired invitation code")  # fmt: skip
