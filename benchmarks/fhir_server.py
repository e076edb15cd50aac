"""The FHIR server at scale (issue 13: "`$export` throughput (resources/s) for the 20k-patient
clinic, search p95").

The clinic is benchmarks/clinic.py's (`build`: `--patients` synthetic patients, two years of
monthly injections and craving scores), with one DSM-5 assessment per patient added here so that
Condition has rows. A backend system is registered for SMART Backend Services (its ES384 key
published by a JWKS on loopback) and every chart is exported through the consent filter, so a
`--consented` fraction of the patients (all by default) is given a general consent, recorded with
`disclosure.services.record_consent`, covering the five record kinds exported (demographics,
observations, medications, assessments, episodes) for treating providers, for treatment.

1. `$export`: a system-level kick-off over HTTP (Django's test client, `Prefer: respond-async`)
   of Patient, Observation, MedicationAdministration, MedicationRequest, Condition and
   EpisodeOfCare; the worker run in this process as `naltrack bulk run` runs it
   (`bulk.run_waiting`). Printed: wall and CPU time, resources per type (from the manifest),
   resources/s, charts/s, the disclosures written, the output's size and the peak resident memory
   of the run (Linux: VmHWM, reset before it).
2. Search: p50, p95 and the slowest of `--requests` calls each of `Observation?patient=<id>` and
   `Patient?family=<prefix>&_count=20` with a staff bearer token (the care team's nurse: the
   chart's door and its audit), and of the same two with the backend system's access token (the
   consent filter: a disclosure per chart shown).

The machine is often shared: the load average is printed beside each figure.

Usage: NALTRACK_DATABASE_URL=sqlite:///... python benchmarks/fhir_server.py [--patients N]
           [--consented F] [--requests N] [--profile N]
The database named by the URL is emptied and rebuilt (benchmarks/clinic.py's build). Synthetic
patients only. `--profile N` prints the N most expensive functions of the export (cProfile; the
timings printed are then the profiled run's, slower).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import resource
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlencode

os.environ.setdefault("NALTRACK_DEBUG", "true")
os.environ.setdefault("NALTRACK_ALLOWED_HOSTS", "testserver")  # the test client's host
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `benchmarks` as a package

import django

django.setup()
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402

# The clinic, its day (NALTRACK_TODAY, which benchmarks.clinic sets) and its builder.
from benchmarks.clinic import NOW, TODAY, build, load  # noqa: E402
from naltrack.accounts.roles import Role  # noqa: E402
from naltrack.accounts.services import Actor, create_token  # noqa: E402
from naltrack.config import FhirClient  # noqa: E402
from naltrack.disclosure.models import Disclosure  # noqa: E402
from naltrack.disclosure.services import ConsentInput, record_consent  # noqa: E402
from naltrack.fhir import bulk, resources, smart  # noqa: E402
from naltrack.fhir.models import ExportJob  # noqa: E402
from naltrack.patients.models import Assessment, Episode, Patient  # noqa: E402

TYPES = ("Patient", "Observation", "MedicationAdministration", "MedicationRequest", "Condition",
         "EpisodeOfCare")  # fmt: skip
KINDS = ("demographics", "observations", "medications", "assessments", "episodes")
CLIENT_ID = "bench-ehr"
KEY = ec.generate_private_key(ec.SECP384R1())


def serve_jwks() -> str:
    """The backend system's public key, published on loopback for the token endpoint to fetch."""
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "b1", "alg": "ES384", "use": "sig"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/jwks.json"


def access_token(client: Client) -> str:
    """A SMART Backend Services access token (client credentials, a signed assertion). It lives
    300 s: a fresh one is asked for each phase."""
    now = int(time.time())
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": smart.token_url(), "iat": now,
              "exp": now + 240, "jti": str(uuid.uuid4())}  # fmt: skip
    form = {"grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": jwt.encode(claims, KEY, algorithm="ES384", headers={"kid": "b1"}),
            "scope": " ".join(f"system/{t}.rs" for t in TYPES)}  # fmt: skip
    r = client.post("/fhir/auth/token", urlencode(form), content_type="application/x-www-form-urlencoded")  # fmt: skip
    if r.status_code != 200:
        raise SystemExit(f"the token endpoint answered {r.status_code}: {r.content[:300]!r}")
    return str(r.json()["access_token"])


def diagnoses() -> None:
    """One assessment per patient (opioid use disorder, severity by turn): Condition's rows, which
    benchmarks/clinic.py's clinic does not have."""
    rows = [Assessment(patient_id=p, episode_id=e, assessed_on=TODAY - timedelta(days=730),
                       substance="OUD", dsm5_criteria=["tolerance", "withdrawal"],
                       dsm5_severity=("mild", "moderate", "severe")[p % 3], recorded_by="bench",
                       recorded_at=NOW - timedelta(days=730))
            for p, e in Episode.objects.values_list("patient_id", "pk")]  # fmt: skip
    Assessment.objects.bulk_create(rows, batch_size=5000)


def consents(fraction: float) -> int:
    """A general consent for every patient whose turn (pk % 100) falls in the fraction, recorded
    through the service (its checks, its audit event); how many were recorded."""
    coordinator = Actor(None, "bench.coordinator", Role.COORDINATOR, "127.0.0.1")
    terms = ConsentInput(
        scope="general", signed_by="Bench Patient", signer="patient",
        signed_on=TODAY - timedelta(days=30), recipient_classes=("treating_providers",),
        purposes=("TREAT",), record_kinds=KINDS, expires_on=TODAY + timedelta(days=365),
    )  # fmt: skip
    n = 0
    for p in Patient.objects.order_by("pk"):
        if p.pk % 100 < round(fraction * 100):
            record_consent(p, terms, actor=coordinator, at=NOW)
            n += 1
    return n


def _peak_reset() -> bool:
    """Reset this process's peak resident memory (Linux: clear_refs 5), so that the peak read
    after the export is the export's, not the build's."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _memory_mb(field: str) -> float:
    """VmHWM: (the peak) or VmRSS: (now) of this process, from /proc; elsewhere the peak since the
    process began."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def export(client: Client, out_dir: Path, profile: int) -> None:
    token = access_token(client)
    headers = {"Authorization": f"Bearer {token}", "Prefer": "respond-async",
               "Accept": "application/fhir+json"}  # fmt: skip
    r = client.get(f"/fhir/$export?_type={','.join(TYPES)}", headers=headers)
    if r.status_code != 202:
        raise SystemExit(f"the kick-off answered {r.status_code}: {r.content[:300]!r}")
    status_url = str(r["Content-Location"]).removeprefix(resources.public_url())
    disclosed = Disclosure.objects.filter(channel="fhir_api").count()
    reset = _peak_reset()
    resident = _memory_mb("VmRSS:")
    profiler = cProfile.Profile() if profile else None
    t0, c0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    ran = bulk.run_waiting("bench-worker")
    if profiler:
        profiler.disable()
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = _memory_mb("VmHWM:")
    assert ran == 1, ran
    r = client.get(status_url, headers={"Authorization": f"Bearer {access_token(client)}"})
    if r.status_code != 200:
        raise SystemExit(f"the export's status answered {r.status_code}: {r.content[:300]!r}")
    counts = {o["type"]: o["count"] for o in r.json()["output"]}
    total = sum(counts.values())
    charts = ExportJob.objects.get().patients
    disclosed = Disclosure.objects.filter(channel="fhir_api").count() - disclosed
    size = sum(f.stat().st_size for f in out_dir.rglob("*.ndjson")) / 1e6
    print(f"  $export (system level, {len(TYPES)} types): {total} resources from {charts} charts "
          f"in {took:.1f} s ({cpu:.1f} s CPU; {load()})")  # fmt: skip
    for t in TYPES:
        print(f"    {t:25} {counts.get(t, 0):>9}")
    print(f"    {total / took:,.0f} resources/s, {charts / took:,.1f} charts/s; "
          f"{disclosed} disclosures written; {size:,.1f} MB of NDJSON; peak memory "
          f"{peak:,.0f} MB resident ({f'{resident:,.0f} MB before the run' if reset else 'the whole process'})")  # fmt: skip
    if profiler:
        print(f"  profile of the export (cProfile, the {profile} largest by cumulative time):")
        pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(profile)


def timed(client: Client, paths: list[str], token: str) -> list[float]:
    """Each path once, in turn, after a warm-up of five: the wall time of each call (ms)."""
    headers = {"Authorization": f"Bearer {token}"}
    for path in paths[:5]:
        client.get(path, headers=headers)
    ms = []
    for path in paths:
        t0 = time.perf_counter()
        r = client.get(path, headers=headers)
        ms.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{path} answered {r.status_code}: {r.content[:300]!r}")
    return ms


def report(label: str, ms: list[float], note: str) -> None:
    ms = sorted(ms)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    print(f"  {label:36} p50 {statistics.median(ms):6.1f} ms   p95 {p95:6.1f} ms   "
          f"max {ms[-1]:6.1f} ms   ({len(ms)} calls; {note}; {load()})")  # fmt: skip


def searches(client: Client, requests: int, fraction: float) -> None:
    staff = create_token("bench.nurse", at=NOW)
    # The nurse's own patients (the care team opens their charts), given a consent too, so that
    # both readers search the same charts.
    mine = [p for p in Patient.objects.filter(care_team__username="bench.nurse").order_by("pk")
            .values_list("pk", flat=True) if p % 100 < round(fraction * 100)]  # fmt: skip
    if not mine:
        raise SystemExit("no consented patient on bench.nurse's care team: raise --consented")
    observations = [f"/fhir/Observation?patient={mine[i % len(mine)]}" for i in range(requests)]
    families = [f"/fhir/Patient?family=Family{i * 7 % 1013}&_count=20" for i in range(requests)]
    before = Disclosure.objects.filter(channel="fhir_api").count()
    report(
        "Observation?patient= (staff)", timed(client, observations, staff), "20 of ~26 per chart"
    )
    report("Patient?family=&_count=20 (staff)", timed(client, families, staff), "a read audited per chart shown")  # fmt: skip
    backend = access_token(client)
    report("Observation?patient= (backend)", timed(client, observations, backend), "consent filter, a disclosure each")  # fmt: skip
    backend = access_token(client)
    report("Patient?family=&_count=20 (backend)", timed(client, families, backend), "consent filter, a disclosure per chart shown")  # fmt: skip
    print(f"    {Disclosure.objects.filter(channel='fhir_api').count() - before} disclosures written by the backend searches")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=20_000)
    parser.add_argument("--consented", type=float, default=1.0, help="the fraction given a consent (0-1)")  # fmt: skip
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--profile", type=int, default=0, help="profile the export: print N rows")
    args = parser.parse_args()
    engine = settings.CONFIG.database.engine
    print(f"== FHIR benchmark on {engine}: {args.patients} patients (benchmarks/clinic.py's clinic), "
          f"{args.consented:.0%} with a consent to {', '.join(KINDS)}; {load()}")  # fmt: skip
    t0 = time.perf_counter()
    build(args.patients)
    diagnoses()
    print(f"  clinic built in {time.perf_counter() - t0:.0f} s (with the assessments)")
    t0 = time.perf_counter()
    n = consents(args.consented)
    print(f"  {n} consents recorded (record_consent) in {time.perf_counter() - t0:.0f} s")
    settings.FHIR_CLIENTS = (
        FhirClient(CLIENT_ID, "Bench Hospital EHR", serve_jwks(),
                   tuple(f"system/{t}.rs" for t in TYPES), "TREAT", "treating_providers"),
    )  # fmt: skip
    settings.BULK_IN_PROCESS = False  # the worker is run here, timed, as `naltrack bulk run` runs
    out_dir = Path(tempfile.mkdtemp(prefix="naltrack-bench-bulk-"))
    settings.BULK_EXPORT_DIR = out_dir
    client = Client()
    try:
        export(client, out_dir, args.profile)
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    searches(client, args.requests, args.consented)
    return 0


if __name__ == "__main__":
    sys.exit(main())
