"""Reminder use cases for the pages above: the chart's reminders section (staff) and the
re-exports the portal calls. Planning: planning.py; the worker: worker.py; choices and stops:
preferences.py; the calendar: feeds.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from naltrack.audit.services import Acting
from naltrack.patients.models import Patient

from .feeds import active_feed, feed_ics, feed_url, new_feed, revoke_feeds
from .models import CalendarFeed, Preference, Reminder, ReminderStatus
from .planning import plan_reminders
from .preferences import Choices, current_preference, phone_key, set_choices, unsubscribe
from .preferences import inbound_sms as _inbound_sms

CHART_LIMIT = 20


def choose(patient: Patient, choices: Choices, *, by: Acting, at: datetime) -> Preference:
    """The patient's new choices, then their reminders planned again: a channel turned on gets
    the reminders of the visits already booked, one turned off loses its pending ones."""
    pref = set_choices(patient, choices, by=by, at=at)
    plan_reminders(patient, at=at)
    return pref


def inbound_sms(from_number: str, body: str, *, at: datetime) -> str:
    """STOP or START by text (preferences.inbound_sms); after START the patient's reminders are
    planned again at once."""
    done = _inbound_sms(from_number, body, at=at)
    if done == "started":
        key = phone_key(from_number)
        for patient in Patient.objects.exclude(phone=""):
            if phone_key(patient.phone) == key:
                plan_reminders(patient, at=at)
    return done


@dataclass(frozen=True, slots=True)
class ChartReminders:
    """What staff see on the chart: each recent reminder with its status and last error, the
    patient's choices and stops, and any address a provider refused."""

    reminders: list[Reminder]
    preference: Preference
    calendar: CalendarFeed | None
    problems: list[str]


def chart_reminders(patient: Patient, at: datetime) -> ChartReminders:
    """Read as part of the chart (the chart's read is audited by patients.services.read_patient)."""
    rows = list(
        patient.reminders.select_related("support_person").order_by("-due_at", "-id")[:CHART_LIMIT]
    )
    pref = current_preference(patient, at)
    problems = []
    if pref.email_problem:
        problems.append(f"Email address {patient.email or '(none)'}: {pref.email_problem}")
    if pref.sms_problem:
        problems.append(f"Phone number {patient.phone or '(none)'}: {pref.sms_problem}")
    if pref.email_on and not patient.email:
        problems.append("Email reminders are on but there is no email address on file.")
    if pref.sms_on and not patient.phone:
        problems.append("Text reminders are on but there is no phone number on file.")
    failed = [r for r in rows if r.status in (ReminderStatus.FAILED, ReminderStatus.GIVEN_UP)]
    if failed:
        problems.append(f"{len(failed)} reminder(s) could not be sent: {failed[0].last_error}")
    return ChartReminders(rows, pref, active_feed(patient), problems)


__all__ = [
    "ChartReminders",
    "Choices",
    "active_feed",
    "chart_reminders",
    "choose",
    "current_preference",
    "feed_ics",
    "feed_url",
    "inbound_sms",
    "new_feed",
    "plan_reminders",
    "revoke_feeds",
    "set_choices",
    "unsubscribe",
]
