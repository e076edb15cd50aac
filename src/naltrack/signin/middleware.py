"""Idle sign-out and the second-factor step, before any page is answered."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from naltrack.web.context import request_actor

from .second_factor import has_authenticator, required_for
from .sessions import SECOND_FACTOR_KEY, idle_expired, mark_seen

Handler = Callable[[HttpRequest], HttpResponse]


def _redirect(request: HttpRequest, to: str) -> HttpResponse:
    """A redirect; for an htmx request, one that htmx follows with the whole page."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = to
        return response
    return HttpResponseRedirect(to)


def _with_next(url: str, request: HttpRequest) -> str:
    target = request.get_full_path() if request.method == "GET" else ""
    return f"{url}?{urlencode({'next': target})}" if target else url


class IdleTimeoutMiddleware:
    """A session idle for longer than NALTRACK_IDLE_TIMEOUT_MINUTES is signed out: the next
    request goes to the sign-in page, and is answered after signing in again."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = timezone.now().timestamp()
            if idle_expired(session, now, settings.SIGNIN_IDLE_TIMEOUT_S):
                logout(request)
                minutes = settings.SIGNIN_IDLE_TIMEOUT_S // 60
                messages.info(
                    request, f"You were signed out after {minutes} minutes without activity."
                )
                # The patient portal has its own sign-in page.
                page = "portal:login" if request.path.startswith("/portal/") else "login"
                return _redirect(request, _with_next(reverse(page), request))
            mark_seen(session, now)
        return self.get_response(request)


class SecondFactorMiddleware:
    """A signed-in staff member who needs the second factor sees only its pages (and signing out)
    until they pass it: the verify page, or the set-up page for one with no authenticator yet."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY not in session or self._exempt(request.path):
            return self.get_response(request)
        needed = session.get(SECOND_FACTOR_KEY)
        if needed is None:
            needed = "required" if required_for(request_actor(request)) else "no"
            session[SECOND_FACTOR_KEY] = needed
        if needed == "no" or request.user.is_verified():  # type: ignore[union-attr]
            return self.get_response(request)
        enrolled = has_authenticator(request.user)  # type: ignore[arg-type]
        page = "signin:two-factor" if enrolled else "signin:two-factor-setup"
        return _redirect(request, _with_next(reverse(page), request))

    @staticmethod
    def _exempt(path: str) -> bool:
        allowed = (
            reverse("signin:two-factor"),
            reverse("signin:two-factor-setup"),
            reverse("logout"),
            reverse("login"),
        )
        # The patient portal asks its own accounts for their second factor (portal/pages.py).
        return path in allowed or path.startswith(("/api/", f"/{settings.STATIC_URL}", "/portal/"))
