"""API bearer tokens: made for a staff member with scopes and a lifetime, listed, revoked, and
checked on every API request.

Only a token's SHA-256 digest is kept (a token is 32 random bytes: a fast hash is enough, unlike
a password, which a person chooses); the token itself is shown once, to whoever made it. A
token works until it expires (NALTRACK_API_TOKEN_DAYS, 90 days unless its maker says otherwise)
or is revoked, only while its staff member's account is enabled, and only for its scopes: `read`
answers GET, `write` answers POST. Each refusal says which of these it was, so the program that
holds the token can be fixed; an unknown token is told nothing more than that.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet

from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.errors import InputError
from naltrack.config import API_TOKEN_MAX_DAYS

from .actors import Actor, Console
from .models import ApiToken, StaffProfile, TokenScope
from .roles import Action

TOKEN_PREFIX = "nt_"
ALL_SCOPES = frozenset(TokenScope.values)
# Methods that only read: a `read` token may use them. Anything else writes.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenRefused(Exception):
    """A token that cannot be used: unknown, expired, revoked, or its account is disabled (401);
    or it lacks the scope the request needs (403)."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(raw: str | Iterable[str]) -> frozenset[str]:
    """Scopes as given on a command line or a form ("read", "read,write", ["read", "write"])."""
    words = raw.replace(",", " ").split() if isinstance(raw, str) else [w.strip() for w in raw]
    scopes = frozenset(w.lower() for w in words if w)
    unknown = sorted(scopes - ALL_SCOPES)
    if unknown:
        raise InputError(
            f"{', '.join(unknown)} is not a scope; use {' and/or '.join(TokenScope.values)}",
            "scope",
        )
    if not scopes:
        raise InputError(f"give at least one of {', '.join(TokenScope.values)}", "scope")
    return scopes


def _lifetime(days: int | None) -> timedelta:
    if days is None:
        days = int(settings.CONFIG.api_token_days)
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise InputError(f"must be from 1 to {API_TOKEN_MAX_DAYS} days (got {days})", "days")
    return timedelta(days=days)


@dataclass(frozen=True, slots=True)
class NewToken:
    """A token just made: the secret (shown once, never stored) and its row."""

    token: str
    row: ApiToken


def issue_token(
    username: str,
    *,
    at: datetime,
    by: Actor | Console,
    scopes: Iterable[str] = ALL_SCOPES,
    days: int | None = None,
    label: str = "",
) -> NewToken:
    """A new bearer token for an enabled staff member, made by that member (their account page)
    or by the operator at the command line: nobody else sees another's token. Audited."""
    if not isinstance(by, Console) and by.username != username:
        raise InputError("a token is made by its own staff member, or at the command line", "user")
    return _issue(username, at=at, by=by.username, scopes=scopes, days=days, label=label,
                  remote_addr=by.remote_addr)  # fmt: skip


def _issue(
    username: str,
    *,
    at: datetime,
    by: str,
    scopes: Iterable[str] = ALL_SCOPES,
    days: int | None = None,
    label: str = "",
    remote_addr: str | None = None,
) -> NewToken:
    chosen = parse_scopes(scopes)
    lifetime = _lifetime(days)
    label = label.strip()
    if len(label) > 100:
        raise InputError("must be at most 100 characters", "label")
    user = User.objects.filter(username=username).first()
    if user is None:
        raise InputError(f"no staff member is called {username!r}", "user")
    if not user.is_active:
        raise InputError(f"{username} is disabled; enable the account first", "user")
    if not StaffProfile.objects.filter(user=user).exists():
        raise InputError(
            f"{username} has no staff role; give one with naltrack user set-role", "user"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    scope_text = " ".join(s for s in TokenScope.values if s in chosen)  # a fixed order
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user, digest=digest(token), prefix=token[:10], created_at=at,
            expires_at=at + lifetime, scopes=scope_text, label=label,
        )  # fmt: skip
        record(at=at, actor=by, action=AuditAction.CREATE, object_type="api_token",
               object_id=str(row.pk), remote_addr=remote_addr,
               detail=f"bearer token {row.prefix}… for {username}, scopes {scope_text}, "
                      f"expires {row.expires_at:%Y-%m-%d}" + (f", {label}" if label else ""))  # fmt: skip
    return NewToken(token, row)


def create_token(username: str, *, at: datetime) -> str:
    """A read-and-write token with the default lifetime; returns the token (shown once)."""
    return _issue(username, at=at, by=username).token


def tokens(*, username: str | None = None) -> QuerySet[ApiToken]:
    rows = ApiToken.objects.select_related("user").order_by("-created_at", "-pk")
    if username is not None:
        rows = rows.filter(user__username=username)
    return rows


def status(row: ApiToken, at: datetime) -> str:
    """active, expired or revoked: what a list shows beside each token."""
    if row.revoked_at is not None:
        return "revoked"
    if row.expires_at <= at:
        return "expired"
    return "active"


def revoke_token(token_id: int, *, at: datetime, by: Actor | Console) -> ApiToken:
    """Revoke one token (from then on it is answered 401): any token by the director or at the
    command line, only one's own otherwise (another's token is then as unknown as a missing
    one). Revoking a token already revoked changes nothing and says so."""
    with transaction.atomic():
        rows = ApiToken.objects.select_for_update().select_related("user").filter(pk=token_id)
        if not isinstance(by, Console) and not by.can(Action.MANAGE_STAFF):
            rows = rows.filter(user__username=by.username)
        row = rows.first()
        if row is None:
            raise InputError(f"no token has the id {token_id}", "token")
        if row.revoked_at is not None:
            raise InputError(
                f"token {token_id} was already revoked on {row.revoked_at:%Y-%m-%d}", "token"
            )
        row.revoked_at, row.revoked_by = at, by.username[:150]
        row.save(update_fields=("revoked_at", "revoked_by"))
        record(at=at, actor=by.username, action=AuditAction.UPDATE, object_type="api_token",
               object_id=str(row.pk), remote_addr=by.remote_addr,
               detail=f"bearer token {row.prefix}… of {row.user.get_username()} revoked")  # fmt: skip
    return row


def revoke_all(user: User, *, at: datetime, by: str) -> int:
    """Revoke every live token of a staff member (their account is being disabled); the caller's
    transaction and audit event cover it."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=at, revoked_by=by[:150]
    )


def authenticate(token: str, *, method: str, at: datetime) -> User:
    """The staff member a request's token stands for, or TokenRefused saying why not."""
    row = (
        ApiToken.objects.select_related("user").filter(digest=digest(token)).first()
        if token.startswith(TOKEN_PREFIX)
        else None
    )
    if row is None:
        raise TokenRefused("this bearer token is not known (naltrack token create --user NAME)")
    if row.revoked_at is not None:
        raise TokenRefused(
            f"this bearer token ({row.prefix}…) was revoked on {row.revoked_at:%Y-%m-%d}; "
            "ask for a new one"
        )
    if row.expires_at <= at:
        raise TokenRefused(
            f"this bearer token ({row.prefix}…) expired on {row.expires_at:%Y-%m-%d}; "
            "ask for a new one"
        )
    if not row.user.is_active:
        raise TokenRefused(f"this bearer token's account ({row.user.get_username()}) is disabled")
    needed = TokenScope.READ if method.upper() in READ_METHODS else TokenScope.WRITE
    if needed not in row.scope_set:
        raise TokenRefused(
            f"this bearer token ({row.prefix}…) has the scope {row.scopes!r}: "
            f"{'reading' if needed == TokenScope.READ else 'writing'} needs the "
            f"{needed.value} scope",
            status=403,
        )
    return row.user


def user_for_token(token: str, *, at: datetime, method: str = "GET") -> User | None:
    """The staff member of a usable token, or None (the API answers why)."""
    try:
        return authenticate(token, method=method, at=at)
    except TokenRefused:
        return None
