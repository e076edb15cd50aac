"""The reminder worker (habit 6, after healthchecks' sendalerts): claim one due row at a time,
send it, record the outcome.

Two workers never send the same reminder: a worker claims a row with a conditional UPDATE
(`filter(id=..., status=PENDING).update(status=SENDING) == 1`), on PostgreSQL after picking it with
`SELECT ... FOR UPDATE SKIP LOCKED` so that workers pass each other instead of queueing on one row;
whoever loses the update moves on. A failed try waits (backoff, schedule.backoff) and is given up
after the clinic's number of tries; a row that crashes the worker (a poison row) is pushed back the
same way, never retried in a tight loop. A row whose worker died while sending is put back after
the lease (settings: NALTRACK_REMINDER_LEASE_SECONDS)."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F

from naltrack.appointments.models import AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.consent import DisclosureRefused
from naltrack.clock import local_day
from naltrack.config import ReminderConfig

from .consents import wants
from .messages import Details, Message, UnsafeWording, render
from .models import Notice, Preference, Reminder, ReminderChannel, ReminderKind, ReminderStatus
from .preferences import WORKER, preference_of, wanted_channels
from .schedule import after_quiet_hours, backoff
from .support import release_notice
from .transports import SendError, Transport

log = logging.getLogger("naltrack.reminders")
UNSUBSCRIBE_PATH = "/r/unsubscribe/"


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def release_stale(now: datetime, config: ReminderConfig) -> int:
    """Rows left SENDING by a worker that died put back to PENDING (sent again: at least once)."""
    return Reminder.objects.filter(
        status=ReminderStatus.SENDING, claimed_at__lt=now - timedelta(seconds=config.lease_seconds)
    ).update(status=ReminderStatus.PENDING, claimed_by="", last_error="the worker stopped while sending; sending again", updated_at=now)  # fmt: skip


def claim_next(worker: str, now: datetime) -> Reminder | None:
    """Claim the earliest due reminder for `worker`, or None when nothing is due."""
    skip_locked = connection.features.has_select_for_update_skip_locked
    for _ in range(20):  # another worker won the row: take the next one
        with transaction.atomic():
            due = Reminder.objects.filter(status=ReminderStatus.PENDING, due_at__lte=now)
            if skip_locked:
                due = due.select_for_update(skip_locked=True)
            row = due.order_by("due_at", "id").only("id").first()
            if row is None:
                return None
            won = Reminder.objects.filter(id=row.id, status=ReminderStatus.PENDING).update(
                status=ReminderStatus.SENDING, claimed_by=worker, claimed_at=now,
                attempts=F("attempts") + 1, updated_at=now,
            )  # fmt: skip
        if won == 1:
            return Reminder.objects.select_related("patient", "appointment", "support_person").get(
                id=row.id
            )
    return None


def _finish(row: Reminder, worker: str, now: datetime, **changes: object) -> bool:
    """Record the outcome, only if the row is still this worker's claim."""
    done = Reminder.objects.filter(id=row.id, status=ReminderStatus.SENDING, claimed_by=worker)
    return done.update(updated_at=now, **changes) == 1


def _still_wanted(row: Reminder, pref: Preference, now: datetime) -> str:
    """Why the reminder should not go out any more ("" when it should)."""
    if row.kind == ReminderKind.SUPPORT_NOTICE:
        return _notice_still_wanted(row, now)
    if row.channel not in wanted_channels(row.patient, pref):
        return "the patient no longer wants reminders this way, or has no address for it"
    if row.about_day < local_day(now):
        return "the day has passed"
    if row.kind == ReminderKind.VISIT and (
        row.appointment is None or row.appointment.status != AppointmentStatus.BOOKED
    ):
        return "the visit is no longer booked"
    return ""


def _notice_still_wanted(row: Reminder, now: datetime) -> str:
    person = row.support_person
    if person is None or not wants(person, row.notice):
        return "no current consent covers this notice, or the person cannot be reached"
    if row.notice == Notice.VISIT and (
        row.about_day < local_day(now)
        or row.appointment is None
        or row.appointment.status != AppointmentStatus.BOOKED
    ):
        return "the visit is no longer booked or has passed"
    if row.notice == Notice.MISSED_VISIT and (
        row.appointment is None or row.appointment.status != AppointmentStatus.MISSED
    ):
        return "the visit is no longer marked missed"
    return ""


def _visit_time(row: Reminder) -> time | None:
    """The visit's time of day (clinic time zone) when the reminder is about a booked visit."""
    appt = row.appointment
    if appt is None or appt.on != row.about_day:
        return None
    return appt.time


def _message(row: Reminder, pref: Preference, config: ReminderConfig) -> tuple[str, Message, dict[str, str]]:  # fmt: skip
    """Where the reminder goes, its text and its mail headers."""
    if row.kind == ReminderKind.SUPPORT_NOTICE:
        person = row.support_person
        assert person is not None
        message = render(Details(
            kind=f"support_{row.notice}", channel=row.channel, language=pref.language,
            day=row.about_day, name=person.name, about=row.patient.given_name,
            time=_visit_time(row),
        ), config)  # fmt: skip
        return person.address(), message, {}
    to = wanted_channels(row.patient, pref)[row.channel]
    unsubscribe = f"{config.public_url}{UNSUBSCRIBE_PATH}{pref.unsubscribe_token}/"
    message = render(Details(
        kind=row.kind, channel=row.channel, language=pref.language, day=row.about_day,
        name=row.patient.given_name if row.channel == ReminderChannel.EMAIL else "",
        unsubscribe_url=unsubscribe, time=_visit_time(row),
    ), config)  # fmt: skip
    headers = {}
    if row.channel == ReminderChannel.EMAIL:
        # One-click unsubscribe (RFC 8058) for mail programs that offer it.
        headers = {"List-Unsubscribe": f"<{unsubscribe}>",
                   "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}  # fmt: skip
    return to, message, headers


def send_one(row: Reminder, transports: Mapping[str, Transport], worker: str, now: datetime,
             config: ReminderConfig) -> str:  # fmt: skip
    """Send a claimed reminder and record the outcome; returns its new status."""
    try:
        pref = preference_of(row.patient, now)
        why_not = _still_wanted(row, pref, now)
        if why_not:
            _finish(row, worker, now, status=ReminderStatus.CANCELLED, last_error=why_not)
            return ReminderStatus.CANCELLED
        local = now.astimezone(ZoneInfo(settings.TIME_ZONE))
        later = after_quiet_hours(local, pref.quiet_from, pref.quiet_until)
        if later != local:  # quiet hours: not a try, back to wait until they end
            _finish(row, worker, now, status=ReminderStatus.PENDING, due_at=later,
                    attempts=F("attempts") - 1, claimed_by="")  # fmt: skip
            return ReminderStatus.PENDING
        to, message, headers = _message(row, pref, config)
        if row.kind == ReminderKind.SUPPORT_NOTICE and row.disclosure_id is None:
            # The one consent filter, right before the notice leaves: refused, nothing is sent;
            # allowed, the Disclosure is recorded (once per notice, whatever the tries).
            disclosure = release_notice(row, now)
            Reminder.objects.filter(id=row.id).update(disclosure=disclosure)
        transports[row.channel].send(to, message, headers)
    except DisclosureRefused as err:
        _finish(row, worker, now, status=ReminderStatus.FAILED, last_error=err.message[:500])
        return ReminderStatus.FAILED
    except UnsafeWording as err:
        _finish(row, worker, now, status=ReminderStatus.FAILED, last_error=str(err)[:500])
        return ReminderStatus.FAILED
    except SendError as err:
        return _failed(row, worker, now, config, str(err), retry=err.retry,
                       address_problem=err.address_problem)  # fmt: skip
    except Exception as err:  # a poison row: pushed back like any failure, never in a tight loop
        log.error("reminder %s crashed the sender: %s", row.id, type(err).__name__)
        return _failed(row, worker, now, config, f"the sender crashed: {type(err).__name__}", retry=True)  # fmt: skip
    with transaction.atomic():
        if _finish(row, worker, now, status=ReminderStatus.SENT, sent_at=now, sent_to=to[:254], last_error=""):  # fmt: skip
            record(at=now, actor=WORKER, action=AuditAction.EXPORT, object_type="reminder",
                   object_id=str(row.id), patient_mrn=row.patient.mrn,
                   detail=f"{row.kind} reminder sent by {row.channel}")  # fmt: skip
    return ReminderStatus.SENT


def _failed(row: Reminder, worker: str, now: datetime, config: ReminderConfig, reason: str, *,
            retry: bool, address_problem: bool = False) -> str:  # fmt: skip
    attempts = row.attempts  # this try included (the claim counted it)
    if retry and attempts < config.max_attempts:
        _finish(row, worker, now, status=ReminderStatus.PENDING, claimed_by="", last_error=reason[:500],
                due_at=now + backoff(attempts, config.backoff_seconds))  # fmt: skip
        return ReminderStatus.PENDING
    status = ReminderStatus.GIVEN_UP if retry else ReminderStatus.FAILED
    if status == ReminderStatus.GIVEN_UP:
        reason = f"gave up after {attempts} tries: {reason}"
    with transaction.atomic():
        _finish(row, worker, now, status=status, last_error=reason[:500])
        if address_problem and row.kind != ReminderKind.SUPPORT_NOTICE:
            field_name = "email_problem" if row.channel == ReminderChannel.EMAIL else "sms_problem"
            Preference.objects.filter(patient=row.patient).update(**{field_name: reason[:500]})
    return status


@dataclass
class Outcome:
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def handled(self) -> int:
        return sum(self.counts.values())


def run_due(transports: Mapping[str, Transport], *, now: Callable[[], datetime],
            config: ReminderConfig | None = None, worker: str | None = None,
            stop: threading.Event | None = None, limit: int | None = None) -> Outcome:  # fmt: skip
    """Send every reminder due now, one claim at a time, until none is left (or `stop` is set,
    or `limit` rows were handled)."""
    config = config or settings.REMINDERS
    worker = worker or worker_name()
    outcome = Outcome()
    release_stale(now(), config)
    while not (stop and stop.is_set()) and (limit is None or outcome.handled < limit):
        at = now()
        row = claim_next(worker, at)
        if row is None:
            break
        status = send_one(row, transports, worker, at, config)
        outcome.counts[status] = outcome.counts.get(status, 0) + 1
    return outcome
