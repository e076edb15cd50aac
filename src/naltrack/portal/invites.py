"""Portal invitations: a coordinator or nurse invites a patient from the chart; the patient opens
the link (or types the code at /portal/invite/), sets a password and is signed in.

An invitation is a long random token (in the link) and a short code (to type), each kept only as
a keyed digest (HMAC-SHA256 with the server's secret key), shown once to staff and sent once by
email. It works once, until it expires (NALTRACK_PORTAL_INVITE_HOURS); a new invitation ends the
open ones. A patient who already has an account and lost access is invited again: accepting sets
a new password, removes the authenticator app and ends the account's sessions.

The invitation goes by email, or by text message (the reminders' SMS transport) when the patient
has a phone on the chart and no email, or when staff choose text. A patient invited by text with
no email signs in with the phone number's digits. Neither message says anything clinical: the
clinic's short name, the link, the code, when it expires; the text is refused, not sent, if it
would carry a forbidden reminder word (config.forbidden_words_in, the reminders' own check).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from naltrack.accounts.actors import Actor
from naltrack.accounts.roles import Action
from naltrack.accounts.staff import end_sessions
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import clinic_info
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.config import forbidden_words_in
from naltrack.patients.models import Patient
from naltrack.reminders.messages import Message
from naltrack.reminders.transports import SendError, Transport, transports_from_config

from .models import InviteStatus, PatientAccount, PortalInvite
from .services import create_account, patient_actor_for

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud or typed from paper
CODE_LENGTH = 8  # 40 bits; guessing is held back by the address lockouts (views.invite_code)
TOKEN_BYTES = 32


def _digest(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"portal-invite:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def normal_code(code: str) -> str:
    """A typed code as it is stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


@dataclass(frozen=True, slots=True)
class IssuedInvite:
    """What staff see once, right after inviting: the link and the code are not kept."""

    invite_id: int
    link: str
    code: str  # as shown: ABCD-EFGH
    code_page: str  # where the code is typed
    email: str  # the sign-in name when it is an email; "" when invited by text without one
    expires_at: datetime
    email_sent: bool  # whether the invitation went out (by email or by text)
    email_error: str = ""
    sent_by: str = "email"  # "email" or "sms"
    phone: str = ""  # the number texted, when sent by text
    login: str = ""  # what the patient will sign in with


SEND_BY = ("email", "sms")


def phone_login(phone: str) -> str:
    """The sign-in name of a patient invited by text without an email: the number's digits."""
    return "".join(ch for ch in phone if ch.isdigit())


def chosen_channel(email: str, phone: str, send_by: str = "") -> str:
    """How an invitation goes when staff did not choose: by email when there is one, else by text
    when the patient has a phone, else by email (which then asks for the address)."""
    if send_by in SEND_BY:
        return send_by
    return "sms" if not email.strip() and phone.strip() else "email"


def invite_patient(
    mrn: str, email: str, *, actor: Actor, at: datetime, site: str, send_by: str = "",
    sms: Transport | None = None,
) -> IssuedInvite:  # fmt: skip
    """Invite the patient `mrn` to the portal, signing in as `email` (or, invited by text with
    no email, as the phone's digits). `send_by` "email" or "sms" ("": text when there is no
    email and the chart has a phone, see chosen_channel); a text goes to the chart's phone
    through `sms` (default: the reminders' configured SMS transport). `site` is the scheme and
    host the link starts with ("https://clinic.example.org"). Ends the patient's open
    invitations."""
    actor.require(Action.INVITE_TO_PORTAL)
    email = email.strip().lower()
    if send_by not in ("", *SEND_BY):
        raise InputError("must be email or sms", "send_by")
    hours = clinic_info().portal_invite_hours
    with transaction.atomic():
        patient = Patient.objects.select_for_update().filter(mrn=mrn).first()
        if patient is None:
            raise NotFoundError("no patient has this MRN", "mrn")
        phone = patient.phone.strip()
        send_by = chosen_channel(email, phone, send_by)
        if send_by == "sms" and not phone_login(phone):
            raise InputError("the chart has no phone number to text", "phone")
        if email or send_by == "email":
            try:
                validate_email(email)
            except ValidationError:
                raise InputError("is not an email address", "email") from None
        login = email or phone_login(phone)
        ended = PortalInvite.objects.filter(patient=patient, status=InviteStatus.OPEN).update(
            status=InviteStatus.REVOKED, closed_at=at
        )
        for _attempt in range(3):  # a code collision is astronomically rare: draw again
            token, code = secrets.token_urlsafe(TOKEN_BYTES), _new_code()
            try:
                with transaction.atomic():
                    invite = PortalInvite.objects.create(
                        patient=patient, token_digest=_digest("token", token),
                        code_digest=_digest("code", code), email=login, created_at=at,
                        created_by=actor.username, expires_at=at + timedelta(hours=hours),
                    )  # fmt: skip
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - three collisions of 40-bit codes in a row
            raise ConflictError("could not make a unique code; try again", "code")
        again = PatientAccount.objects.filter(patient=patient).exists()
        record_by(actor, at, AuditAction.CREATE, "portal_invite", invite.pk, patient_mrn=mrn,
                  detail=f"{'re-invited (lost access)' if again else 'invited'} to the portal; "
                         f"sent by {'text to ' + phone if send_by == 'sms' else 'email to ' + email}; "
                         f"signs in as {login}; {ended} earlier invitation(s) ended")  # fmt: skip
    link = site.rstrip("/") + reverse("portal:invite", args=[token])
    code_page = site.rstrip("/") + reverse("portal:invite-code")
    if send_by == "sms":
        sent, error = _text(phone, link, code_page, shown_code(code), invite.expires_at, sms)
    else:
        sent, error = _send(email, link, code_page, shown_code(code), invite.expires_at)
    return IssuedInvite(invite.pk, link, shown_code(code), code_page, email, invite.expires_at,
                        sent, error, send_by, phone if send_by == "sms" else "", login)  # fmt: skip


def _send(email: str, link: str, code_page: str, code: str, expires: datetime) -> tuple[bool, str]:
    clinic = clinic_info()
    body = (
        f"Hello,\n\n{clinic.short_name} invited you to its patient portal.\n\n"
        f"Open this link to set your password:\n{link}\n\n"
        f"Or go to {code_page} and type this code: {code}\n\n"
        f"The link and the code work once, until {expires:%d %b %Y %H:%M} ({settings.TIME_ZONE}).\n"
        f"If you did not expect this message, you can ignore it or call {clinic.phone}.\n"
    )
    try:
        send_mail(f"{clinic.short_name}: your portal invitation", body, None, [email])
    except Exception as exc:  # the invitation stands; staff read the link and code out instead
        return False, f"{type(exc).__name__}: {exc}"[:200]
    return True, ""


def invite_text(link: str, code_page: str, code: str, expires: datetime) -> str:
    """The text message: as neutral as the email (no clinical word), short enough for a phone."""
    clinic = clinic_info()
    return (
        f"{clinic.short_name}: you are invited to our online portal. Set your password: {link} "
        f"or type the code {code} at {code_page}. Works once, until "
        f"{expires:%d %b %H:%M}. Not expecting this? Call {clinic.phone}."
    )


def _text(
    phone: str, link: str, code_page: str, code: str, expires: datetime, sms: Transport | None
) -> tuple[bool, str]:
    body = invite_text(link, code_page, code, expires)
    # The wording is checked, not the addresses (the host is the clinic's own, the token random),
    # as the reminders check theirs (reminders.messages.render).
    words = forbidden_words_in(body.replace(link, " ").replace(code_page, " "))
    if words:  # a clinic's name or number that gives the program away: not sent
        return False, f"the text would name {', '.join(words)}: not sent"
    transport = sms or transports_from_config(settings.REMINDERS)["sms"]
    try:
        transport.send(phone, Message("", body), {})
    except SendError as exc:  # the invitation stands; staff read the link and code out instead
        return False, str(exc)[:200]
    return True, ""


def open_invite(*, token: str = "", code: str = "", at: datetime) -> PortalInvite | None:
    """The open, unexpired invitation with this link token or code, or None."""
    if token:
        found = PortalInvite.objects.filter(token_digest=_digest("token", token))
    elif normal_code(code):
        found = PortalInvite.objects.filter(code_digest=_digest("code", normal_code(code)))
    else:
        return None
    return (
        found.filter(status=InviteStatus.OPEN, expires_at__gt=at).select_related("patient").first()
    )


def accept_invite(
    *, token: str = "", code: str = "", password: str, password_again: str, at: datetime,
    remote_addr: str | None = None,
) -> PatientAccount:  # fmt: skip
    """Use an invitation: set the password of a new account (signing in as the invitation's
    email) or, for a patient who already has one, of that account (lost access: the
    authenticator is removed and every session ends). The invitation is then used up."""
    if password != password_again:
        raise InputError("the two passwords are not the same", "password_again")
    with transaction.atomic():
        invite = open_invite(token=token, code=code, at=at)
        if invite is None:
            raise NotFoundError("this invitation has expired or was already used", "invite")
        invite = PortalInvite.objects.select_for_update().get(pk=invite.pk)
        if invite.status != InviteStatus.OPEN:  # accepted by a concurrent request
            raise NotFoundError("this invitation has expired or was already used", "invite")
        account = (
            PatientAccount.objects.filter(patient=invite.patient).select_related("user").first()
        )
        if account is None:
            account = create_account(
                invite.patient, invite.email, password, by=_Inviter(invite.created_by),
                at=at,
            )  # fmt: skip
            what = "accepted the portal invitation; account created"
        else:
            _reset(account.user, password)
            what = "accepted a new portal invitation: password set, authenticator removed"
        invite.status, invite.closed_at = InviteStatus.USED, at
        invite.save(update_fields=["status", "closed_at"])
        actor = patient_actor_for(account, remote_addr)
        record_by(actor, at, AuditAction.UPDATE, "portal_invite", invite.pk,
                  patient_mrn=actor.mrn, detail=what)  # fmt: skip
    return account


def _reset(user: User, password: str) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(" ".join(exc.messages), "password") from None
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    TOTPDevice.objects.filter(user_id=user.pk).delete()
    StaticDevice.objects.filter(user_id=user.pk).delete()
    end_sessions(user.pk)


@dataclass(frozen=True, slots=True)
class _Inviter:
    """The staff member who sent the invitation, as the account's creator in the audit trail."""

    username: str
    remote_addr: str | None = None


def invite_status(patient: Patient) -> tuple[PatientAccount | None, PortalInvite | None]:
    """For the chart: the patient's portal account, and the latest invitation."""
    account = PatientAccount.objects.filter(patient=patient).select_related("user").first()
    return account, PortalInvite.objects.filter(patient=patient).first()
