"""The portal's use cases: who a signed-in patient is, their language, and what they read and
write. Every read and write of the patient's record is audited under the PatientActor's name
("patient:<login>"), inside the use case's transaction, as staff reads are."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from naltrack.accounts.actors import PatientActor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import Acting, record_by
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.patients.models import Patient

from .models import Language, PatientAccount

__all__ = [
    "account_of",
    "audit_read",
    "create_account",
    "own_patient",
    "patient_actor_for",
    "set_language",
]


def account_of(user: AbstractBaseUser | AnonymousUser) -> PatientAccount | None:
    """The portal account of a signed-in user; None for staff, the anonymous or a disabled user."""
    if not user.is_authenticated or not user.is_active:
        return None
    return PatientAccount.objects.select_related("patient").filter(user_id=user.pk).first()


def patient_actor_for(account: PatientAccount, remote_addr: str | None = None) -> PatientActor:
    return PatientActor(
        user_id=account.user_id,
        login=account.user.get_username(),
        account_id=account.pk,
        patient_id=account.patient_id,
        mrn=account.patient.mrn,
        remote_addr=remote_addr,
    )


def own_patient(actor: PatientActor) -> Patient:
    """The actor's own patient row (not audited: callers audit what they show from it)."""
    patient = Patient.objects.filter(pk=actor.patient_id).first()
    if patient is None:  # the account outlived its patient: cannot happen (PROTECT), but say so
        raise NotFoundError("this portal account has no patient record", "patient")
    return patient


def audit_read(actor: PatientActor, at: datetime, what: str, detail: str = "") -> None:
    """One audit event for a portal page that shows the patient's record (`what`: "portal_home",
    "portal_plan", ...). The object is the patient; the trail names the patient account."""
    record_by(actor, at, AuditAction.READ, what, actor.patient_id, patient_mrn=actor.mrn,
              detail=detail)  # fmt: skip


def create_account(
    patient: Patient,
    login: str,
    password: str,
    *,
    by: Acting,
    at: datetime,
    language: str = Language.ENGLISH,
) -> PatientAccount:
    """A portal account for `patient` that signs in as `login` with `password` (the project's
    password validators apply). Invitations call this when the patient accepts; the demo calls
    it for its seeded logins. One account per patient; a staff login cannot become one."""
    login = login.strip().lower()
    if not login:
        raise InputError("is required", "login")
    if language not in Language.values:
        raise InputError(f"must be one of {', '.join(Language.values)}", "language")
    user = User(username=login, email=login if "@" in login else "")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise InputError(" ".join(exc.messages), "password") from None
    user.set_password(password)
    with transaction.atomic():
        if PatientAccount.objects.filter(patient=patient).exists():
            raise ConflictError("this patient already has a portal account", "patient")
        if User.objects.filter(username__iexact=login).exists():
            raise ConflictError("this sign-in name is already in use", "login")
        try:
            user.save()
        except IntegrityError:
            raise ConflictError("this sign-in name is already in use", "login") from None
        account = PatientAccount.objects.create(
            patient=patient, user=user, language=language, created_at=at, created_by=by.username
        )
        record_by(by, at, AuditAction.CREATE, "portal_account", account.pk,
                  patient_mrn=patient.mrn, detail=f"portal sign-in {login}")  # fmt: skip
    return account


def set_language(actor: PatientActor, language: str, *, at: datetime) -> PatientAccount:
    """The patient's language for the portal, reminders and the wallet card."""
    if language not in Language.values:
        raise InputError(f"must be one of {', '.join(Language.values)}", "language")
    with transaction.atomic():
        account = PatientAccount.objects.select_for_update().get(pk=actor.account_id)
        actor.require_own(account.patient_id)
        before = account.language
        account.language = language
        account.save(update_fields=["language"])
        record_by(actor, at, AuditAction.UPDATE, "portal_account", account.pk,
                  patient_mrn=actor.mrn, detail=f"language {before} -> {language}")  # fmt: skip
    return account


def change_password(
    actor: PatientActor, *, current: str, new: str, new_again: str, at: datetime
) -> User:
    """The patient changes their own password (the project's password validators apply)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.user_id)
        if not user.check_password(current):
            raise InputError("is not your current password", "current")
        if new != new_again:
            raise InputError("the two new passwords are not the same", "new_again")
        try:
            validate_password(new, user)
        except ValidationError as exc:
            raise InputError(" ".join(exc.messages), "new") from None
        user.set_password(new)
        user.save(update_fields=["password"])
        record_by(actor, at, AuditAction.UPDATE, "portal_account", actor.account_id,
                  patient_mrn=actor.mrn, detail="password changed")  # fmt: skip
    return user


def remove_second_factor(actor: PatientActor, *, password: str, at: datetime) -> int:
    """The patient removes their authenticator app and recovery codes (their password again
    first). Returns how many devices were removed."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.user_id)
        if not user.check_password(password):
            raise InputError("is not your current password", "password")
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            removed += model.objects.filter(user_id=user.pk).delete()[0]
        record_by(actor, at, AuditAction.UPDATE, "second_factor", actor.user_id,
                  patient_mrn=actor.mrn, detail="authenticator and recovery codes removed")  # fmt: skip
    return removed
