"""Staff accounts as the director runs them (the /staff/ page) or the operator at the command line
(`naltrack user ...`): add a staff member with a role, change the role, disable and enable, reset
a password; and a staff member changing their own password.

Each use case is one transaction with its audit event, refuses bad input naming the field with
nothing changed, and keeps the program manageable: nobody disables themself, and the last
enabled director keeps the role. A new account, or a reset, gets a one-time password that the
staff member must replace at their first sign-in; disabling ends the member's sessions and
revokes their API tokens, so a re-enabled account starts without the old ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.module_loading import import_string

from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.errors import InputError

from .actors import Actor, Console
from .models import ApiToken, StaffProfile
from .roles import Action, Role
from .tokens import revoke_all

# A one-time password: 16 letters and digits without look-alikes (0/O, 1/l/I), in groups of
# four to read out; about 80 bits.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def one_time_password() -> str:
    groups = ("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


@dataclass(frozen=True, slots=True)
class StaffRow:
    """One staff member as the list shows them."""

    username: str
    full_name: str
    role: Role | None
    active: bool
    password_change_required: bool
    last_login: datetime | None
    live_tokens: int


@dataclass(frozen=True, slots=True)
class Added:
    user: User
    one_time_password: str | None  # None when the operator typed the password at a prompt


def _check_manager(by: Actor | Console) -> None:
    # Anyone but the operator at the console holds the role (a portal PatientActor never does).
    if not isinstance(by, Console):
        by.require(Action.MANAGE_STAFF)


def _role(raw: str) -> Role:
    if raw not in Role.values:
        raise InputError(f"{raw!r} is not a role; use one of {', '.join(Role.values)}", "role")
    return Role(raw)


def _password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(" ".join(exc.messages), "password") from None


def _member(username: str, *, lock: bool = False) -> tuple[User, StaffProfile | None]:
    rows = User.objects.select_for_update() if lock else User.objects.all()
    user = rows.filter(username=username).first()
    if user is None:
        raise InputError(f"no staff member is called {username!r}", "user")
    return user, StaffProfile.objects.filter(user=user).first()


def _audit(
    by: Actor | Console, at: datetime, action: AuditAction, username: str, detail: str
) -> None:
    record(at=at, actor=by.username, action=action, object_type="staff_user",
           object_id=username[:64], remote_addr=by.remote_addr, detail=detail)  # fmt: skip


def _last_director(user: User) -> bool:
    """Is this the only enabled director? Then they keep the role and the account, or nobody
    could manage staff from the page."""
    directors = StaffProfile.objects.filter(role=Role.DIRECTOR, user__is_active=True)
    return directors.filter(user=user).exists() and directors.count() == 1


def staff_list(*, by: Actor | Console) -> list[StaffRow]:
    _check_manager(by)
    live = {
        row["user_id"]: row["n"]
        for row in ApiToken.objects.filter(revoked_at__isnull=True)
        .values("user_id")
        .order_by()
        .annotate(n=Count("pk"))
    }
    rows = []
    for user in User.objects.select_related("staff").order_by("username"):
        profile = getattr(user, "staff", None)
        rows.append(
            StaffRow(
                username=user.get_username(),
                full_name=user.get_full_name(),
                role=Role(profile.role) if profile else None,
                active=user.is_active,
                password_change_required=bool(profile and profile.password_change_required),
                last_login=user.last_login,
                live_tokens=live.get(user.pk, 0),
            )
        )
    return rows


def add_staff(
    username: str,
    role: str,
    *,
    by: Actor | Console,
    at: datetime,
    full_name: str = "",
    password: str | None = None,
) -> Added:
    """A new staff member with a role. Without `password` they get a one-time password, returned
    here once, to replace at their first sign-in."""
    _check_manager(by)
    username = username.strip()
    if not username:
        raise InputError("is required", "username")
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError as exc:
        raise InputError(" ".join(exc.messages), "username") from None
    if len(username) > 150:
        raise InputError("must be at most 150 characters", "username")
    chosen = _role(role)
    full_name = full_name.strip()
    if len(full_name) > 150:
        raise InputError("must be at most 150 characters", "full_name")
    given, _, family = full_name.partition(" ")
    user = User(username=username, first_name=given, last_name=family)
    generated = password is None
    secret = one_time_password() if password is None else password
    _password(secret, user)
    user.set_password(secret)
    with transaction.atomic():
        # Case-blind: "Nina.Nurse" beside "nina.nurse" would be two accounts for one person.
        if User.objects.filter(username__iexact=username).exists():
            raise InputError(f"{username!r} is taken", "username")
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # added by someone else at this very moment
            raise InputError(f"{username!r} is taken", "username") from None
        StaffProfile.objects.create(user=user, role=chosen, password_change_required=generated)
        _audit(by, at, AuditAction.CREATE, username,
               f"staff account {username} added as {chosen.label}"
               + (" with a one-time password" if generated else ""))  # fmt: skip
    return Added(user, secret if generated else None)


def set_role(username: str, role: str, *, by: Actor | Console, at: datetime) -> Role:
    _check_manager(by)
    chosen = _role(role)
    with transaction.atomic():
        user, profile = _member(username, lock=True)
        before = Role(profile.role) if profile else None
        if before == chosen:
            raise InputError(f"{username} is already {chosen.label}", "role")
        if before == Role.DIRECTOR and _last_director(user):
            raise InputError(
                f"{username} is the only enabled director; make another director first", "role"
            )
        if profile is None:
            StaffProfile.objects.create(user=user, role=chosen)
        else:
            profile.role = chosen
            profile.save(update_fields=("role",))
        _audit(by, at, AuditAction.UPDATE, username,
               f"role of {username}: {before.label if before else 'none'} -> {chosen.label}")  # fmt: skip
    return chosen


def end_sessions(user_id: int) -> int:
    """Delete every live session of a staff member: their next request is signed out. Used by
    disabling an account and by "sign out everywhere" (signin.sessions). Sessions are stored
    signed, not indexed by user, so each live one is decoded (a clinic has a few dozen at most)."""
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    uid = str(user_id)
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for key, data in live.values_list("session_key", "session_data"):
        if str(store().decode(data).get(SESSION_KEY)) == uid:
            store(session_key=key).delete()
            ended += 1
    return ended


def disable(username: str, *, by: Actor | Console, at: datetime) -> str:
    """Disable an account: sign-in refused, every session ended, every API token revoked."""
    _check_manager(by)
    with transaction.atomic():
        user, _ = _member(username, lock=True)
        if not user.is_active:
            raise InputError(f"{username} is already disabled", "user")
        if by.username == username:
            raise InputError("you cannot disable your own account", "user")
        if _last_director(user):
            raise InputError(
                f"{username} is the only enabled director; make another director first", "user"
            )
        user.is_active = False
        user.save(update_fields=("is_active",))
        sessions = end_sessions(user.pk)
        tokens = revoke_all(user, at=at, by=by.username)
        summary = f"{username} disabled; {sessions} session(s) ended, {tokens} API token(s) revoked"
        _audit(by, at, AuditAction.UPDATE, username, summary)
    return summary


def enable(username: str, *, by: Actor | Console, at: datetime) -> str:
    _check_manager(by)
    with transaction.atomic():
        user, profile = _member(username, lock=True)
        if user.is_active:
            raise InputError(f"{username} is already enabled", "user")
        if profile is None:
            raise InputError(f"{username} has no role; give one with set-role first", "user")
        user.is_active = True
        user.save(update_fields=("is_active",))
        summary = f"{username} enabled"
        _audit(by, at, AuditAction.UPDATE, username, summary)
    return summary


def reset_password(username: str, *, by: Actor | Console, at: datetime) -> str:
    """A new one-time password (returned once) for a staff member who lost theirs; their
    sessions end, and they must replace it at their next sign-in."""
    _check_manager(by)
    with transaction.atomic():
        user, profile = _member(username, lock=True)
        if profile is None:
            raise InputError(f"{username} has no role; give one with set-role first", "user")
        secret = one_time_password()
        user.set_password(secret)
        user.save(update_fields=("password",))
        profile.password_change_required = True
        profile.save(update_fields=("password_change_required",))
        sessions = end_sessions(user.pk)
        _audit(by, at, AuditAction.UPDATE, username,
               f"one-time password set for {username}; {sessions} session(s) ended")  # fmt: skip
    return secret


def change_own_password(actor: Actor, current: str, new: str, *, at: datetime) -> User:
    """A staff member replaces their password (a one-time one, or any time)."""
    with transaction.atomic():
        user, profile = _member(actor.username, lock=True)
        if not user.check_password(current):
            raise InputError("is not your current password", "current_password")
        if new == current:
            raise InputError("must differ from the current password", "new_password")
        try:
            validate_password(new, user)
        except ValidationError as exc:
            raise InputError(" ".join(exc.messages), "new_password") from None
        user.set_password(new)
        user.save(update_fields=("password",))
        if profile is not None and profile.password_change_required:
            profile.password_change_required = False
            profile.save(update_fields=("password_change_required",))
        _audit(actor, at, AuditAction.UPDATE, actor.username, "own password changed")
    return user


def password_change_due(user_id: int | None) -> bool:
    return (
        user_id is not None
        and StaffProfile.objects.filter(user_id=user_id, password_change_required=True).exists()
    )


def staff_profile(user: AbstractBaseUser | AnonymousUser) -> StaffProfile | None:
    """The signed-in user's profile (their role), or None for a user without one. A user loaded by
    the request's sign-in (accounts.backends) carries it already: no query then."""
    if not user.is_authenticated:
        return None
    if isinstance(user, User) and User.staff.is_cached(user):
        return getattr(user, "staff", None)
    return StaffProfile.objects.filter(user_id=user.pk).first()


def password_change_due_for(user: AbstractBaseUser | AnonymousUser) -> bool:
    """password_change_due for the signed-in user, from the profile loaded with them."""
    profile = staff_profile(user)
    return profile is not None and profile.password_change_required
