"""The second factor (django-otp): an authenticator app's six-digit code (TOTP, RFC 6238) after the
password, and ten recovery codes, each good once, for a lost phone.

Required for prescribers and directors when the clinic says so (NALTRACK_REQUIRE_SECOND_FACTOR:
on in production, off in development so the demo logins work with a password alone); anyone who
has set up an authenticator is asked for it too, whatever the setting.
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import datetime

import segno
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from naltrack.accounts.actors import Console, PatientActor
from naltrack.accounts.roles import Action, Role
from naltrack.accounts.services import Actor
from naltrack.accounts.staff import end_sessions
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.errors import InputError

ROLES_REQUIRING = frozenset({Role.PRESCRIBER, Role.DIRECTOR})
RECOVERY_CODES = 10
AUTHENTICATOR = "authenticator"
RECOVERY = "recovery codes"
OBJECT = "second_factor"  # the audit trail's object type


def has_authenticator(user: AbstractBaseUser) -> bool:
    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


def required_for(actor: Actor) -> bool:
    """Whether this staff member must pass the second factor before any page."""
    if settings.SIGNIN_REQUIRE_SECOND_FACTOR and actor.role in ROLES_REQUIRING:
        return True
    return (
        actor.user_id is not None
        and TOTPDevice.objects.filter(user_id=actor.user_id, confirmed=True).exists()
    )


@dataclass(frozen=True, slots=True)
class Enrolment:
    device_id: int
    secret: str  # base32, for typing into the app by hand
    qr_svg_data_uri: str  # the otpauth:// URI as a QR code


def start_enrolment(user: AbstractBaseUser) -> Enrolment:
    """A new, unconfirmed authenticator (the same one while the page is reloaded)."""
    device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode("ascii")
    qr = segno.make(device.config_url, error="m")
    return Enrolment(device.pk, secret, qr.svg_data_uri(scale=5, border=2))


def confirm_enrolment(
    user: AbstractBaseUser, code: str, *, actor: Actor | PatientActor, at: datetime
) -> tuple[Device, list[str]]:
    """The first code from the app confirms the authenticator; it replaces any earlier one, and
    ten new recovery codes replace any earlier ones. Returns the device and the codes (shown once,
    kept only as the device's tokens)."""
    code = _clean(code)
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=False).first()
        )
        if device is None:
            raise InputError(
                "start the set-up again: no authenticator is waiting for a code", "code"
            )
        if not device.verify_token(code):
            raise InputError("is not the code the authenticator shows now", "code")
        TOTPDevice.objects.filter(user_id=user.pk).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _replace_recovery_codes(user)
        record(at=at, actor=actor.username, action=AuditAction.UPDATE, object_type=OBJECT,
               object_id=str(user.pk), remote_addr=actor.remote_addr,
               detail=f"authenticator set up; {len(codes)} new recovery codes")  # fmt: skip
    return device, codes


def new_recovery_codes(
    user: AbstractBaseUser, *, actor: Actor | PatientActor, at: datetime
) -> list[str]:
    if not has_authenticator(user):
        raise InputError("set up an authenticator first", "code")
    with transaction.atomic():
        codes = _replace_recovery_codes(user)
        record(at=at, actor=actor.username, action=AuditAction.UPDATE, object_type=OBJECT,
               object_id=str(user.pk), remote_addr=actor.remote_addr,
               detail=f"{len(codes)} new recovery codes; the earlier ones no longer work")  # fmt: skip
    return codes


def reset_second_factor(username: str, *, by: Actor | Console, at: datetime) -> int:
    """For a staff member who lost both the phone and the recovery codes: the director (or the
    operator at the console) removes the authenticator and the codes; the member's sessions end,
    and the next sign-in sets up a new authenticator where the clinic requires one. Returns how
    many devices were removed."""
    if not isinstance(by, Console):
        by.require(Action.MANAGE_STAFF)
    from django.contrib.auth.models import User

    with transaction.atomic():
        user = User.objects.select_for_update().filter(username=username).first()
        if user is None:
            raise InputError(f"no staff member is called {username!r}", "user")
        devices = [TOTPDevice.objects.filter(user_id=user.pk),
                   StaticDevice.objects.filter(user_id=user.pk)]  # fmt: skip
        removed = sum(rows.count() for rows in devices)
        for rows in devices:
            rows.delete()
        if not removed:
            raise InputError(f"{username} has no authenticator or recovery codes to reset", "user")
        sessions = end_sessions(user.pk)
        record(at=at, actor=by.username, action=AuditAction.UPDATE, object_type=OBJECT,
               object_id=str(user.pk), remote_addr=by.remote_addr,
               detail=f"second factor reset for {username}: authenticator and recovery codes "
                      f"removed; {sessions} session(s) ended")  # fmt: skip
    return int(removed)


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return int(StaticToken.objects.filter(device__user_id=user.pk, device__confirmed=True).count())


def _replace_recovery_codes(user: AbstractBaseUser) -> list[str]:
    StaticDevice.objects.filter(user_id=user.pk).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


class Throttled(Exception):
    """django-otp slows guessing down: after n wrong codes in a row, no code is checked for
    2^(n-1) seconds. Carries the seconds left."""

    def __init__(self, seconds: int) -> None:
        super().__init__(f"wait {seconds} seconds")
        self.seconds = seconds


def verify(
    user: AbstractBaseUser, code: str, *, actor: Actor | PatientActor, at: datetime
) -> Device | None:
    """The device that accepts this code (the authenticator's current code, or an unused recovery
    code, which is then spent), or None. Success is audited as the sign-in's second step. Raises
    Throttled, checking nothing, while django-otp holds the devices back after wrong codes."""
    code = _clean(code)
    if not code:
        return None
    with transaction.atomic():
        # Locked rows: two requests cannot both spend one recovery code or replay one TOTP code.
        devices: list[Device] = [
            *TOTPDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True),
            *StaticDevice.objects.select_for_update().filter(user_id=user.pk, confirmed=True),
        ]
        for device in devices:
            allowed, why = device.verify_is_allowed()
            if not allowed and why and why.get("locked_until"):
                wait = (why["locked_until"] - timezone.now()).total_seconds()
                raise Throttled(max(1, math.ceil(wait)))
        for device in devices:
            if device.verify_token(code):
                how = "recovery code" if isinstance(device, StaticDevice) else "authenticator"
                left = (
                    f"; {recovery_codes_left(user)} recovery codes left"
                    if how == "recovery code"
                    else ""
                )
                record(at=at, actor=actor.username, action=AuditAction.LOGIN, object_type=OBJECT,
                       object_id=str(user.pk), remote_addr=actor.remote_addr,
                       detail=f"second factor passed ({how}{left})")  # fmt: skip
                return device
    return None


def _clean(code: str) -> str:
    return "".join(code.split()).lower()[:16]
