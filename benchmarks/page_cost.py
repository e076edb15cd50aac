"""What one page costs the server (issue 10, Under load): CPU milliseconds and database queries per
request for Today, patient search, the chart and the MAR page, measured inside one process with
Django's test client and the production settings (not development mode), so that a busy shared
machine does not blur the figure the way wall-clock latency under load does.

Usage: python benchmarks/page_cost.py [--database NAME] [--requests 40] [--profile PAGE]
The database is one benchmarks/load.py seeded (the demo clinic and its load.staffNN accounts; run
load.py once first, or pass --keep to it). For each page: CPU ms per request (this process: Django,
templates, the core; median and mean), the PostgreSQL backend's CPU ms (read from /proc when the
server is on this host), wall ms, and the queries each request makes (writes among them).
--profile PAGE prints the cProfile of that page's requests (top functions by cumulative time).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PAGES = ("today", "search", "chart", "mar")


def _backend_cpu_s(pid: int) -> float | None:
    """utime + stime of a local PostgreSQL backend, in seconds (None when not readable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database", default="naltrack_load")
    ap.add_argument("--host", default="postgresql://postgres@127.0.0.1:5432")
    ap.add_argument("--requests", type=int, default=40, help="measured requests per page")
    ap.add_argument("--profile", choices=PAGES, help="print the cProfile of this page")
    ap.add_argument("--user", default="load.staff00", help="a nurse (sees all four pages)")
    args = ap.parse_args()

    os.environ.update(
        NALTRACK_DATABASE_URL=f"{args.host}/{args.database}",
        # production's static files are collected (hashed names), as `naltrack serve` does
        NALTRACK_DATA_DIR=tempfile.mkdtemp(prefix="naltrack-page-cost-"),
        NALTRACK_SECRET_KEY=secrets.token_urlsafe(48),
        NALTRACK_ALLOWED_HOSTS="testserver",
        # reminders carry the public address, which must not say "test" (a drug test): without
        # one, it would be https://testserver and settings refuse to load
        NALTRACK_PUBLIC_URL="https://clinic.example.org",
        NALTRACK_REQUIRE_SECOND_FACTOR="false",
        DJANGO_SETTINGS_MODULE="naltrack.settings",
    )
    for key in ("NALTRACK_DEBUG", "NALTRACK_TODAY"):
        os.environ.pop(key, None)
    import logging

    import django

    django.setup()
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
    logging.getLogger("naltrack.request").setLevel(logging.WARNING)  # one line per request
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from naltrack.patients.models import Patient

    user = User.objects.get(username=args.user)
    patients = list(
        Patient.objects.filter(episodes__status="active", care_team__username=args.user)
        .distinct()
        .order_by("mrn")
        .values_list("mrn", "family_name")
    )
    if not patients:
        print(f"{args.user} is on no patient's care team: seed with benchmarks/load.py first")
        return 1
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    client.force_login(user)

    def path(page: str, i: int) -> str:
        mrn, family = patients[i % len(patients)]
        return {
            "today": "/today/",
            "search": f"/patients/?q={family}",
            "chart": f"/patients/{mrn}/",
            "mar": f"/patients/{mrn}/mar/",
        }[page]

    def one(page: str, i: int) -> None:
        response = client.get(path(page, i), secure=True)
        if response.status_code != 200:
            raise SystemExit(f"{page}: HTTP {response.status_code}")

    for page in PAGES:  # warm: imports, templates, the pool's connection
        for i in range(3):
            one(page, i)

    if args.profile:
        prof = cProfile.Profile(time.process_time)  # CPU, not waits
        prof.enable()
        for i in range(args.requests):
            one(args.profile, i)
        prof.disable()
        stats = pstats.Stats(prof)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("cumulative").print_stats("naltrack/", 40)  # the application's own
        stats.sort_stats("tottime").print_stats(25)
        return 0

    print(f"{args.database}: {len(patients)} patients; {args.requests} requests per page as "
          f"{args.user}; production settings, Django test client, one process")  # fmt: skip
    print(f"{'page':8} {'cpu ms':>7} {'(mean)':>7} {'pg ms':>6} {'wall ms':>8} {'queries':>8} {'writes':>7}")  # fmt: skip
    for page in PAGES:
        cpu: list[float] = []
        wall: list[float] = []
        pg_total = 0.0
        pg_known = True
        queries: list[int] = []
        writes: list[int] = []
        for i in range(args.requests):
            with connection.cursor() as cur:
                cur.execute("SELECT pg_backend_pid()")
                pid = cur.fetchone()[0]
            pg0 = _backend_cpu_s(pid)
            with CaptureQueriesContext(connection) as q:
                c0, w0 = time.process_time(), time.perf_counter()
                one(page, i)
                c1, w1 = time.process_time(), time.perf_counter()
            pg1 = _backend_cpu_s(pid)
            if pg0 is None or pg1 is None:
                pg_known = False
            else:
                pg_total += pg1 - pg0
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
            sqls = [x["sql"].lstrip().upper() for x in q.captured_queries]
            queries.append(len(sqls))
            # (the audit chain's append on PostgreSQL is one WITH ... INSERT statement)
            writes.append(sum(s.startswith(("INSERT", "UPDATE", "DELETE"))
                              or (s.startswith("WITH") and "INSERT INTO" in s) for s in sqls))  # fmt: skip
        pg = f"{pg_total * 1000 / args.requests:6.1f}" if pg_known else f"{'-':>6}"
        print(f"{page:8} {statistics.median(cpu):7.1f} {statistics.mean(cpu):7.1f} {pg} "
              f"{statistics.median(wall):8.1f} {statistics.median(queries):8.0f} "
              f"{statistics.median(writes):7.0f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
