"""The patient's calendar subscription: a secret URL serving an .ics of their visits, with
neutral titles ("Visit - Eastside Health"), made and revoked by the patient (portal) or by staff
on the patient's word. Only the SHA-256 of the secret is stored; a revoked or replaced link
answers 404."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from naltrack.appointments.models import AppointmentStatus, by_day_and_time
from naltrack.audit.models import AuditAction
from naltrack.audit.services import Acting, record, record_by
from naltrack.clock import local_day
from naltrack.config import ReminderConfig
from naltrack.patients.models import Patient

from .models import CalendarFeed
from .planning import next_dose_due
from .preferences import WORKER, current_preference

FEED_PATH = "/r/calendar/"
PAST_DAYS = 30  # visits of the last month stay in the calendar
# How long a timed visit's event lasts in the calendar: the book records a start, not a length.
VISIT_MINUTES = 30


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def feed_url(token: str, config: ReminderConfig | None = None) -> str:
    config = config or settings.REMINDERS
    return f"{config.public_url}{FEED_PATH}{token}.ics"


def new_feed(patient: Patient, *, by: Acting, at: datetime) -> str:
    """A new subscription link (returned once: only its hash is kept); any earlier link of the
    patient stops working."""
    token = secrets.token_hex(32)
    with transaction.atomic():
        _revoke(patient, by, at)
        feed = CalendarFeed.objects.create(patient=patient, token_sha256=_digest(token),
                                           created_at=at, created_by=by.username)  # fmt: skip
        record_by(by, at, AuditAction.CREATE, "calendar_feed", feed.pk, patient_mrn=patient.mrn,
                  detail="calendar link made; earlier links revoked")  # fmt: skip
    return token


def _revoke(patient: Patient, by: Acting, at: datetime) -> int:
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).update(
        revoked_at=at, revoked_by=by.username
    )


def revoke_feeds(patient: Patient, *, by: Acting, at: datetime) -> int:
    """Every calendar link of the patient stops working at once."""
    with transaction.atomic():
        n = _revoke(patient, by, at)
        if n:
            record_by(by, at, AuditAction.UPDATE, "calendar_feed", patient_mrn=patient.mrn,
                      detail=f"{n} calendar link(s) revoked")  # fmt: skip
    return n


def active_feed(patient: Patient) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(patient=patient, revoked_at__isnull=True).first()


def feed_ics(token: str, *, at: datetime, config: ReminderConfig | None = None) -> bytes | None:
    """The .ics behind a link, or None when the link is unknown or revoked. Each read is audited
    (a calendar program fetches it now and then)."""
    config = config or settings.REMINDERS
    if not re.fullmatch(r"[0-9a-f]{64}", token):
        return None
    with transaction.atomic():
        feed = (
            CalendarFeed.objects.select_related("patient")
            .filter(token_sha256=_digest(token), revoked_at__isnull=True)
            .first()
        )
        if feed is None:
            return None
        patient = feed.patient
        record(at=at, actor=f"{WORKER}:calendar", action=AuditAction.READ, object_type="calendar_feed",
               object_id=str(feed.pk), patient_mrn=patient.mrn, detail="calendar subscription read")  # fmt: skip
        return build_calendar(patient, at, config)


def build_calendar(patient: Patient, at: datetime, config: ReminderConfig) -> bytes:
    today = local_day(at)
    language = current_preference(patient, at).language
    host = config.public_url.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    cal = Calendar()
    cal.add("prodid", f"-//{config.clinic_short_name}//visits//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", config.clinic_short_name)
    visits = patient.appointments.filter(
        on__gte=today - timedelta(days=PAST_DAYS), status=AppointmentStatus.BOOKED
    ).order_by(*by_day_and_time())
    zone = ZoneInfo(settings.TIME_ZONE)
    with translation.override(language):
        title = _("Visit - %(clinic)s") % {"clinic": config.clinic_short_name}
        for appt in visits:
            event = Event()
            event.add("uid", f"visit-{appt.pk}@{host}")
            event.add("summary", title)
            if appt.time is None:  # a whole day: the visit is booked by the day
                event.add("dtstart", appt.on)
                event.add("dtend", appt.on + timedelta(days=1))
            else:  # at its time of day, in the clinic's time zone
                start = datetime.combine(appt.on, appt.time, tzinfo=zone)
                event.add("dtstart", start)
                event.add("dtend", start + timedelta(minutes=VISIT_MINUTES))
            event.add("dtstamp", at)
            cal.add_component(event)
        due = next_dose_due(patient, today)
        if (
            due is not None
            and due >= today
            and not any(a.on <= due for a in visits if a.on >= today)
        ):
            event = Event()
            event.add("uid", f"due-{due.isoformat()}-{patient.pk}@{host}")
            event.add(
                "summary", _("Next visit due - %(clinic)s") % {"clinic": config.clinic_short_name}
            )
            event.add("dtstart", due)
            event.add("dtend", due + timedelta(days=1))
            event.add("dtstamp", at)
            cal.add_component(event)
    cal.add_missing_timezones()  # a VTIMEZONE for the clinic's zone when a visit is timed
    data: bytes = cal.to_ical()
    return data
