"""The portal's pages: sign-in and sign-out, the second factor, and Home. Views gather the
request, call portal services and render; the services decide and audit."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from naltrack import clock
from naltrack.accounts.actors import PatientActor
from naltrack.signin import lockout, second_factor

from . import services
from .home import read_home
from .pages import portal_public, portal_view


def _address(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/portal/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:home")


def _lock_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return _(
        "Sign-in is locked after too many tries. Try again in %(minutes)s minutes, "
        "or call the clinic."
    ) % {"minutes": minutes}


@portal_public
def sign_in(request: HttpRequest) -> HttpResponse:
    """The portal's own sign-in page. Only patient accounts sign in here; a staff login is refused
    with the same words as a wrong password (it does not say which accounts exist)."""
    if request.user.is_authenticated and services.account_of(request.user) is not None:
        return redirect(_next(request))
    context: dict[str, object] = {"next": _next(request), "username": ""}
    if request.method != "POST":
        return render(request, "portal/login.html", context)
    username = request.POST.get("username", "").strip().lower()
    password = request.POST.get("password", "")
    context["username"] = username
    if lockout.lock_state(username, _address(request)).locked:
        context["locked"] = _lock_message()
        return render(request, "portal/login.html", context, status=429)
    user = authenticate(request, username=username, password=password)
    if getattr(request, "axes_locked_out", False):  # this failure locked it: answered here
        request.axes_locked_out = False  # type: ignore[attr-defined]
        context["locked"] = _lock_message()
        return render(request, "portal/login.html", context, status=429)
    if user is not None and services.account_of(user) is None:
        # A staff account (or a disabled one): refused, and counted as a failed portal sign-in.
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        user = None
    if user is None:
        context["error"] = _("The email or password is not right. Please try again.")
        return render(request, "portal/login.html", context, status=200)
    login(request, user)
    if second_factor.has_authenticator(user):
        return redirect(f"{reverse('portal:two-factor')}?{urlencode({'next': _next(request)})}")
    return redirect(_next(request))


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("portal:login")


@portal_public
def two_factor(request: HttpRequest) -> HttpResponse:
    """The second step for a patient who set up an authenticator app."""
    account = services.account_of(request.user)
    if account is None:
        return redirect("portal:login")
    user = account.user
    username = user.get_username()
    address = _address(request)
    context: dict[str, object] = {"next": _next(request)}
    if lockout.lock_state(username, address).locked:
        logout(request)
        return render(request, "portal/login.html", {"locked": _lock_message()}, status=429)
    if request.method == "POST":
        actor = services.patient_actor_for(account, request.META.get("REMOTE_ADDR"))
        try:
            device = second_factor.verify(
                user, request.POST.get("code", ""), actor=actor, at=clock.now()
            )
        except second_factor.Throttled as wait:
            context["error"] = _("Too many wrong codes. Wait %(s)s seconds and try again.") % {
                "s": wait.seconds
            }
            return render(request, "portal/two_factor.html", context, status=429)
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        request.axes_locked_out = False  # type: ignore[attr-defined]
        context["error"] = _("That code is not right. Type the 6 numbers your app shows now.")
    return render(request, "portal/two_factor.html", context)


@portal_view
def home(request: HttpRequest, actor: PatientActor) -> HttpResponse:
    summary = read_home(actor, at=clock.now(), language=translation.get_language())
    return render(request, "portal/home.html", {"home": summary, "active": "home"})
