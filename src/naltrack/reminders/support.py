"""Support people (issue 11): the patient names someone (name, relationship, contact, channel)
and chooses exactly what they may receive: visit reminders, a notice after a missed visit, a
notice when the next visit is overdue. The choice is a consent, recorded with its date as a
42 CFR 2.31 consent (disclosure.services.record_consent) and withdrawn at once.

Every notice goes through the project's one consent filter, disclosure.services.disclose, right
before it is sent (worker.py): the filter decides with the core's rule (clinical/consent.py) and
records the Disclosure (who, what, when, under which consent). Nothing is sent without a current
consent: a withdrawn one cancels the pending notices at once, and the filter refuses the rest."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from naltrack.accounts.actors import Actor
from naltrack.accounts.roles import Action
from naltrack.audit.models import AuditAction
from naltrack.audit.services import Acting, record_by
from naltrack.clinical.consent import Purpose, Recipient, RecordKind
from naltrack.clinical.errors import InputError, NotFoundError
from naltrack.clock import local_day
from naltrack.disclosure.models import Channel, Disclosure
from naltrack.disclosure.services import ConsentInput, disclose, record_consent, revoke_consent
from naltrack.patients.models import Patient

from .consents import current_consent
from .messages import NOTICE_PATH
from .models import (
    Notice,
    Reminder,
    ReminderChannel,
    ReminderStatus,
    SupportConsent,
    SupportPerson,
)
from .planning import plan_reminders

PHONE = re.compile(r"^\+?[0-9 ()-]{7,20}$")
# What a notice discloses: the patient's first name and a visit day (or that one was missed).
NOTICE_RECORDS = frozenset({RecordKind.DEMOGRAPHICS, RecordKind.APPOINTMENTS})
NOTICE_PURPOSE = Purpose.PATIENT_REQUEST


@dataclass(frozen=True, slots=True)
class ProgramActor(Actor):
    """The program acting on the patient's own word, allowed only the named actions: the patient
    records their own consent in the portal (RECORD_CONSENT, under the patient's name), and the
    reminder worker sends the notices the patient asked for (DISCLOSE_RECORDS) through the
    consent filter, which still decides. It holds no staff role."""

    actions: frozenset[Action] = frozenset()

    def can(self, action: Action) -> bool:
        return action in self.actions


NOTICE_SENDER = ProgramActor(None, "reminders:support-notices", None, None,
                             actions=frozenset({Action.DISCLOSE_RECORDS}))  # fmt: skip


def _on_patients_word(by: Acting) -> ProgramActor:
    return ProgramActor(None, by.username, None, by.remote_addr,
                        actions=frozenset({Action.RECORD_CONSENT}))  # fmt: skip


@dataclass(frozen=True, slots=True)
class SupportInput:
    name: str
    relationship: str
    channel: str
    notices: tuple[str, ...]
    email: str = ""
    phone: str = ""


def _validated(data: SupportInput) -> SupportInput:
    name, relationship = " ".join(data.name.split()), " ".join(data.relationship.split())
    if not name:
        raise InputError("is required", "name")
    if len(name) > 200:
        raise InputError("must be at most 200 characters", "name")
    if not relationship:
        raise InputError("is required", "relationship")
    if len(relationship) > 100:
        raise InputError("must be at most 100 characters", "relationship")
    if data.channel not in ReminderChannel.values:
        raise InputError(f"must be one of {', '.join(ReminderChannel.values)}", "channel")
    email, phone = data.email.strip(), data.phone.strip()
    if data.channel == ReminderChannel.EMAIL or email:
        try:
            validate_email(email)
        except ValidationError:
            raise InputError("is not an email address", "email") from None
    if (data.channel == ReminderChannel.SMS or phone) and not PHONE.match(phone):
        raise InputError("must be a phone number (digits, spaces, +, dashes)", "phone")
    notices = tuple(sorted(set(data.notices)))
    if not notices:
        raise InputError("choose at least one kind of notice", "notices")
    bad = [n for n in notices if n not in Notice.values]
    if bad:
        raise InputError(f"{bad[0]!r} is not one of {', '.join(Notice.values)}", "notices")
    return SupportInput(name, relationship, data.channel, notices, email, phone)


def _give(patient: Patient, person: SupportPerson, notices: tuple[str, ...], by: Acting,
          at: datetime) -> SupportConsent:  # fmt: skip
    consent = record_consent(patient, ConsentInput(
        scope="general", signed_by=f"{patient.given_name} {patient.family_name}", signer="patient",
        signed_on=local_day(at), discloser="This program, by its reminder service",
        recipient_names=(person.name,), purposes=(NOTICE_PURPOSE.value,),
        record_kinds=tuple(sorted(k.value for k in NOTICE_RECORDS)), expiry_event="end_of_treatment",
    ), actor=_on_patients_word(by), at=at)  # fmt: skip
    return SupportConsent.objects.create(support_person=person, notices=list(notices),
                                         consent=consent, given_at=at, given_by=by.username)  # fmt: skip


def add_support_person(patient: Patient, data: SupportInput, *, by: Acting, at: datetime) -> SupportPerson:  # fmt: skip
    """Name a support person and consent, today, to exactly the notices chosen."""
    data = _validated(data)
    with transaction.atomic():
        person = SupportPerson.objects.create(
            patient=patient, name=data.name, relationship=data.relationship, email=data.email,
            phone=data.phone, channel=data.channel, created_at=at, created_by=by.username,
        )  # fmt: skip
        _give(patient, person, data.notices, by, at)
        record_by(by, at, AuditAction.CREATE, "support_person", person.pk, patient_mrn=patient.mrn,
                  detail=f"{data.relationship}; notices: {', '.join(data.notices)}")  # fmt: skip
    plan_reminders(patient, at=at)  # the notices already due under the new consent
    return person


def _person(patient: Patient, person_id: int) -> SupportPerson:
    person = SupportPerson.objects.filter(
        pk=person_id, patient=patient, removed_at__isnull=True
    ).first()
    if person is None:
        raise NotFoundError("no support person of this patient has this id", "support_person")
    return person


def _withdraw(patient: Patient, person: SupportPerson, by: Acting, at: datetime, why: str) -> int:
    """End the current consent (and its 2.31 record) and cancel the pending notices at once."""
    found = current_consent(person)
    if found is not None:
        SupportConsent.objects.filter(pk=found.pk).update(withdrawn_at=at, withdrawn_by=by.username)
        if found.consent.revoked_on is None:  # staff may have recorded a written revocation
            revoke_consent(patient, found.consent_id, revoked_on=local_day(at),
                           revoked_by=f"{patient.given_name} {patient.family_name}", note=why,
                           actor=_on_patients_word(by), at=at)  # fmt: skip
    return Reminder.objects.filter(support_person=person, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.CANCELLED, last_error=why[:500], updated_at=at
    )


def change_notices(patient: Patient, person_id: int, notices: tuple[str, ...], *, by: Acting,
                   at: datetime) -> SupportConsent | None:  # fmt: skip
    """A new choice of notices: the old consent ends, a new one is given today. No notice
    chosen: the consent is withdrawn and none is given."""
    person = _person(patient, person_id)
    if notices:
        bad = [n for n in notices if n not in Notice.values]
        if bad:
            raise InputError(f"{bad[0]!r} is not one of {', '.join(Notice.values)}", "notices")
    with transaction.atomic():
        _withdraw(patient, person, by, at, "the patient changed what this person receives")
        given = _give(patient, person, tuple(sorted(set(notices))), by, at) if notices else None
        record_by(by, at, AuditAction.UPDATE, "support_person", person.pk, patient_mrn=patient.mrn,
                  detail=f"notices: {', '.join(sorted(set(notices))) or 'none (consent withdrawn)'}")  # fmt: skip
    plan_reminders(patient, at=at)
    return given


def withdraw_consent(patient: Patient, person_id: int, *, by: Acting, at: datetime,
                     note: str = "") -> int:  # fmt: skip
    """The patient withdraws consent for this person: from now on nothing is sent to them.
    `note`: the patient's reason, if they gave one (kept with the revocation). Returns how many
    pending notices were cancelled."""
    person = _person(patient, person_id)
    with transaction.atomic():
        cancelled = _withdraw(
            patient, person, by, at, note.strip() or "the patient withdrew consent"
        )
        record_by(by, at, AuditAction.UPDATE, "support_person", person.pk, patient_mrn=patient.mrn,
                  detail="consent withdrawn")  # fmt: skip
    return cancelled


def remove_support_person(patient: Patient, person_id: int, *, by: Acting, at: datetime) -> None:
    person = _person(patient, person_id)
    with transaction.atomic():
        _withdraw(patient, person, by, at, "the patient removed this support person")
        SupportPerson.objects.filter(pk=person.pk).update(removed_at=at, removed_by=by.username)
        record_by(by, at, AuditAction.UPDATE, "support_person", person.pk, patient_mrn=patient.mrn,
                  detail="removed")  # fmt: skip


@dataclass(frozen=True, slots=True)
class SupportRow:
    person: SupportPerson
    consent: SupportConsent | None


def list_support_people(patient: Patient, *, by: Acting, at: datetime) -> list[SupportRow]:
    """The patient's support people with their current consent (an audited read)."""
    with transaction.atomic():
        people = list(SupportPerson.objects.filter(patient=patient, removed_at__isnull=True))
        rows = [SupportRow(p, current_consent(p)) for p in people]
        record_by(by, at, AuditAction.READ, "support_people", patient_mrn=patient.mrn)
    return rows


def release_notice(row: Reminder, at: datetime) -> Disclosure:
    """The one consent filter for a notice: raises DisclosureRefused (nothing is sent) or records
    the Disclosure and returns it. The message carries a link to the 2.32 notice (NOTICE_PATH),
    not its text, which would tell a lock screen what the program is; the Disclosure says so."""
    person = row.support_person
    assert person is not None
    released = disclose(row.patient, Recipient(person.name), NOTICE_PURPOSE, NOTICE_RECORDS,
                        NOTICE_SENDER, at, affiliation=person.relationship,
                        channel=Channel.SUPPORT_NOTICE,
                        notice_given=f"by link {NOTICE_PATH}")  # fmt: skip
    return released.disclosure
