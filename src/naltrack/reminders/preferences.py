"""The patient's choices about reminders, and the stops (STOP by text, the unsubscribe link)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time

from django.db import IntegrityError, transaction

from naltrack.audit.models import AuditAction
from naltrack.audit.services import Acting, record, record_by
from naltrack.clinical.errors import InputError
from naltrack.patients.models import Patient
from naltrack.patients.models import ReminderChannel as RegisteredChannel

from .models import Preference, Reminder, ReminderChannel, ReminderStatus, SupportPerson

WORKER = "reminders"  # the audit trail's name for the reminder worker and the public links


def default_preference(patient: Patient, at: datetime, by: str) -> Preference:
    """An unsaved row with the channel staff recorded at registration."""
    chosen = patient.preferred_reminder_channel
    return Preference(
        patient=patient, email_on=chosen == RegisteredChannel.EMAIL,
        sms_on=chosen == RegisteredChannel.SMS, unsubscribe_token=secrets.token_hex(24),
        updated_at=at, updated_by=by,
    )  # fmt: skip


def preference_of(patient: Patient, at: datetime, *, by: str = WORKER) -> Preference:
    """The patient's row, made (from the registration's choice) the first time it is needed."""
    found = Preference.objects.filter(patient=patient).first()
    if found is not None:
        return found
    row = default_preference(patient, at, by)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:  # another worker made it meanwhile
        return Preference.objects.get(patient=patient)
    return row


def current_preference(patient: Patient, at: datetime) -> Preference:
    """The patient's choices as they stand (unsaved defaults when none were ever made)."""
    return Preference.objects.filter(patient=patient).first() or default_preference(
        patient, at, WORKER
    )


def wanted_channels(patient: Patient, pref: Preference) -> dict[str, str]:
    """channel -> address for each channel the patient wants, has not stopped, and has an address
    for."""
    out: dict[str, str] = {}
    if pref.email_on and pref.email_stopped_at is None and patient.email:
        out[ReminderChannel.EMAIL] = patient.email
    if pref.sms_on and pref.sms_stopped_at is None and patient.phone:
        out[ReminderChannel.SMS] = patient.phone
    return out


@dataclass(frozen=True, slots=True)
class Choices:
    email_on: bool
    sms_on: bool
    language: str = "en"
    quiet_from: time | None = None
    quiet_until: time | None = None


def set_choices(patient: Patient, choices: Choices, *, by: Acting, at: datetime) -> Preference:
    """The patient (portal) or staff on the patient's word sets channels, language and quiet
    hours. Turning a channel on again lifts its stop and clears a past address problem."""
    if choices.language not in ("en", "es"):
        raise InputError("must be en or es", "language")
    if (choices.quiet_from is None) != (choices.quiet_until is None):
        raise InputError("give both the start and the end of the quiet hours, or neither", "quiet_until")  # fmt: skip
    with transaction.atomic():
        pref = preference_of(patient, at, by=by.username)
        pref = Preference.objects.select_for_update().get(pk=pref.pk)
        if choices.email_on and (not pref.email_on or pref.email_stopped_at):
            pref.email_stopped_at, pref.email_problem = None, ""
        if choices.sms_on and (not pref.sms_on or pref.sms_stopped_at):
            pref.sms_stopped_at, pref.sms_problem = None, ""
        pref.email_on, pref.sms_on, pref.language = choices.email_on, choices.sms_on, choices.language  # fmt: skip
        pref.quiet_from, pref.quiet_until = choices.quiet_from, choices.quiet_until
        pref.updated_at, pref.updated_by = at, by.username
        pref.save()
        _cancel_unwanted(patient, pref, at, "the patient changed their reminder choices")
        record_by(by, at, AuditAction.UPDATE, "reminder_preference", pref.pk, patient_mrn=patient.mrn,
                  detail=f"email {'on' if pref.email_on else 'off'}, text {'on' if pref.sms_on else 'off'}, {pref.language}")  # fmt: skip
    return pref


def _cancel_unwanted(patient: Patient, pref: Preference, at: datetime, why: str) -> int:
    """Pending reminders on a channel the patient no longer wants end at once."""
    keep = wanted_channels(patient, pref)
    gone = [c for c in ReminderChannel.values if c not in keep]
    return Reminder.objects.filter(patient=patient, status=ReminderStatus.PENDING, channel__in=gone).update(
        status=ReminderStatus.CANCELLED, last_error=why[:500], updated_at=at
    )  # fmt: skip


STOP_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "parar", "alto"})
START_WORDS = frozenset({"start", "unstop", "yes"})


def phone_key(number: str) -> str:
    """Digits only, the last ten: "+1 (555) 010-0001" and "5550100001" are one number."""
    return re.sub(r"\D", "", number)[-10:]


def inbound_sms(from_number: str, body: str, *, at: datetime) -> str:
    """A text a patient sent to the clinic's number. STOP (and its synonyms) stops text reminders
    at once for every patient with that number; START turns them on again. Returns what was done:
    "stopped", "started" or "ignored"."""
    word = body.strip().split()[0].casefold() if body.strip() else ""
    if word not in STOP_WORDS | START_WORDS or not phone_key(from_number):
        return "ignored"
    key = phone_key(from_number)
    _support_person_sms(key, word in STOP_WORDS, at)
    patients = [p for p in Patient.objects.exclude(phone="") if phone_key(p.phone) == key]
    for patient in patients:
        with transaction.atomic():
            pref = preference_of(patient, at)
            pref = Preference.objects.select_for_update().get(pk=pref.pk)
            if word in STOP_WORDS:
                pref.sms_stopped_at = at
                pref.save(update_fields=["sms_stopped_at"])
                Reminder.objects.filter(patient=patient, channel=ReminderChannel.SMS,
                                        status=ReminderStatus.PENDING).update(
                    status=ReminderStatus.CANCELLED, last_error="the patient replied STOP", updated_at=at)  # fmt: skip
            else:
                pref.sms_stopped_at = None
                pref.save(update_fields=["sms_stopped_at"])
            record(at=at, actor=f"{WORKER}:sms", action=AuditAction.UPDATE, object_type="reminder_preference",
                   object_id=str(pref.pk), patient_mrn=patient.mrn,
                   detail="text reminders stopped by STOP" if word in STOP_WORDS else "text reminders restarted by START")  # fmt: skip
    return ("stopped" if word in STOP_WORDS else "started") if patients else "ignored"


def _support_person_sms(key: str, stop: bool, at: datetime) -> None:
    """STOP from a support person's number: no more texts to them (their consent from the
    patient stands; the patient and staff see that they stopped)."""
    people = [p for p in SupportPerson.objects.exclude(phone="") if phone_key(p.phone) == key]
    for person in people:
        with transaction.atomic():
            SupportPerson.objects.filter(pk=person.pk).update(sms_stopped_at=at if stop else None)
            if stop:
                Reminder.objects.filter(support_person=person, channel=ReminderChannel.SMS,
                                        status=ReminderStatus.PENDING).update(
                    status=ReminderStatus.CANCELLED, last_error="the support person replied STOP", updated_at=at)  # fmt: skip
            record(at=at, actor=f"{WORKER}:sms", action=AuditAction.UPDATE, object_type="support_person",
                   object_id=str(person.pk), patient_mrn=person.patient.mrn,
                   detail="texts to this support person stopped by STOP" if stop else "restarted by START")  # fmt: skip


def preference_for_token(token: str) -> Preference | None:
    if not re.fullmatch(r"[0-9a-f]{48}", token):
        return None
    return Preference.objects.select_related("patient").filter(unsubscribe_token=token).first()


def unsubscribe(token: str, *, at: datetime) -> Preference | None:
    """The unsubscribe link of an email: email reminders stop at once. None: no such link."""
    with transaction.atomic():
        pref = preference_for_token(token)
        if pref is None:
            return None
        pref = Preference.objects.select_for_update().select_related("patient").get(pk=pref.pk)
        if pref.email_stopped_at is None:
            pref.email_stopped_at = at
            pref.save(update_fields=["email_stopped_at"])
        Reminder.objects.filter(patient=pref.patient, channel=ReminderChannel.EMAIL,
                                status=ReminderStatus.PENDING).update(
            status=ReminderStatus.CANCELLED, last_error="the patient unsubscribed", updated_at=at)  # fmt: skip
        record(at=at, actor=f"{WORKER}:unsubscribe", action=AuditAction.UPDATE,
               object_type="reminder_preference", object_id=str(pref.pk),
               patient_mrn=pref.patient.mrn, detail="email reminders stopped by the unsubscribe link")  # fmt: skip
    return pref


def set_language(patient: Patient, language: str, *, by: Acting, at: datetime) -> Preference:
    """The language reminders and the calendar are written in: the portal calls this when the
    patient changes the portal's language, so that the two never differ."""
    if language not in ("en", "es"):
        raise InputError("must be en or es", "language")
    with transaction.atomic():
        pref = preference_of(patient, at, by=by.username)
        if pref.language != language:
            Preference.objects.filter(pk=pref.pk).update(language=language, updated_at=at,
                                                         updated_by=by.username)  # fmt: skip
            pref.language = language
    return pref


def read_choices(patient: Patient, *, by: Acting, at: datetime) -> Preference:
    """The patient's reminder choices as the portal shows them (an audited read)."""
    with transaction.atomic():
        pref = current_preference(patient, at)
        record_by(by, at, AuditAction.READ, "reminder_preference", pref.pk or "",
                  patient_mrn=patient.mrn)  # fmt: skip
    return pref
