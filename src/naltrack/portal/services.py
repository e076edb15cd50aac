"""The portal's use cases: who a signed-in patient is, their language, and what they read and
write. Every read and write of the patient's record is audited under the PatientActor's name
("patient:<login>"), inside the use case's transaction, as staff reads are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from naltrack.accounts.actors import PatientActor
from naltrack.accounts.models import StaffProfile
from naltrack.alerts.snapshot import read_record
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import Acting, record_by
from naltrack.clinic import active_policy, clinic_info
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.protection import (
    OralDoseDay,
    ProtectionStatus,
    oral_dose_on,
    protection_status,
)
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.config import ClinicInfo
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.treatment.models import Administration, AdministrationStatus, TreatmentPlan
from naltrack.treatment.plans import RelapsePreventionInput, patient_edits_relapse_plan

from .models import Language, PatientAccount
from .words import FORMULATION_WORDS, regimen_words, support_words, tablets, visit_words

__all__ = [
    "account_of",
    "audit_read",
    "create_account",
    "own_patient",
    "patient_actor_for",
    "read_home",
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


def is_staff_user(user_id: int) -> bool:
    return bool(StaffProfile.objects.filter(user_id=user_id).exists())


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


@dataclass(frozen=True, slots=True)
class NextVisit:
    on: date
    kind: str  # AppointmentKind value

    @property
    def words(self) -> str:
        return visit_words(self.kind)


@dataclass(frozen=True, slots=True)
class HomeSummary:
    """What Home shows. Every date comes from the clinical core, from the facts the nightly
    refresh reads for the chart (alerts.snapshot.read_record), so the two cannot disagree."""

    today: date
    given_name: str
    in_treatment: bool
    plan_formulation: str  # the plan's formulation ("oral", "xr_injection", "implant") or ""
    protection: ProtectionStatus
    next_visit: NextVisit | None
    next_injection_booked: date | None
    todays_dose: OralDoseDay | None  # tablets only
    clinic: ClinicInfo
    language: str

    @property
    def naloxone_where(self) -> str:
        return self.clinic.naloxone_where(self.language)

    @property
    def todays_tablets(self) -> str:
        return tablets(self.todays_dose.mg) if self.todays_dose else ""


def read_home(actor: PatientActor, *, at: datetime, language: str = "en") -> HomeSummary:
    """Home: next visit, next injection window or today's tablet dose, and the protection status
    in the words the core's level chooses. One audited read."""
    policy = active_policy()
    on = local_day(at)
    with transaction.atomic():
        patient = own_patient(actor)
        record = read_record(patient, on, policy)
        episode = record.episode
        in_treatment = episode is not None and episode.status == EpisodeStatus.ACTIVE
        protection = protection_status(
            record.doses, on, policy, treatment_stopped=not in_treatment and bool(record.doses),
            stop_reason=record.snapshot.stop_reason,
        )  # fmt: skip
        visit = (
            Appointment.objects.filter(patient=patient, on__gte=on, status=AppointmentStatus.BOOKED)
            .order_by("on", "id").values_list("on", "kind").first()
        )  # fmt: skip
        plan = record.plan if in_treatment else None
        todays_dose = None
        if plan is not None and plan.formulation == Formulation.ORAL and episode is not None:
            todays_dose = oral_dose_on(
                plan.regimen, first_tablet_day(episode), on, episode.indications, policy
            )
        audit_read(actor, at, "portal_home")
    return HomeSummary(
        today=on,
        given_name=patient.given_name,
        in_treatment=in_treatment,
        plan_formulation=plan.formulation if plan else "",
        protection=protection,
        next_visit=NextVisit(visit[0], visit[1]) if visit else None,
        next_injection_booked=record.snapshot.next_injection_booked,
        todays_dose=todays_dose,
        clinic=clinic_info(),
        language=language,
    )


def first_tablet_day(episode: Episode) -> date:
    """The day tablet schedules count from: the episode's first tablet given, else its start."""
    first = (
        Administration.objects.filter(
            episode=episode, formulation=Formulation.ORAL, status=AdministrationStatus.GIVEN
        )
        .order_by("given_on")
        .values_list("given_on", flat=True)
        .first()
    )
    return first or episode.start_date


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


# ---- My plan ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanView:
    """The current plan in the patient's words."""

    plan: TreatmentPlan | None
    medicine: str
    schedule: str
    months: int
    supports: list[str]

    @property
    def editable(self) -> bool:
        return self.plan is not None and self.plan.patient_may_edit


def read_plan(actor: PatientActor, *, at: datetime) -> PlanView:
    with transaction.atomic():
        patient = own_patient(actor)
        plan = TreatmentPlan.current(patient)
        audit_read(actor, at, "portal_plan", f"version {plan.version}" if plan else "no plan")
    if plan is None:
        return PlanView(None, "", "", 0, [])
    return PlanView(
        plan=plan,
        medicine=str(FORMULATION_WORDS.get(plan.formulation, "")),
        schedule=regimen_words(plan.regimen),
        months=max(1, round(plan.planned_duration_days / 30)),
        supports=support_words(list(plan.psychosocial)),
    )


def edit_relapse_plan(
    actor: PatientActor, data: RelapsePreventionInput, *, based_on_version: int, at: datetime
) -> TreatmentPlan | None:
    """The patient's edit of their relapse-prevention plan (treatment/plans.py decides)."""
    return patient_edits_relapse_plan(data, based_on_version=based_on_version, actor=actor, at=at)
