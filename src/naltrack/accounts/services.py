"""Staff accounts, roles, tokens and the permission check every other service calls."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.errors import InputError

from .models import ApiToken, StaffProfile
from .roles import Action, Role, allowed

TOKEN_PREFIX = "nt_"


class PermissionRefused(Exception):
    """The actor's role may not do this. Carries the action so the message can name it."""

    def __init__(self, actor: Actor, action: Action) -> None:
        role = actor.role.label if actor.role else "no role"
        super().__init__(f"{actor.username} ({role}) may not {action.value.replace('_', ' ')}")
        self.action = action


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, passed to every service: the username, the role and where from."""

    user_id: int | None
    username: str
    role: Role | None
    remote_addr: str | None = None

    def can(self, action: Action) -> bool:
        return allowed(self.role, action)

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise PermissionRefused(self, action)


def actor_for(user: AbstractBaseUser | AnonymousUser, remote_addr: str | None = None) -> Actor:
    if not user.is_authenticated:
        return Actor(None, "anonymous", None, remote_addr)
    profile = StaffProfile.objects.filter(user_id=user.pk).first()
    role = Role(profile.role) if profile else None
    return Actor(user.pk, user.get_username(), role, remote_addr)


def create_staff(username: str, password: str, role: Role, *, full_name: str = "") -> User:
    if role not in Role.values:
        raise InputError(f"must be one of {', '.join(Role.values)}", "role")
    if not username.strip():
        raise InputError("is required", "username")
    user = User(username=username.strip(), first_name=full_name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(" ".join(exc.messages), "password") from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            StaffProfile.objects.create(user=user, role=role)
    except IntegrityError:
        raise InputError("this username is taken", "username") from None
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(username: str, *, at: datetime) -> str:
    """A new bearer token for a staff user; returns the token (never stored in clear)."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise InputError("no active staff user has this username", "user")
    if not StaffProfile.objects.filter(user=user).exists():
        raise InputError("this user has no staff role", "user")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        ApiToken.objects.create(user=user, digest=_digest(token), prefix=token[:10], created_at=at)
        record(at=at, actor=username, action=AuditAction.CREATE, object_type="api_token",
               detail="bearer token created")  # fmt: skip
    return token


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return row.user if row else None
