"""Reminder throughput (issue 11): two `naltrack reminders run --forever` worker processes send
N due email reminders through Django's SMTP backend to a real SMTP server on loopback (aiosmtpd);
prints reminders per second and checks that the server received exactly one message per reminder.

The clock starts when both workers have said they started (Django set up, connected) and stops
when the server holds N messages; the wall time with start-up is printed too. Synthetic patients
only. The database named by NALTRACK_DATABASE_URL is emptied and rebuilt.

Usage: NALTRACK_DATABASE_URL=... python benchmarks/reminders.py [--reminders N] [--smtp-port P]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("NALTRACK_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")

import django

django.setup()
from aiosmtpd.controller import Controller  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from naltrack.appointments.models import Appointment  # noqa: E402
from naltrack.patients.models import Patient  # noqa: E402
from naltrack.reminders.models import Reminder  # noqa: E402

SRC = Path(__file__).resolve().parents[1] / "src"


class Sink:
    def __init__(self) -> None:
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)  # type: ignore[attr-defined]
        return "250 OK"


def build(n: int) -> None:
    call_command("flush", "--no-input", verbosity=0) if _migrated() else None
    call_command("migrate", verbosity=0)
    now = timezone.now()
    today = timezone.localdate(now)
    patients = Patient.objects.bulk_create(
        Patient(mrn=f"R-{i:06d}", given_name=f"Given{i}", family_name="Bench", birth_date=date(1980, 1, 1),
                sex_at_birth="female", email=f"p{i}@example.org", preferred_reminder_channel="email",
                created_at=now) for i in range(n))  # fmt: skip
    visits = Appointment.objects.bulk_create(
        Appointment(patient=p, kind="counselling", on=today + timedelta(days=1), booked_by="bench",
                    booked_at=now) for p in patients)  # fmt: skip
    Reminder.objects.bulk_create(
        Reminder(patient=p, kind="visit", channel="email", appointment=a, about_day=a.on,
                 key=f"visit:{a.pk}:{a.on}:email", due_at=now - timedelta(minutes=1), created_at=now,
                 updated_at=now) for p, a in zip(patients, visits, strict=True))  # fmt: skip


def _migrated() -> bool:
    return "reminders_reminder" in connection.introspection.table_names()


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgresql://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=300)
    parser.add_argument("--smtp-port", type=int, default=18065)
    args = parser.parse_args()
    n = args.reminders
    build(n)
    connection.close()
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=args.smtp_port)
    smtp.start()
    env = {**os.environ, "NALTRACK_DATABASE_URL": database_url(), "NALTRACK_SMTP_HOST": "127.0.0.1",
           "NALTRACK_SMTP_PORT": str(args.smtp_port), "NALTRACK_REMINDER_POLL_SECONDS": "1",
           "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}  # fmt: skip
    env.pop("NALTRACK_TODAY", None)
    launched = time.perf_counter()
    workers = [
        subprocess.Popen([sys.executable, "-m", "naltrack.cli.main", "reminders", "run", "--forever", "--no-plan"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    try:
        for w in workers:  # each prints one line once set up, before it claims anything
            assert w.stdout is not None
            w.stdout.readline()
        started = time.perf_counter()
        deadline = started + 600
        while len(sink.recipients) < n and time.perf_counter() < deadline:
            time.sleep(0.05)
        finished = time.perf_counter()
        time.sleep(1.5)  # one more poll each: nothing may be sent twice
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        outputs = [w.communicate(timeout=60) for w in workers]
        smtp.stop()
    sent = Reminder.objects.filter(status="sent").count()
    by_worker = sorted(Reminder.objects.order_by().values_list("claimed_by", flat=True).distinct())
    load = os.getloadavg()[0]
    print(
        f"reminders ({connection.vendor}): {n} due, 2 worker processes, SMTP on 127.0.0.1:{args.smtp_port}"
    )
    print(f"  {n / (finished - started):.1f} reminders/s ({finished - started:.2f} s to send all; "
          f"{finished - launched:.2f} s with the workers' start-up); load average {load:.1f}")  # fmt: skip
    print(f"  server received {len(sink.recipients)} messages, {len(set(sink.recipients))} distinct "
          f"recipients; {sent} rows sent; claimed by {len(by_worker)} workers")  # fmt: skip
    for w, (_out, err) in zip(workers, outputs, strict=True):
        if w.returncode != 0:
            print(f"  a worker failed ({w.returncode}): {err.strip()[-500:]}", file=sys.stderr)
            return 1
    if len(sink.recipients) != n or len(set(sink.recipients)) != n or sent != n:
        print("  FAILED: not exactly one message per due reminder", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
