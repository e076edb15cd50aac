"""Patient use cases. Each owns its transaction and its audit event; views, API handlers and
commands call these and never save models themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction

from naltrack.accounts.models import StaffProfile
from naltrack.accounts.roles import Action, Role
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.audit.services import record_by
from naltrack.clinical.access import AccessBasis, ChartAccess, OutsideCareTeam
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.vocab import Indication
from naltrack.clock import local_day

from .access import chart_access
from .identity import Candidate, allocate_mrn, possible_duplicates
from .models import (
    CareTeamMember,
    Episode,
    EpisodeStatus,
    Patient,
    ReminderChannel,
    SexAtBirthChoice,
)

MRN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
ADDRESS_MAX = 500


@dataclass(frozen=True, slots=True)
class PatientInput:
    # "" (the registration page, and API clients that leave it out): naltrack assigns the next MRN
    # under the clinic's prefix with its check digit (identity.allocate_mrn). An MRN given here is
    # one the patient already has (from before naltrack assigned them, or another system) and is
    # kept as it is.
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex_at_birth: str
    phone: str = ""
    email: str = ""
    preferred_reminder_channel: str = ReminderChannel.NONE
    support_person_name: str = ""
    support_person_phone: str = ""
    address: str = ""
    # The care team named at registration (user names of active staff): a prescriber, and
    # optionally a nurse and a counselor. All empty: no team yet (API clients and imports may do
    # this; the registration page requires the prescriber). See docs/care-teams.md.
    prescriber: str = ""
    nurse: str = ""
    counselor: str = ""


@dataclass(frozen=True, slots=True)
class DetailsInput:
    """A patient's details as the details page edits them (details.update_details)."""

    given_name: str
    family_name: str
    birth_date: date
    sex_at_birth: str
    phone: str = ""
    email: str = ""
    address: str = ""
    preferred_reminder_channel: str = ReminderChannel.NONE
    support_person_name: str = ""
    support_person_phone: str = ""


# The registration's care-team fields and the role each names.
TEAM_FIELDS: tuple[tuple[str, Role], ...] = (
    ("prescriber", Role.PRESCRIBER),
    ("nurse", Role.NURSE),
    ("counselor", Role.COUNSELOR),
)


def _validate_team(data: PatientInput) -> list[str]:
    """The user names of the care team named at registration, each checked: an active staff
    member of the field's role. A nurse or counselor without a prescriber is refused (the
    prescriber leads treatment). No one named: an empty team, allowed."""
    named = {name: getattr(data, name).strip() for name, _ in TEAM_FIELDS}
    if not any(named.values()):
        return []
    if not named["prescriber"]:
        raise InputError(
            "is required: name the prescriber who leads this patient's care", "prescriber"
        )
    for name, role in TEAM_FIELDS:
        username = named[name]
        if not username:
            continue
        profile = (
            StaffProfile.objects.filter(user__username=username, user__is_active=True)
            .only("role")
            .first()
        )
        if profile is None:
            raise InputError(f"no active staff member has the user name {username!r}", name)
        if profile.role != role:
            raise InputError(
                f"{username} is a {profile.get_role_display().lower()}, not a {role.label.lower()}",
                name,
            )
    return [u for u in named.values() if u]


class DuplicateSuspected(ConflictError):
    """Existing charts may be this patient's (identity.possible_duplicates): nothing was written.
    Open one of them, or register again with a reason saying why this is another person."""

    def __init__(self, candidates: list[Candidate]) -> None:
        names = ", ".join(f"{c.family_name}, {c.given_name} ({c.mrn}: {c.why})" for c in candidates)
        super().__init__(f"may already have a chart: {names}", "duplicate_reason")
        self.candidates = candidates


DUPLICATE_REASON_MIN = 10  # a few words: "a different person: her mother, same name"


def _validate(data: PatientInput, today: date) -> None:
    if data.mrn and not MRN.match(data.mrn):
        raise InputError("must be 1-32 letters, digits or dashes", "mrn")
    _validate_details(data, today)


def _validate_details(data: PatientInput | DetailsInput, today: date) -> None:
    """The checks of a patient's details, the same at registration and when they are edited."""
    for name in ("given_name", "family_name"):
        if not getattr(data, name).strip():
            raise InputError("is required", name)
    if data.birth_date > today:
        raise InputError("is in the future", "birth_date")
    if (today - data.birth_date).days > 120 * 366:
        raise InputError("gives an age over 120 years", "birth_date")
    if data.sex_at_birth not in SexAtBirthChoice.values:
        raise InputError(f"must be one of {', '.join(SexAtBirthChoice.values)}", "sex_at_birth")
    if data.preferred_reminder_channel not in ReminderChannel.values:
        raise InputError(
            f"must be one of {', '.join(ReminderChannel.values)}", "preferred_reminder_channel"
        )
    for name in ("phone", "support_person_phone"):
        value = getattr(data, name)
        if value and not PHONE.match(value):
            raise InputError("is not a phone number (digits, spaces, dashes, an optional +)", name)
    if data.email:
        try:
            validate_email(data.email)
        except ValidationError:
            raise InputError("is not an email address", "email") from None
    if data.preferred_reminder_channel == ReminderChannel.EMAIL and not data.email:
        raise InputError("email reminders need an email address", "email")
    if data.preferred_reminder_channel == ReminderChannel.SMS and not data.phone:
        raise InputError("text reminders need a phone number", "phone")
    if len(data.address) > ADDRESS_MAX:
        raise InputError(f"must be at most {ADDRESS_MAX} characters", "address")
    for name in ("given_name", "family_name", "support_person_name", "address"):
        if "\x00" in getattr(data, name):
            raise InputError("must not contain a NUL character", name)


def register_patient(data: PatientInput, *, actor: Actor, at: datetime,
                     check_duplicates: bool = False, duplicate_reason: str = "") -> Patient:  # fmt: skip
    """Create a patient with the care team named (if any) in one transaction; refuse bad input,
    an unknown or wrong-role team member, or a duplicate MRN, and write nothing. With no MRN given
    naltrack assigns one (identity.allocate_mrn).

    `check_duplicates` (the registration page and the API): when existing charts may be this
    person (identity.possible_duplicates), refuse with DuplicateSuspected listing them, unless
    `duplicate_reason` says why this is someone else; registering anyway is audited with the
    reason and the charts it was told about. Off for imports, the demo and test builders, which
    register the people they mean to."""
    actor.require(Action.REGISTER_PATIENT)
    _validate(data, local_day(at))
    team = _validate_team(data)
    reason = " ".join(duplicate_reason.split())
    candidates: list[Candidate] = []
    if check_duplicates:
        candidates = possible_duplicates(data.given_name, data.family_name, data.birth_date,
                                         data.phone)  # fmt: skip
        if candidates and not reason:
            raise DuplicateSuspected(candidates)
        if candidates and len(reason) < DUPLICATE_REASON_MIN:
            raise InputError(
                f"say in a few words why this is not the same person (at least {DUPLICATE_REASON_MIN} characters)",
                "duplicate_reason",
            )
    try:
        with transaction.atomic():
            patient = Patient.objects.create(
                mrn=data.mrn or allocate_mrn(),
                given_name=data.given_name.strip(),
                family_name=data.family_name.strip(),
                birth_date=data.birth_date,
                sex_at_birth=data.sex_at_birth,
                phone=data.phone,
                email=data.email,
                preferred_reminder_channel=data.preferred_reminder_channel,
                support_person_name=data.support_person_name.strip(),
                support_person_phone=data.support_person_phone,
                address=data.address.strip(),
                created_at=at,
            )
            record_by(actor, at, AuditAction.CREATE, "patient", patient.pk, patient_mrn=patient.mrn)
            if candidates:
                record_by(actor, at, AuditAction.CREATE, "patient_despite_duplicates", patient.pk,
                          patient_mrn=patient.mrn,
                          detail=f"possible duplicates {', '.join(c.mrn for c in candidates)}: {reason}")  # fmt: skip
            for username in team:
                row = CareTeamMember.objects.create(
                    patient=patient, username=username, added_by=actor.username, added_at=at
                )
                record_by(actor, at, AuditAction.CREATE, "care_team_member", row.pk,
                          patient_mrn=patient.mrn, detail=f"{username} joins the care team")  # fmt: skip
    except IntegrityError:
        raise ConflictError("a patient with this MRN already exists", "mrn") from None
    return patient


def read_patient(mrn: str, *, actor: Actor, at: datetime, what: str = "chart",
                 covered_for: timedelta | None = None) -> Patient:  # fmt: skip
    """Open a patient's record: every read is audited. `what` is "chart" (the clinical record,
    clinical roles only) or "contact" (demographics and contact details, for scheduling).

    `covered_for`: a read repeated many times a minute (the live screening preview, once per
    keystroke) writes a new event only when this staff member has no read of this patient in that
    time; otherwise the earlier event already records the access.

    The care-team gate (clinical/access.py): a chart opens to the patient's care team, or to a
    clinician whose break-the-glass access is running; anyone else gets OutsideCareTeam (pages
    show the break-the-glass form, the API a 403) and the refused read is audited.

    The use case's one write is its audit event, appended by audit.services.record in a
    transaction of its own (on PostgreSQL a single statement), so the chain's lock is held only
    while that event is written, not while the patient and the gate are read; called inside a
    caller's transaction, the event joins it."""
    actor.require(Action.VIEW_CHART if what == "chart" else Action.VIEW_PATIENT_LIST)
    patient = Patient.objects.filter(mrn=mrn).first()
    if patient is None:
        raise NotFoundError("no patient has this MRN", "mrn")
    patient = surviving_chart(patient)
    access = chart_access(patient, actor, at) if what == "chart" else None
    if access is not None and not access.allowed:
        _refuse(patient, actor, at, access, "read")  # the refused attempt is audited
    _audit_read(patient, actor, at, what, covered_for, access)
    return patient


def surviving_chart(patient: Patient) -> Patient:
    """The chart a merged chart's records went to (naltrack.merge), or the patient itself: the MRN
    of a merged chart still finds the person."""
    seen = {patient.pk}
    while patient.merged_into_id is not None and patient.merged_into_id not in seen:
        seen.add(patient.merged_into_id)
        patient = Patient.objects.get(pk=patient.merged_into_id)
    return patient


def surviving_mrn(mrn: str) -> str | None:
    """The MRN of the chart that a merged chart `mrn` went into; None for any other MRN (a chart
    of its own, or none). Reads the MRNs only, no record, so it is not a chart read."""
    merged = Patient.objects.filter(mrn=mrn, merged_into__isnull=False).first()
    return surviving_chart(merged).mrn if merged else None


def open_chart_of(model: type[models.Model], pk: object, *, actor: Actor, at: datetime,
                  missing: str, field: str, of: Patient | None = None) -> Patient:  # fmt: skip
    """The one door for a use case that changes a record it names by id (sign a screening, stop a
    medication, follow up a side effect, remove an implant, acknowledge or resolve an alert), in
    the pages and the API alike: the record's patient, through the same care-team gate as
    `read_patient` (clinical/access.py decides). A use case calls it after its role check and the
    checks of its input's form, before its own transaction.

    An unknown id, or one of another patient than `of` (the patient a page shows), is
    NotFoundError(missing, field). Outside the care team with no break-the-glass access running,
    the attempt is audited and OutsideCareTeam raised (403 in the API and on pages): nothing is
    read or written. Under a break-the-glass access, the access is audited as a chart read under
    break-the-glass is, naming the record; the use case then audits its write as always."""
    owner = (
        model._default_manager.filter(pk=pk, **({"patient": of} if of else {}))
        .values_list("patient_id", flat=True)
        .first()
    )
    if owner is None:
        raise NotFoundError(missing, field)
    patient = Patient.objects.get(pk=owner)
    doing = f"{model._meta.model_name} {pk}"
    access = chart_access(patient, actor, at)
    if not access.allowed:
        _refuse(patient, actor, at, access, f"write to {doing}")
    if access.basis is AccessBasis.BREAK_GLASS:
        with transaction.atomic():
            record_by(actor, at, AuditAction.READ, "patient_chart", patient.pk,
                      patient_mrn=patient.mrn, detail=f"break the glass, to change {doing}: {access.reason}")  # fmt: skip
    return patient


def _refuse(patient: Patient, actor: Actor, at: datetime, access: ChartAccess, doing: str) -> NoReturn:  # fmt: skip
    """Audit a refused attempt on a chart in its own transaction (nothing was read or written, and
    the refusal must outlive the use case's rollback), then refuse it."""
    with transaction.atomic():
        record_by(actor, at, AuditAction.READ, "patient_chart_refused", patient.pk,
                  patient_mrn=patient.mrn,
                  detail=f"{doing}: not on the care team; no break-the-glass access")  # fmt: skip
    raise OutsideCareTeam(patient.mrn, access)


def _audit_read(patient: Patient, actor: Actor, at: datetime, what: str,
                covered_for: timedelta | None, access: ChartAccess | None) -> None:  # fmt: skip
    recent = (
        covered_for is not None
        and AuditEvent.objects.filter(
            actor=actor.username, patient_mrn=patient.mrn, action=AuditAction.READ,
            at__gte=at - covered_for,
        ).exists()
    )  # fmt: skip
    if recent:
        return
    # A read under break-the-glass says so in the trail, with the access it used.
    glass = access is not None and access.basis is AccessBasis.BREAK_GLASS
    record_by(actor, at, AuditAction.READ, f"patient_{what}", patient.pk, patient_mrn=patient.mrn,
              detail=f"break the glass: {access.reason}" if glass and access else "")  # fmt: skip


def open_episode(
    patient: Patient,
    indications: frozenset[Indication],
    start_date: date,
    *,
    actor: Actor,
    at: datetime,
) -> Episode:
    """Start an episode of care; a patient has at most one active episode."""
    actor.require(Action.REGISTER_PATIENT)
    if not indications:
        raise InputError("at least one of OUD and AUD is required", "indications")
    if start_date > local_day(at):
        raise InputError("is in the future", "start_date")
    try:
        with transaction.atomic():
            lock_patient(patient)
            episode = Episode.objects.create(
                patient=patient,
                treats_oud=Indication.OUD in indications,
                treats_aud=Indication.AUD in indications,
                start_date=start_date,
                status=EpisodeStatus.ACTIVE,
            )
            record_by(actor, at, AuditAction.CREATE, "episode", episode.pk, patient_mrn=patient.mrn)
    except IntegrityError:
        raise ConflictError("the patient already has an active episode", "patient") from None
    return episode


def enrol_patient(
    data: PatientInput,
    indications: frozenset[Indication],
    start_date: date,
    *,
    actor: Actor,
    at: datetime,
    check_duplicates: bool = False,
    duplicate_reason: str = "",
) -> Patient:
    """Register a patient and open their first episode in one transaction: a bad episode leaves no
    patient behind."""
    with transaction.atomic():
        patient = register_patient(data, actor=actor, at=at, check_duplicates=check_duplicates,
                                   duplicate_reason=duplicate_reason)  # fmt: skip
        open_episode(patient, indications, start_date, actor=actor, at=at)
    return patient


def active_episode(patient: Patient) -> Episode:
    episode = patient.episodes.filter(status=EpisodeStatus.ACTIVE).first()
    if episode is None:
        raise InputError("the patient has no active episode of care", "patient")
    return episode


def lock_patient(patient: Patient) -> Patient:
    """Lock the patient's row for the rest of the current transaction, so that a use case reads,
    checks and writes one patient's record without another writer in between (two nurses cannot
    both record the month's injection). Call it first inside `transaction.atomic()`. PostgreSQL
    takes a row lock (SELECT ... FOR UPDATE); SQLite's write transactions are IMMEDIATE (settings),
    which serialises writers for the whole database."""
    return Patient.objects.select_for_update().get(pk=patient.pk)


def lock_owner(model: type[models.Model], pk: object) -> None:
    """Lock the patient whose row `pk` of `model` (a table with a `patient` column) a use case is
    about to lock and change: the patient first, then the row, one lock order in every use case
    (two orders could deadlock on PostgreSQL). No such row: nothing to lock."""
    owner = model._default_manager.filter(pk=pk).values_list("patient_id", flat=True).first()
    if owner is not None:
        lock_patient(Patient(pk=owner))
