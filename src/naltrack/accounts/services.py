"""Staff accounts, roles, tokens and the permission check every other service calls."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from naltrack import clock
from naltrack.clinical.errors import InputError

from .actors import Actor, Console, NotOwnRecord, PatientActor, PermissionRefused
from .models import StaffProfile
from .roles import Role
from .staff import staff_profile
from .tokens import TOKEN_PREFIX, create_token
from .tokens import user_for_token as _user_for_token

__all__ = [
    "TOKEN_PREFIX",
    "Actor",
    "Console",
    "NotOwnRecord",
    "PatientActor",
    "PermissionRefused",
    "actor_for",
    "create_staff",
    "create_token",
    "user_for_token",
]


def actor_for(user: AbstractBaseUser | AnonymousUser, remote_addr: str | None = None) -> Actor:
    if not user.is_authenticated:
        return Actor(None, "anonymous", None, remote_addr)
    profile = staff_profile(user)
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


def user_for_token(token: str, method: str = "GET") -> User | None:
    """The staff member of a usable token (unexpired, not revoked, an enabled account, with the
    scope `method` needs), or None."""
    return _user_for_token(token, at=clock.now(), method=method)
