"""Reminders against a real SMTP server on loopback (aiosmtpd), through Django's SMTP backend:
two workers running at once deliver exactly one message per due reminder; a refused mailbox is
failed and shown; `naltrack reminders run --forever` polls and stops cleanly on SIGTERM.

Committed transactions (transactional_db): the workers are other threads, and another process,
with their own database connections, as in a clinic."""

from __future__ import annotations

import email
import email.policy
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from email.message import EmailMessage
from email.message import Message as MimeMessage
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from naltrack.appointments.services import book_appointment
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.reminders.models import Preference, Reminder
from naltrack.reminders.transports import EmailTransport
from naltrack.reminders.worker import Outcome, run_due

from .committed import append_only_restored, committed_data  # noqa: F401  (fixtures)
from .conftest import COORDINATOR, NOW, TODAY, at
from .reminder_fakes import CLOSED_PORT, SMTP_PORT, MailSink, smtp_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_data")]

CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org",
    smtp_host="127.0.0.1", smtp_port=SMTP_PORT, email_from="visits@eastside.example.org",
)  # fmt: skip
VISIT_DAY = TODAY + timedelta(days=2)
DUE = at(VISIT_DAY - timedelta(days=1))


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = CONFIG


def patients_with_visits(n: int, *, when: datetime = NOW, on: Any = VISIT_DAY) -> list[Patient]:
    out = []
    for i in range(n):
        p = register_patient(
            PatientInput(mrn=f"MRN-{3000 + i}", given_name=f"Pat{i}", family_name="Example",
                         birth_date=datetime(1980, 1, 1).date(), sex_at_birth="male",
                         email=f"pat{i}@example.org", preferred_reminder_channel="email"),
            actor=COORDINATOR, at=when,
        )  # fmt: skip
        book_appointment(p, kind="counselling", on=on, actor=COORDINATOR, at=when)
        out.append(p)
    return out


def parsed(sink: MailSink) -> list[MimeMessage]:
    return [
        email.message_from_bytes(raw, policy=email.policy.default) for _, _, raw in sink.messages
    ]


def test_two_workers_at_once_send_exactly_one_message_per_due_reminder() -> None:
    due = 24
    patients_with_visits(due)
    assert Reminder.objects.filter(status="pending").count() == due
    outcomes: dict[str, Outcome] = {}
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            start.wait()
            outcomes[name] = run_due({"email": EmailTransport.from_config(CONFIG)},
                                     now=lambda: DUE, config=CONFIG, worker=name)  # fmt: skip
        finally:
            connection.close()

    with smtp_server() as sink:
        threads = [threading.Thread(target=worker, args=(f"worker-{i}",)) for i in (1, 2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    received = parsed(sink)
    recipients = sorted(m["To"] for m in received)
    assert len(received) == due
    assert recipients == sorted(f"pat{i}@example.org" for i in range(due))  # one each, none twice
    assert sum(o.counts.get("sent", 0) for o in outcomes.values()) == due
    assert set(Reminder.objects.values_list("status", flat=True)) == {"sent"}
    # Both workers took part (neither waited for the other to finish everything).
    assert {r.claimed_by for r in Reminder.objects.all()} == {"worker-1", "worker-2"}
    for m in received:
        body = m.get_content() if isinstance(m, EmailMessage) else ""
        assert m["From"] == "visits@eastside.example.org"
        assert m["Subject"] == "Reminder from Eastside Health"
        assert forbidden_words_in(m["Subject"] + body) == []
        assert (
            str(m["List-Unsubscribe"])
            .strip()
            .startswith("<https://eastside.example.org/r/unsubscribe/")
        )


def test_a_mailbox_the_server_refuses_is_failed_and_kept_for_staff() -> None:
    good, bad = patients_with_visits(2)
    Patient.objects.filter(pk=bad.pk).update(email="gone@example.org")
    with smtp_server() as sink:
        sink.refuse.add("gone@example.org")
        outcome = run_due(
            {"email": EmailTransport.from_config(CONFIG)}, now=lambda: DUE, config=CONFIG
        )
    assert outcome.counts == {"sent": 1, "failed": 1}
    assert [m["To"] for m in parsed(sink)] == [good.email]
    assert "550" in Preference.objects.get(patient=bad).email_problem
    assert Reminder.objects.get(patient=bad).status == "failed"


def test_a_server_that_is_down_is_retried_later() -> None:
    patients_with_visits(1)
    # Nothing listens on this port: connection refused, a retry can help.
    down = EmailTransport("127.0.0.1", CLOSED_PORT, "visits@eastside.example.org", timeout=2)
    outcome = run_due({"email": down}, now=lambda: DUE, config=CONFIG)
    assert outcome.counts == {"pending": 1}
    row = Reminder.objects.get()
    assert "could not be reached" in row.last_error and row.due_at > DUE


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_the_long_lived_worker_sends_then_stops_cleanly_on_sigterm() -> None:
    # The worker runs on the suite's day (NALTRACK_TODAY): due from that day's midnight, whatever
    # the time of day it runs at.
    (p,) = patients_with_visits(1, on=TODAY + timedelta(days=1))
    Reminder.objects.filter(patient=p).update(
        due_at=datetime.combine(TODAY, time_of_day.min, tzinfo=UTC)
    )
    env = {
        **os.environ, "NALTRACK_DEBUG": "true", "NALTRACK_DATABASE_URL": _database_url(),
        "NALTRACK_TIME_ZONE": "UTC", "NALTRACK_TODAY": TODAY.isoformat(), "NALTRACK_SMTP_HOST": "127.0.0.1",
        "NALTRACK_SMTP_PORT": str(SMTP_PORT), "NALTRACK_REMINDER_POLL_SECONDS": "1",
        "NALTRACK_CLINIC_SHORT_NAME": "Eastside Health", "NALTRACK_EMAIL_FROM": "visits@eastside.example.org",
        "DJANGO_SETTINGS_MODULE": "naltrack.settings",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }  # fmt: skip
    with smtp_server() as sink:
        worker = subprocess.Popen(
            [sys.executable, "-m", "naltrack.cli.main", "reminders", "run", "--forever", "--no-plan"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while not sink.messages and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.2)
            assert len(sink.messages) == 1
            time.sleep(1.5)  # at least one more poll: nothing is sent twice
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 0, err
    assert "reminder worker stopped: 1 sent" in out
    assert len(sink.messages) == 1
    assert Reminder.objects.get(patient=p).status == "sent"
