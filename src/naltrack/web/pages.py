"""Shared page plumbing: role checks that answer 403 with a plain page, and domain errors shown
beside the field they name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.accounts.services import PermissionRefused
from naltrack.accounts.staff import password_change_due_for
from naltrack.clinical.access import OutsideCareTeam, WorklistScope
from naltrack.clinical.errors import InputError

from .auditing import audit_refusal
from .bounds import MRN_PATTERN, day_problem
from .context import request_actor

View = Callable[..., HttpResponse]


def refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "refused.html", {"message": message}, status=403)


def outside_care_team(request: HttpRequest, exc: OutsideCareTeam) -> HttpResponse:
    """Not on the patient's care team. Opening a page: the break-the-glass form, then back to the
    page. A write (a POST, as the API's 403): refused, nothing written, with the way in; the
    clinician breaks the glass deliberately and sends the form again."""
    back = request.get_full_path() if request.method == "GET" else _page_sent_from(request)
    back = back or reverse("patient-chart", args=[exc.mrn])
    target = f"{reverse('break-glass', args=[exc.mrn])}?{urlencode({'next': back})}"
    if request.headers.get("HX-Request"):  # a fragment: the whole page goes there
        answer = HttpResponse(status=204)
        answer["HX-Redirect"] = target
        return answer
    if request.method == "GET":
        return redirect(target)
    return render(request, "refused.html", {
        "message": f"Not changed: {exc.message}.", "break_glass": target,
    }, status=403)  # fmt: skip


def _page_sent_from(request: HttpRequest) -> str | None:
    """The path of the naltrack page a form was sent from (its Referer), to go back to after
    breaking the glass; None when there is none or it is another site's."""
    referer = str(request.META.get("HTTP_REFERER", ""))
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        return f"{parts.path}?{parts.query}" if parts.query else parts.path
    return None


def requires(action: Action) -> Callable[[View], View]:
    """Log in, hold the role for `action`, and turn a service's refusal into a 403 page."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = request_actor(request)
            if password_change_due_for(request.user):  # signed in with a one-time password
                return redirect("account")
            if not actor.can(action):
                role = actor.role.label if actor.role else "none"
                audit_refusal(request, actor.username, f"role {role} may not {action.value}",
                              str(kwargs.get("mrn", "")))  # fmt: skip
                return refused(request, f"Your role ({role}) cannot open this page.")
            if "mrn" in kwargs and not re.match(
                MRN_PATTERN, kwargs["mrn"]
            ):  # names nobody (a NUL, a slash)
                return render(request, "patients/not_found.html", {"mrn": ""}, status=404)
            try:
                return view(request, *args, **kwargs)
            except PermissionRefused as exc:
                audit_refusal(request, actor.username, str(exc), str(kwargs.get("mrn", "")))
                return refused(request, str(exc))
            except OutsideCareTeam as exc:
                return outside_care_team(request, exc)
            except InputError as exc:
                if exc.field != "mrn":  # an unknown patient in the address; anything else is a bug
                    raise
                return render(
                    request, "patients/not_found.html", {"mrn": kwargs.get("mrn", "")}, status=404
                )

        return wrapper

    return decorate


def asked_scope(request: HttpRequest) -> WorklistScope | None:
    """The worklist asked for in the address (`?scope=clinic` or `mine`); anything else, the
    role's default list."""
    asked = request.GET.get("scope", "")
    return WorklistScope(asked) if asked in {s.value for s in WorklistScope} else None


def back_to(request: HttpRequest, fallback: str) -> HttpResponse:
    """Redirect to the page the form came from (`next`, else the referring page) when it is a page
    of naltrack, else to `fallback` (a URL name or path): never to another site."""
    for candidate in (
        request.POST.get("next"),
        request.GET.get("next"),
        request.META.get("HTTP_REFERER"),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return redirect(candidate)
    return redirect(fallback)


def attach(form: forms.Form, error: InputError) -> None:
    """Show a domain error beside its field when the form has it, else at the top."""
    name = error.field.split(".")[-1] if error.field else None
    if name and name in form.fields:
        form.add_error(name, error.message)
    else:
        label = error.field.replace("_", " ") if error.field else ""
        form.add_error(None, f"{label}: {error.message}" if label else error.message)


def posted(request: HttpRequest, name: str) -> Any:
    """The POST data when this page's form `name` was the one submitted (a page may hold several,
    each with a hidden `form` field), else None: an unbound form."""
    return request.POST if request.method == "POST" and request.POST.get("form") == name else None


def submit(
    request: HttpRequest,
    form: forms.Form,
    call: Callable[[dict[str, Any]], str],
    *,
    then: str | Callable[[], str],
) -> HttpResponse | None:
    """Post, then redirect: when the form was posted and is valid, call the service with its cleaned
    data; on success flash the words `call` returns and redirect to `then` (a path, or a function
    giving it once the call is done); on a domain error show it beside its field. None means
    "render the page" (a GET, or a form with errors)."""
    if not form.is_bound or not form.is_valid():
        return None
    try:
        message = call(form.cleaned_data)
    except OutsideCareTeam:
        raise  # a 403 page with the way in (requires), not a form error
    except InputError as exc:
        attach(form, exc)
        return None
    messages.success(request, message)
    return redirect(then if isinstance(then, str) else then())


REPORT_DAYS = 90  # a report page's default period: the last 90 days


def report_period(request: HttpRequest) -> tuple[dict[str, str], dict[str, str], date, date]:
    """A report page's period from `?start=&end=` (default: the last `REPORT_DAYS` days): the
    values to show back, any error by field, and the two days (the program, outreach and intake
    reports)."""
    today = clock.today()
    raw = {k: request.GET.get(k, "").strip()[:10] for k in ("start", "end")}
    errors: dict[str, str] = {}
    days = {"start": today - timedelta(days=REPORT_DAYS - 1), "end": today}
    for key in days:
        if raw[key]:
            try:
                days[key] = date.fromisoformat(raw[key])
            except ValueError:
                errors[key] = "must be a date as YYYY-MM-DD"
            else:
                if problem := day_problem(days[key]):
                    errors[key] = problem
    raw = {k: raw[k] or days[k].isoformat() for k in raw}
    return raw, errors, days["start"], days["end"]
