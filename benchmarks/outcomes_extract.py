"""Outcomes extract throughput (issue 14): rows per second of `naltrack outcomes extract`, a full
run and then an incremental run with nothing new (which rewrites only the mutable sources).

- by default on the demo clinic (`naltrack demo`: about 150 synthetic patients over every stage);
- with `--patients N` at program scale: N synthetic patients seeded fast with `bulk_create` (an
  episode each; doses given: mostly daily observed tablets for months, some monthly injections,
  some implants; urine screens and craving scores), then the wall time, rows per second and
  peak memory of the extract. Each of the three steps (seed, full, incremental) runs in a
  process of its own, started from a parent that never loads Django, so that its `ru_maxrss`
  is its own (a child's peak starts from its parent's resident size at the fork).

The machine is often shared: the load average of the minute is printed with the figures.

Usage: NALTRACK_DATABASE_URL=... python benchmarks/outcomes_extract.py [--repeat N] [--patients N]
The database is migrated and, when it holds no patient, seeded (the demo clinic, or N synthetic
patients with --patients).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

os.environ.setdefault("NALTRACK_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
TODAY = date(2026, 11, 21)
os.environ["NALTRACK_TODAY"] = TODAY.isoformat()
NOW = datetime(2026, 11, 21, 23, 0, tzinfo=UTC)
SEED = 20261121
CHUNK = 1000  # patients seeded per transaction
BY = "bench.seed"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def _django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(directory: Path, *, full: bool) -> tuple[float, int, int]:
    from naltrack.accounts.actors import Console
    from naltrack.outcomes.services import run_extract

    began = time.perf_counter()
    run = run_extract(actor=Console("console:bench"), at=NOW, full=full, directory=directory)
    seconds = time.perf_counter() - began
    written = sum(run.rows["appended"].values()) + sum(run.rows["rewritten"].values())
    return seconds, written, sum(run.rows["total"].values())


# ---------------------------------------------------------------- seeding at scale


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, clock_time(hour, 0), tzinfo=UTC)


class _Rows:
    """The many rows of one model (doses, observations) inserted by `executemany` on the model's
    own table and columns, the values prepared by its fields (`get_db_prep_save`) from a
    template instance, each row overriding only what varies: `bulk_create` compiles every value
    of every row through the ORM (about 5,000 rows/s here), several times slower."""

    def __init__(self, model: Any, **template: Any) -> None:
        from django.db import connection

        self.model, self.connection = model, connection
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        instance = model(**template)
        self.defaults = {f.attname: f.get_db_prep_save(getattr(instance, f.attname), connection)
                         for f in self.fields}  # fmt: skip
        q = connection.ops.quote_name
        self.sql = (f"INSERT INTO {q(model._meta.db_table)} "
                    f"({', '.join(q(f.column) for f in self.fields)}) "
                    f"VALUES ({', '.join(['%s'] * len(self.fields))})")  # fmt: skip
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        self._days: dict[date, Any] = {}
        self._times: dict[datetime, Any] = {}

    def day(self, d: date) -> Any:
        v = self._days.get(d)
        if v is None:
            v = self._days[d] = self.connection.ops.adapt_datefield_value(d)
        return v

    def moment(self, t: datetime) -> Any:
        v = self._times.get(t)
        if v is None:
            v = self._times[t] = self.connection.ops.adapt_datetimefield_value(t)
        return v

    def prep(self, attname: str, value: Any) -> Any:
        field = next(f for f in self.fields if f.attname == attname)
        return field.get_db_prep_save(value, self.connection)

    def add(self, **values: Any) -> None:
        d = self.defaults
        self.rows.append(tuple(values[f.attname] if f.attname in values else d[f.attname]
                               for f in self.fields))  # fmt: skip

    def flush(self) -> None:
        with self.connection.cursor() as cursor:
            for i in range(0, len(self.rows), 5000):
                cursor.executemany(self.sql, self.rows[i : i + 5000])
        self.count += len(self.rows)
        self.rows = []


def seed_synthetic(patients: int) -> dict[str, int]:
    """N synthetic patients, each with one episode inside the two years before TODAY and only
    what a clinic records inside it: every dose given and every observation falls between the
    episode's start and its discharge (or TODAY while it is open). Patients, episodes, implants
    and discontinuations by `bulk_create`; the doses and observations by `_Rows`. Returns rows
    per table."""
    import numpy as np
    from django.db import transaction

    from naltrack.clinical.policy import DEFAULT_POLICY as policy
    from naltrack.clinical.screening_facts import Analyte
    from naltrack.clinical.vocab import Formulation, StopReason
    from naltrack.monitoring.models import Observation, ObservationKind
    from naltrack.patients.models import Episode, EpisodeStatus, Patient
    from naltrack.treatment.mar import INJECTION_PRODUCT
    from naltrack.treatment.models import (
        Administration,
        AdministrationStatus,
        Discontinuation,
        Implant,
        Needle,
        Site,
    )

    rng = np.random.default_rng(SEED)
    counts = dict.fromkeys(("patients", "episodes", "administrations", "implants",
                            "observations", "discontinuations"), 0)  # fmt: skip
    stops = [StopReason.COMPLETED, StopReason.LOST_TO_FOLLOW_UP, StopReason.TRANSFER]
    analytes = [a.value for a in Analyte]
    injection_every, implant_every = policy.injection_covered_days, policy.implant_coverage_days
    mar_common = {"status": AdministrationStatus.GIVEN.value, "observed": True,
                  "policy_version": policy.version, "recorded_by": BY}  # fmt: skip
    tablets = _Rows(Administration, formulation=Formulation.ORAL.value,
                    product="naltrexone tablet", dose_mg=50, route="oral", site=Site.ORAL.value,
                    **mar_common)  # fmt: skip
    injections = _Rows(Administration, formulation=Formulation.XR_INJECTION.value,
                       product=INJECTION_PRODUCT, dose_mg=380, route="intramuscular",
                       site=Site.LEFT_GLUTEAL.value, needle=Needle.INCH_1_5.value, lot="LOT001",
                       **mar_common)  # fmt: skip
    screens = _Rows(Observation, kind=ObservationKind.URINE_SCREEN.value, recorded_by=BY)
    cravings = _Rows(Observation, kind=ObservationKind.CRAVING.value, recorded_by=BY)
    negative = {a: "negative" for a in analytes}
    screen_data = {
        False: screens.prep("data", {"results": negative}),
        True: screens.prep("data", {"results": {**negative, Analyte.FENTANYL.value: "positive"}}),
    }
    craving_data = {v: cravings.prep("data", {"value": v}) for v in range(11)}
    right = injections.prep("site", Site.RIGHT_GLUTEAL.value)
    for first in range(0, patients, CHUNK):
        n = min(CHUNK, patients - first)
        kind = rng.choice(3, size=n, p=[0.70, 0.22, 0.08])  # tablets, injection, implant
        start_ago = rng.integers(14, 730, n)  # days before TODAY the episode started
        planned = np.maximum(7, rng.exponential(130, n).astype(np.int64))  # days on treatment
        sex = rng.integers(0, 2, n)
        age = np.clip(rng.normal(38, 11, n).astype(np.int64), 18, 80)
        oud = rng.random(n) < 0.8
        aud = ~oud | (rng.random(n) < 0.3)
        with transaction.atomic():
            made = Patient.objects.bulk_create(
                Patient(mrn=f"BENCH-{first + i:07d}", given_name="Synthetic",
                        family_name=f"Patient {first + i:07d}",
                        birth_date=TODAY.replace(year=TODAY.year - int(age[i]), day=1),
                        sex_at_birth=("female", "male")[sex[i]],
                        created_at=_at(TODAY - timedelta(days=int(start_ago[i]) + 1), 9))
                for i in range(n)
            )  # fmt: skip
            episodes: list[Any] = []
            spans: list[tuple[date, date, date | None]] = []  # (start, last dose, discharge)
            for i, p in enumerate(made):
                start = TODAY - timedelta(days=int(start_ago[i]))
                last = min(start + timedelta(days=int(planned[i])), TODAY)
                # discharged three weeks after the last dose, when that is before today
                discharge = last + timedelta(days=21) if last + timedelta(days=21) < TODAY else None
                spans.append((start, last, discharge))
                episodes.append(Episode(
                    patient=p, treats_oud=bool(oud[i]), treats_aud=bool(aud[i]), start_date=start,
                    status=EpisodeStatus.ACTIVE if discharge is None else EpisodeStatus.DISCHARGED,
                    discharge_date=discharge,
                    discharge_reason="" if discharge is None else "synthetic discharge",
                ))  # fmt: skip
            episodes = Episode.objects.bulk_create(episodes)
            implants: list[Any] = []
            discontinued: list[Any] = []
            for i, (p, ep) in enumerate(zip(made, episodes, strict=True)):
                assert p.pk is not None and ep.pk is not None  # bulk_create returned the keys
                start, last, discharge = spans[i]
                first_dose = min(start + timedelta(days=int(rng.integers(0, 4))), last)
                length = (last - first_dose).days + 1
                ids = {"patient_id": p.pk, "episode_id": ep.pk}
                k = int(kind[i])
                if k == 0:  # a tablet a day, observed, about one day in ten missed
                    taken = rng.random(length) >= 0.1
                    taken[0] = True
                    use = (rng.random(length) < 0.01).tolist()
                    for d in np.flatnonzero(taken).tolist():
                        day = first_dose + timedelta(days=d)
                        at = tablets.moment(_at(day, 9))
                        tablets.add(**ids, given_at=at, given_on=tablets.day(day),
                                    first_dose=d == 0, opioid_use_reported=use[d],
                                    recorded_at=at)  # fmt: skip
                elif k == 1:  # an injection every interval, sometimes a few days late
                    d, j = 0, 0
                    while d < length:
                        day = first_dose + timedelta(days=d)
                        at = injections.moment(_at(day, 10))
                        extra = {"site": right} if j % 2 else {}
                        injections.add(**ids, **extra, given_at=at, given_on=injections.day(day),
                                       first_dose=j == 0,
                                       reversal_agent_discussed=bool(rng.random() < 0.9),
                                       recorded_at=at)  # fmt: skip
                        d += injection_every + (
                            int(rng.integers(1, 8)) if rng.random() < 0.3 else 0
                        )
                        j += 1
                else:  # an implant every coverage period
                    for d in range(0, length, implant_every):
                        implants.append(Implant(
                            **ids, inserted_on=first_dose + timedelta(days=d),
                            product="naltrexone implant", dose_mg=1800,
                            covered_days=implant_every, lot="IMP001", site="lower abdomen",
                            inserted_by=BY,
                        ))  # fmt: skip
                # a urine screen about every four weeks, a craving score about every two
                days_in = ((discharge or TODAY) - start).days + 1
                for d in range(int(rng.integers(0, 28)), days_in, 28):
                    day = start + timedelta(days=d)
                    positive = bool(rng.random() < 0.15)
                    screens.add(patient_id=p.pk, observed_on=screens.day(day),
                                data=screen_data[positive], total=float(positive),
                                band="positive" if positive else "negative",
                                recorded_at=screens.moment(_at(day, 11)))  # fmt: skip
                for d in range(int(rng.integers(0, 14)), days_in, 14):
                    day = start + timedelta(days=d)
                    value = int(rng.integers(0, 11))
                    cravings.add(patient_id=p.pk, observed_on=cravings.day(day),
                                 data=craving_data[value], total=float(value),
                                 recorded_at=cravings.moment(_at(day, 11)))  # fmt: skip
                if discharge is not None:
                    reason = stops[int(rng.integers(0, len(stops)))]
                    discontinued.append(Discontinuation(
                        episode_id=ep.pk, stopped_on=last, reason=reason.value,
                        note="synthetic", recorded_by=BY, recorded_at=_at(discharge, 12),
                    ))  # fmt: skip
            for rows in (tablets, injections, screens, cravings):
                rows.flush()
            Implant.objects.bulk_create(implants, batch_size=2000)
            Discontinuation.objects.bulk_create(discontinued, batch_size=2000)
        counts["patients"] += len(made)
        counts["episodes"] += len(episodes)
        counts["implants"] += len(implants)
        counts["discontinuations"] += len(discontinued)
    counts["administrations"] = tablets.count + injections.count
    counts["observations"] = screens.count + cravings.count
    return counts


# ---------------------------------------------------------------- the steps (one process each)


def run_step(name: str, directory: Path, patients: int) -> None:
    """In the child: one step, its figures printed as JSON on the last line."""
    _django()
    base = _rss_mb()
    if name == "seed":
        from naltrack.patients.models import Patient

        t0 = time.perf_counter()
        rows = seed_synthetic(patients) if not Patient.objects.exists() else {}
        print(json.dumps({"rows": rows, "seconds": time.perf_counter() - t0,
                          "peak_mb": _rss_mb(), "start_mb": base}))  # fmt: skip
        return
    seconds, written, total = timed(directory, full=name == "full")
    print(json.dumps({"seconds": seconds, "written": written, "total": total,
                      "peak_mb": _rss_mb(), "start_mb": base,
                      "load": os.getloadavg()[0]}))  # fmt: skip


def _child(name: str, directory: Path, patients: int = 0) -> dict[str, Any]:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--step", name, "--dir", str(directory),
         "--patients", str(patients)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"step {name} failed ({proc.returncode})")
    figures: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["wall"] = time.perf_counter() - t0
    return figures


def at_scale(patients: int) -> int:
    directory = Path(tempfile.mkdtemp(prefix="naltrack-extract-bench-"))
    try:
        print(f"== outcomes extract at scale (issue 14): {patients:,} synthetic patients, "
              f"{os.cpu_count()} CPUs")  # fmt: skip
        seed = _child("seed", directory, patients)
        if seed["rows"]:
            print(f"seeded (bulk_create; doses and observations by executemany) in {seed['seconds']:.1f} s (peak {seed['peak_mb']:.0f} "
                  "MB): " + ", ".join(f"{v:,} {k}" for k, v in seed["rows"].items()))  # fmt: skip
        else:
            print("the database already holds patients: nothing seeded, extracting what it holds")
        for label, step in (("full", "full"), ("incremental, nothing new", "incremental")):
            f = _child(step, directory)
            print(f"extract {label:26} {f['written']:9,} rows written ({f['total']:,} in the facts)"
                  f" in {f['seconds']:7.2f} s (process {f['wall']:.2f} s): "
                  f"{f['written'] / f['seconds']:9,.0f} rows/s, peak {f['peak_mb']:.0f} MB "
                  f"(+{f['peak_mb'] - f['start_mb']:.0f} over Django's start) "
                  f"(load {f['load']:.2f})")  # fmt: skip
        return 0
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def demo_clinic(repeat: int) -> int:
    _django()
    from naltrack import demo

    seeded = demo.seed(TODAY)
    print(f"demo clinic: {seeded} patients seeded" if seeded else "demo clinic: already seeded")
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        for label, full in [("full", True)] * repeat + [("incremental, nothing new", False)]:
            seconds, written, total = timed(directory, full=full)
            print(f"extract {label:26} {written:7} rows written ({total} in the facts) in "
                  f"{seconds:6.3f} s: {written / seconds:9.0f} rows/s  "
                  f"(load {os.getloadavg()[0]:.2f})")  # fmt: skip
    print(f"peak memory of this process: {_rss_mb():.0f} MB")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--patients", type=int, default=0,
                        help="seed N synthetic patients instead of the demo clinic")  # fmt: skip
    parser.add_argument("--step", choices=["seed", "full", "incremental"], help=argparse.SUPPRESS)
    parser.add_argument("--dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        run_step(args.step, args.dir, args.patients)
        return 0
    if args.patients:
        return at_scale(args.patients)
    return demo_clinic(args.repeat)


if __name__ == "__main__":
    sys.exit(main())
