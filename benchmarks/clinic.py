"""Application benchmark (issue 3): a synthetic clinic of 20,000 patients with two years of
history; p50 and p95 latency of the Today page, the chart and the worklist API, in-process through
Django's test client (the whole request: middleware, sessions, queries, templates); the nightly
alerts refresh of the whole clinic; and recording an injection on the MAR (issue 9).

Targets (issue 9): Today p95 under 150 ms and the nightly refresh under 60 s at 20,000 patients,
on SQLite and PostgreSQL. The machine these run on is often shared, so every figure is printed with
the load average of the minute (os.getloadavg) and with what does not depend on the load: the
queries one request makes and the CPU time of this process.

Usage: NALTRACK_DATABASE_URL=... python benchmarks/clinic.py [--patients N] [--requests N]
The database named by the URL is emptied and rebuilt. Synthetic patients only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta

os.environ.setdefault("NALTRACK_DEBUG", "true")
os.environ.setdefault("NALTRACK_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
TODAY = date(2026, 11, 21)
os.environ["NALTRACK_TODAY"] = TODAY.isoformat()

import django  # noqa: E402

django.setup()
import logging  # noqa: E402

# The production request log (one JSON line per request) would bury the figures: warnings only.
logging.getLogger("naltrack.request").setLevel(logging.WARNING)
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from naltrack.accounts.models import StaffProfile  # noqa: E402
from naltrack.accounts.roles import Role  # noqa: E402
from naltrack.accounts.services import Actor, create_staff, create_token  # noqa: E402
from naltrack.alerts.models import Alert, CareStatus  # noqa: E402
from naltrack.alerts.services import refresh_all  # noqa: E402
from naltrack.appointments.models import Appointment  # noqa: E402
from naltrack.clinical.regimens import InjectionTier, injection_timing  # noqa: E402
from naltrack.monitoring.models import Observation, SideEffect  # noqa: E402
from naltrack.patients.models import CareTeamMember, Episode, Patient  # noqa: E402
from naltrack.treatment.models import Administration, Order, TreatmentPlan  # noqa: E402
from naltrack.treatment.services import AdministrationInput, record_administration  # noqa: E402

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
PASSWORD = "bench-password-long-1"
# Care teams (issue 10): Today and the alert inbox list a clinician's own patients (and any with
# nobody on the care team). Each patient has one of TEAM_NURSES nurses and one of
# TEAM_PRESCRIBERS prescribers on the team, as a clinic of that size would; bench.nurse, who is
# measured, is the first nurse (one patient in TEAM_NURSES, 500 at 20,000 patients).
TEAM_NURSES, TEAM_PRESCRIBERS = 40, 20


def team_nurse(k: int) -> str:
    return "bench.nurse" if k == 0 else f"bench.nurse{k:02d}"


def care_team_staff() -> None:
    """The clinic's clinicians, as accounts (a team member without an active account does not
    count: their patients would be everyone's). Made in bulk: no one signs in as them."""
    users = User.objects.bulk_create(
        [User(username=team_nurse(k), password="!") for k in range(TEAM_NURSES)]
        + [User(username=f"bench.prescriber{k:02d}", password="!") for k in range(TEAM_PRESCRIBERS)]
    )
    StaffProfile.objects.bulk_create(
        StaffProfile(user=u, role=Role.PRESCRIBER if "prescriber" in u.username else Role.NURSE)
        for u in users
    )


def build(n: int) -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    care_team_staff()
    batch = 2000
    for lo in range(0, n, batch):
        ids = range(lo, min(lo + batch, n))
        patients = Patient.objects.bulk_create(
            Patient(mrn=f"B-{i:06d}", given_name=f"Given{i % 97}", family_name=f"Family{i % 1013}",
                    birth_date=date(1960 + i % 40, 1 + i % 12, 1 + i % 28), sex_at_birth=("female", "male")[i % 2],
                    created_at=NOW) for i in ids)  # fmt: skip
        episodes = Episode.objects.bulk_create(
            Episode(patient=p, treats_oud=True, start_date=TODAY - timedelta(days=730))
            for p in patients
        )
        TreatmentPlan.objects.bulk_create(
            TreatmentPlan(patient=p, episode=e, version=1, formulation="xr_injection", regimen="xr_injection",
                          reason="bench", created_by="bench", created_at=NOW) for p, e in zip(patients, episodes, strict=True))  # fmt: skip
        # the signed order the MAR gives (issue 12: a dose with no active order is refused)
        Order.objects.bulk_create(
            Order(patient=p, episode=e, formulation="xr_injection", regimen="xr_injection", dose_mg=380,
                  signed_by="bench", signed_at=NOW - timedelta(days=730)) for p, e in zip(patients, episodes, strict=True))  # fmt: skip
        CareTeamMember.objects.bulk_create(
            CareTeamMember(patient=p, username=name, added_by="bench", added_at=NOW)
            for p in patients
            # by pk // 40: the day of the last injection goes by pk % 40 (below), and each nurse has
            # patients on every day of the month
            for name in (team_nurse(p.pk // 40 % TEAM_NURSES), f"bench.prescriber{p.pk // 40 % TEAM_PRESCRIBERS:02d}")
        )  # fmt: skip
        admins, obs, care, alerts, appts, effects = [], [], [], [], [], []
        for p, e in zip(patients, episodes, strict=True):
            last = TODAY - timedelta(days=p.pk % 40)
            d = last
            k = 0
            while d > e.start_date:
                at = datetime.combine(d, datetime.min.time(), tzinfo=UTC)
                admins.append(Administration(patient=p, episode=e, given_at=at, given_on=d, formulation="xr_injection",
                                             product="naltrexone ER 380 mg", dose_mg=380, route="intramuscular",
                                             site=("left", "right")[k % 2], needle="1.5in", lot="L", expiry=d + timedelta(days=300),
                                             status="given", reversal_agent_discussed=True, recorded_by="bench", recorded_at=at))  # fmt: skip
                obs.append(Observation(patient=p, kind="craving", observed_on=d, data={"value": k % 8}, total=k % 8,
                                       recorded_by="bench", recorded_at=at))  # fmt: skip
                d -= timedelta(days=28)
                k += 1
            t = injection_timing(last, TODAY)
            care.append(CareStatus(patient=p, computed_on=TODAY, active=True, indications="OUD", formulation="xr_injection",
                                   last_dose_on=last, next_due_on=t.due_date, earliest_on=t.earliest_date,
                                   overdue_from=t.overdue_from, days_covered_90=80, pdc_90=0.89,
                                   risk_window="injection_overdue" if t.overdue_from <= TODAY else "",
                                   open_alerts=1 if t.overdue_from <= TODAY else 0))  # fmt: skip
            if t.overdue_from <= TODAY:
                alerts.append(Alert(patient=p, code="INJECTION_OVERDUE", severity="urgent", severity_rank=0,
                                    message="Injection overdue", action="Contact today", source="bench", raised_at=NOW))  # fmt: skip
            # one patient in 50 had an injection-site reaction; one in four of those is still open
            if p.pk % 50 == 0:
                open_ = p.pk % 200 == 0
                effects.append(SideEffect(patient=p, kind="injection_site", severity="mild", noted_on=last,
                                          follow_up_due=last + timedelta(days=7) if open_ else None,
                                          resolved_on=None if open_ else last + timedelta(days=10),
                                          recorded_by="bench", recorded_at=NOW))  # fmt: skip
            appts.append(
                Appointment(
                    patient=p, kind="injection", on=t.due_date, booked_by="bench", booked_at=NOW
                )
            )
        Administration.objects.bulk_create(admins, batch_size=5000)
        Observation.objects.bulk_create(obs, batch_size=5000)
        CareStatus.objects.bulk_create(care)
        Alert.objects.bulk_create(alerts)
        Appointment.objects.bulk_create(appts)
        SideEffect.objects.bulk_create(effects)
    if connection.vendor == "postgresql":
        # The statistics autovacuum gathers within a minute of a bulk load; without them the
        # planner guesses two rows per table and the first requests measure its guesses.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"  built {n} patients, {Administration.objects.count()} administrations, "
          f"{Observation.objects.count()} observations in {time.perf_counter() - started:.0f} s")  # fmt: skip


def load() -> str:
    """The machine's load average over the last minute: the figures beside it are wall times."""
    return f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"


def timed(client: Client, path: str, count: int, **headers: str) -> tuple[float, float, float]:
    """p50 and p95 wall time (ms) and the median CPU time of this process (ms) per request."""
    samples, cpu = [], []
    for _ in range(count):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(path, headers=headers)
        samples.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert r.status_code == 200, (path, r.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], statistics.median(cpu)


def queries(client: Client, path: str, **headers: str) -> int:
    """The queries of one request: a count the machine's load does not change."""
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path, headers=headers).status_code == 200
    return len(ctx.captured_queries)


def nightly(n: int) -> None:
    """The nightly `naltrack alerts refresh` for the whole clinic: the first run rewrites every
    care status (the benchmark's stored figures are rough), the second finds little to change."""
    for label in ("first run", "next night"):
        t0, cpu0 = time.perf_counter(), time.process_time()
        outcome = refresh_all(at=NOW)
        took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        assert outcome.failed == 0, outcome
        # The CPU time of this process too: on a machine shared with other work the wall time
        # includes waiting for a core (on SQLite the database works inside this process).
        print(f"  nightly alerts refresh ({label}): {outcome.refreshed} patients in {took:5.1f} s "
              f"({cpu:.1f} s CPU in this process; {load()})")  # fmt: skip


def mar(count: int) -> None:
    """Recording the month's injection through the MAR use case (the patient locked, the record
    read and checked, the administration, its audit row and the next visit written; the alerts
    refreshed after commit): p50 and p95 over patients whose injection is due today."""
    nurse = Actor(None, "bench.nurse", Role.NURSE, "127.0.0.1")
    due = [
        p for p in Patient.objects.order_by("pk")
        if injection_timing(TODAY - timedelta(days=p.pk % 40), TODAY).tier is InjectionTier.DUE
    ][: count + 5]  # fmt: skip
    samples, cpu = [], []
    for i, p in enumerate(due):
        last = Administration.objects.filter(patient=p).order_by("-given_on").first()
        assert last is not None
        data = AdministrationInput(
            formulation="xr_injection", given_at=NOW, site="right" if last.site == "left" else "left",
            needle="1.5in", lot="BENCH-1", expiry=TODAY + timedelta(days=300),
            reversal_agent_discussed=True, reversal_agent_on_hand=True, confirm_warnings=True,
        )  # fmt: skip
        t0, c0 = time.perf_counter(), time.process_time()
        if i == len(due) - 1:  # the last one is counted: the queries of one recording
            with CaptureQueriesContext(connection) as ctx:
                record_administration(p, data, actor=nurse, at=NOW)
        else:
            record_administration(p, data, actor=nurse, at=NOW)
        if i >= 5:  # the first few warm up
            samples.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    samples.sort()
    p50, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
    print(f"  {'MAR record':14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({len(samples)} injections, "
          f"patient row locked; {len(ctx.captured_queries)} queries, CPU {statistics.median(cpu):.0f} ms; "
          f"{load()})")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    engine = settings.CONFIG.database.engine
    print(
        f"== clinic benchmark on {engine}: {args.patients} patients, two years of monthly injections"
    )
    build(args.patients)
    for name in ("bench.nurse", "bench.prescriber00"):
        user = User.objects.get(username=name)
        user.set_password(PASSWORD)
        user.save()
    token = create_token("bench.nurse", at=NOW)
    c = Client()
    c.login(username="bench.nurse", password=PASSWORD)
    # The prescriber's whole-clinic list (?scope=clinic): every patient, as Today was before.
    prescriber = Client()
    prescriber.login(username="bench.prescriber00", password=PASSWORD)
    # Charts open to the patient's care team only (issue 10): the nurse is on this one's, so the
    # chart's figure includes the care-team check.
    mrn = (
        Patient.objects.filter(care_team__username="bench.nurse")
        .order_by("pk")
        .values_list("mrn", flat=True)[args.patients // (2 * TEAM_NURSES) - 1]
    )
    create_staff("bench.director", PASSWORD, Role.DIRECTOR)
    director = Client()
    director.login(username="bench.director", password=PASSWORD)
    # The program report reads every episode's first dose: timed, not a hot path (fewer requests).
    timed(director, "/reports/", 1)
    p50, p95, _ = timed(director, "/reports/", 10)
    print(f"  {'program report':14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (10 requests, 90 days; {load()})")  # fmt: skip
    for label, client, path, headers in (
        ("Today page", c, "/today/", {}),
        ("Today, clinic", prescriber, "/today/?scope=clinic", {}),
        ("patient chart", c, f"/patients/{mrn}/", {}),
        ("worklist API", c, "/api/worklist/today", {"Authorization": f"Bearer {token}"}),
    ):
        timed(client, path, 5, **headers)  # warm-up
        p50, p95, cpu = timed(client, path, args.requests, **headers)
        n = queries(client, path, **headers)
        print(f"  {label:14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({args.requests} requests; "
              f"{n} queries, CPU {cpu:.0f} ms each; {load()})")  # fmt: skip
    portal_home(mrn, args.requests)
    nightly(args.patients)
    mar(args.requests)
    return 0


def portal_home(mrn: str, count: int) -> None:
    """The patient portal's Home (issue 11) for the same patient: the record read as the nightly
    refresh reads it, the protection status from the core, the next visit, one audit row."""
    from naltrack.accounts.actors import Console
    from naltrack.portal.services import create_account

    create_account(Patient.objects.get(mrn=mrn), "bench.patient@example.org", PASSWORD,
                   by=Console("console:bench"), at=NOW)  # fmt: skip
    patient = Client()
    answer = patient.post(
        "/portal/sign-in/", {"username": "bench.patient@example.org", "password": PASSWORD}
    )
    assert answer.status_code == 302, answer.status_code
    timed(patient, "/portal/", 5)  # warm-up
    p50, p95, cpu = timed(patient, "/portal/", count)
    n = queries(patient, "/portal/")
    print(f"  {'portal Home':14} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   ({count} requests; "
          f"{n} queries, CPU {cpu:.0f} ms each; {load()})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
