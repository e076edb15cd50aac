"""The director's staff page (/staff/): accounts, roles, disabling and enabling, one-time
passwords, and every API token; and each staff member's own account page (/account/): their
password and their API tokens.

Pages only call the use cases of accounts.staff and accounts.tokens, which check the role, write
in one transaction with its audit event, and refuse bad input naming the field. A one-time
password or a new token is shown once, in the answer to the form that made it, and never put in
the session or a redirect.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from naltrack import clock
from naltrack.accounts import staff as accounts_staff
from naltrack.accounts import tokens as accounts_tokens
from naltrack.accounts.roles import Action, Role
from naltrack.clinical.errors import InputError
from naltrack.web.context import request_actor
from naltrack.web.pages import attach, posted, requires

from .forms import AddStaffForm, PasswordForm, TokenForm

TOKENS_SHOWN = 200  # newest first; older ones are in `naltrack token list --all`


def _lockouts_url() -> str:
    return reverse("signin:lockouts")  # the sign-in area's list of locked accounts and addresses


def _token_rows(username: str | None) -> list[tuple[Any, str]]:
    now = clock.now()
    rows = accounts_tokens.tokens(username=username)[:TOKENS_SHOWN]
    return [(t, accounts_tokens.status(t, now)) for t in rows]


def _row_action(request: HttpRequest, which: str) -> str:
    """Run one of the row buttons of the staff page; the words to show when it worked."""
    actor, now = request_actor(request), clock.now()
    username = request.POST.get("username", "")
    if which == "role":
        role = accounts_staff.set_role(username, request.POST.get("role", ""), by=actor, at=now)
        return f"{username} is now {role.label}."
    if which == "disable":
        return accounts_staff.disable(username, by=actor, at=now) + "."
    if which == "enable":
        return accounts_staff.enable(username, by=actor, at=now) + "."
    if which == "revoke":
        raw = request.POST.get("token", "")
        if not raw.isdigit():
            raise InputError("choose a token to revoke", "token")
        row = accounts_tokens.revoke_token(int(raw), at=now, by=actor)
        return f"Token {row.prefix}… of {row.user.get_username()} revoked."
    raise InputError("unknown action", "form")


@requires(Action.MANAGE_STAFF)
def staff_page(request: HttpRequest) -> HttpResponse:
    actor = request_actor(request)
    add = AddStaffForm(posted(request, "add"))
    shown: dict[str, str] | None = None  # a one-time password, shown in this answer only
    row_error: tuple[str, str] | None = None  # (username, message) of a refused row button
    token_error: tuple[str, str] | None = None  # (token id, message)
    if add.is_bound and add.is_valid():
        d = add.cleaned_data
        try:
            added = accounts_staff.add_staff(
                d["username"], d["role"], by=actor, at=clock.now(), full_name=d["full_name"]
            )
        except InputError as exc:
            attach(add, exc)
        else:
            name = added.user.get_username()
            shown = {"username": name, "password": added.one_time_password or "",
                     "why": f"{name} added as {added.user.staff.get_role_display()}."}  # fmt: skip
            add = AddStaffForm()
    which = request.POST.get("form", "") if request.method == "POST" else ""
    if which == "reset":
        username = request.POST.get("username", "")
        try:
            secret = accounts_staff.reset_password(username, by=actor, at=clock.now())
        except InputError as exc:
            row_error = (username, f"{exc.field.replace('_', ' ')}: {exc.message}")
        else:
            shown = {"username": username, "password": secret,
                     "why": f"New one-time password for {username}; their sessions ended."}  # fmt: skip
    elif which in ("role", "disable", "enable", "revoke"):
        try:
            done = _row_action(request, which)
        except InputError as exc:
            refusal = f"{exc.field.replace('_', ' ')}: {exc.message}"
            if which == "revoke":
                token_error = (request.POST.get("token", ""), refusal)
            else:
                row_error = (request.POST.get("username", ""), refusal)
        else:
            messages.success(request, done)
            return redirect("staff")
    status = 400 if row_error or token_error or (add.is_bound and add.errors) else 200
    return render(request, "staff/staff.html", {
        "staff": accounts_staff.staff_list(by=actor), "roles": Role.choices, "add": add,
        "shown": shown, "row_error": row_error, "token_error": token_error, "tokens": _token_rows(None),
        "lockouts_url": _lockouts_url(), "active": "staff",
    }, status=status)  # fmt: skip


@login_required
def account_page(request: HttpRequest) -> HttpResponse:
    """Any signed-in staff member: their password, and their own API tokens."""
    actor = request_actor(request)
    due = accounts_staff.password_change_due(actor.user_id)
    password = PasswordForm(posted(request, "password"))
    if due:
        password.fields["current_password"].label = "The one-time password you signed in with"
    if password.is_bound and password.is_valid():
        d = password.cleaned_data
        try:
            user = accounts_staff.change_own_password(
                actor, d["current_password"], d["new_password"], at=clock.now()
            )
        except InputError as exc:
            attach(password, exc)
        else:
            update_session_auth_hash(request, user)  # this session stays signed in
            messages.success(request, "Your password is changed.")
            return redirect("today" if due else "account")
    initial = {"scope": ["read"], "days": settings.CONFIG.api_token_days}
    token_form = TokenForm(posted(request, "token"), initial=initial)
    new_token: accounts_tokens.NewToken | None = None
    row_error: tuple[str, str] | None = None
    if not due and token_form.is_bound and token_form.is_valid():
        d = token_form.cleaned_data
        try:
            new_token = accounts_tokens.issue_token(
                actor.username, at=clock.now(), by=actor, scopes=d["scope"], days=d["days"],
                label=d["label"],
            )  # fmt: skip
        except InputError as exc:
            attach(token_form, exc)
        else:
            token_form = TokenForm(initial=initial)
    if not due and request.method == "POST" and request.POST.get("form") == "revoke":
        raw = request.POST.get("token", "")
        try:
            if not raw.isdigit():
                raise InputError("choose a token to revoke", "token")
            row = accounts_tokens.revoke_token(int(raw), at=clock.now(), by=actor)
        except InputError as exc:
            row_error = (raw, f"{exc.field}: {exc.message}")
        else:
            messages.success(request, f"Token {row.prefix}… revoked.")
            return redirect("account")
    bound_errors = any(f.is_bound and f.errors for f in (password, token_form))
    return render(request, "staff/account.html", {
        "due": due, "password_form": password, "token_form": token_form, "new_token": new_token,
        "tokens": _token_rows(actor.username), "row_error": row_error,
        "can_have_tokens": actor.role is not None, "active": "account",
    }, status=400 if bound_errors or row_error else 200)  # fmt: skip
