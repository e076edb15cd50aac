"""The account page (second factor, sign out everywhere), the second-factor pages, the lockout
answer of the sign-in page, and the director's list of lockouts."""

from __future__ import annotations

from typing import Any

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.clinical.errors import InputError
from naltrack.web.context import request_actor
from naltrack.web.pages import requires

from . import lockout, second_factor
from .sessions import SECOND_FACTOR_KEY, sign_out_everywhere


def _staff(request: HttpRequest) -> AbstractBaseUser:
    """The signed-in user (every view here requires one; OTPMiddleware wraps it)."""
    user = request.user
    assert isinstance(user, AbstractBaseUser)
    return user


def _address(request: HttpRequest) -> str | None:
    return getattr(request, "axes_ip_address", None) or request.META.get("REMOTE_ADDR")


def lock_message(state: lockout.LockState) -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    if state.account_locked:
        what = f"This account is locked after {state.account_failures} failed sign-ins."
    else:
        what = "Sign-in from this address is locked after too many failed attempts."
    return (
        f"{what} Try again in {minutes} minutes, or ask the program director to unlock it. "
        "Nothing was signed in."
    )


def locked_out(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any
) -> HttpResponse:
    """django-axes' answer to a locked account or address (AXES_LOCKOUT_CALLABLE): the sign-in page
    again, with the reason, as 429 Too Many Requests."""
    username = get_client_username(request, credentials)
    state = lockout.lock_state(username, _address(request))
    return render(
        request,
        "accounts/login.html",
        {"locked": lock_message(state), "username": username or "", "next": ""},
        status=429,
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
def account(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    user = _staff(request)
    return render(request, "signin/account.html", {
        "has_authenticator": second_factor.has_authenticator(user),
        "codes_left": second_factor.recovery_codes_left(user),
        "required": settings.SIGNIN_REQUIRE_SECOND_FACTOR and actor.role in second_factor.ROLES_REQUIRING,
        "idle_minutes": settings.SIGNIN_IDLE_TIMEOUT_S // 60,
        "can_unlock": actor.can(Action.UNLOCK_SIGNIN),
        "active": "account",
    })  # fmt: skip


@login_required
@require_POST
def sign_out_everywhere_view(request: HttpRequest) -> HttpResponse:
    ended = sign_out_everywhere(actor=request_actor(request), at=clock.now())
    logout(request)  # this session's row is gone already; clear its cookie state too
    messages.info(request, f"You are signed out everywhere ({ended} sessions ended).")
    return redirect("login")


@never_cache  # a key or codes shown once: no copy kept by the browser
@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: a QR code to scan, then its first code. A staff member who already
    has one must pass it first (the middleware sends them to the verify page)."""
    user = _staff(request)
    if second_factor.has_authenticator(user) and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("signin:two-factor")
    error = ""
    if request.method == "POST":
        try:
            device, codes = second_factor.confirm_enrolment(
                user, request.POST.get("code", ""), actor=request_actor(request), at=clock.now()
            )  # fmt: skip
        except InputError as exc:
            error = exc.message
        else:
            otp_login(request, device)
            request.session[SECOND_FACTOR_KEY] = "required"
            return render(
                request,
                "signin/recovery_codes.html",
                {"codes": codes, "next": _next(request), "new": True},
            )
    enrolment = second_factor.start_enrolment(user)
    return render(request, "signin/setup.html", {
        "enrolment": enrolment, "error": error, "next": request.POST.get("next") or request.GET.get("next", ""),
        "required": settings.SIGNIN_REQUIRE_SECOND_FACTOR, "hide_nav": not user.is_verified(),  # type: ignore[attr-defined]
    })  # fmt: skip


@never_cache  # a key or codes shown once: no copy kept by the browser
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """The sign-in's second step: the authenticator's code, or a recovery code."""
    user = _staff(request)
    username = user.get_username()
    address = _address(request)
    if lockout.lock_state(username, address).locked:
        return _locked_session(request, username, address)
    error = ""
    if request.method == "POST":
        actor = request_actor(request)
        try:
            device = second_factor.verify(
                user, request.POST.get("code", ""), actor=actor, at=clock.now()
            )
        except second_factor.Throttled as wait:
            return render(request, "signin/verify.html", {
                "error": f"Too many wrong codes in a row: wait {wait.seconds} second"
                f"{'' if wait.seconds == 1 else 's'}, then enter the code the authenticator shows then.",
                "next": request.POST.get("next", ""), "hide_nav": True,
            }, status=429)  # fmt: skip
        if device is not None:
            otp_login(request, device)
            return redirect(_next(request))
        # A wrong code counts as a failed sign-in of this account (django-axes, audited).
        user_login_failed.send(sender=__name__, credentials={"username": username}, request=request)
        if lockout.lock_state(username, address).locked:
            return _locked_session(request, username, address)
        error = "This code is not right. Enter the six digits the authenticator shows now, or a recovery code."
    return render(request, "signin/verify.html", {
        "error": error, "next": request.POST.get("next") or request.GET.get("next", ""),
        "hide_nav": True,
    })  # fmt: skip


def _locked_session(request: HttpRequest, username: str, address: str | None) -> HttpResponse:
    logout(request)
    state = lockout.lock_state(username, address)
    request.axes_locked_out = False  # type: ignore[attr-defined]  # answered here, not by axes
    return render(
        request,
        "accounts/login.html",
        {"locked": lock_message(state), "username": username, "next": ""},
        status=429,
    )


@never_cache  # a key or codes shown once: no copy kept by the browser
@login_required
@require_POST
def recovery_codes(request: HttpRequest) -> HttpResponse:
    try:
        codes = second_factor.new_recovery_codes(
            _staff(request), actor=request_actor(request), at=clock.now()
        )  # fmt: skip
    except InputError as exc:
        messages.error(request, exc.message)
        return redirect("signin:account")
    return render(request, "signin/recovery_codes.html", {"codes": codes, "next": "", "new": False})


@requires(Action.UNLOCK_SIGNIN)
def lockouts(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    error = ""
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "")
        try:
            lockout.unlock(kind, value, actor=actor, at=clock.now())
        except InputError as exc:
            error = f"{exc.field}: {exc.message}"
        else:
            messages.success(request, f"Unlocked the {kind} {value}. This is in the audit trail.")
            return redirect("signin:lockouts")
    return render(request, "signin/lockouts.html", {
        "locks": lockout.current_locks(actor=actor), "error": error,
        "account_limit": settings.SIGNIN_ACCOUNT_FAILURE_LIMIT,
        "address_limit": settings.SIGNIN_ADDRESS_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }, status=400 if error else 200)  # fmt: skip
