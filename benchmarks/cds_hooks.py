"""CDS Hooks response time (issue 13: "the service answers in well under a second"): `order-select`
with an oxycodone draft order and `patient-view`, each called `--repeat` times round the demo
clinic's patients on the injection, with a fresh ES384 JWT per call verified against a JWKS served
on loopback (the first call fetches the keys; the cache serves the rest), the consent filter and
the accounting of each card included. Prints p50, p95 and the slowest call of each hook, and how
many calls had a card. The machine is often shared: the load average is printed.

Usage: NALTRACK_DATABASE_URL=sqlite:///... python benchmarks/cds_hooks.py [--repeat N]
The database is migrated and, when it holds no patient, seeded with the demo clinic.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

os.environ.setdefault("NALTRACK_DEBUG", "true")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "naltrack.settings")
os.environ.setdefault("NALTRACK_ALLOWED_HOSTS", "testserver")
TODAY = date(2026, 11, 21)
os.environ["NALTRACK_TODAY"] = TODAY.isoformat()
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402

django.setup()
logging.getLogger("naltrack.request").setLevel(logging.WARNING)
import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from naltrack import demo  # noqa: E402
from naltrack.accounts.actors import Actor  # noqa: E402
from naltrack.accounts.roles import Role  # noqa: E402
from naltrack.alerts.models import CareStatus  # noqa: E402
from naltrack.cdshooks import auth  # noqa: E402
from naltrack.config import CdsClient  # noqa: E402
from naltrack.disclosure.services import ConsentInput, record_consent  # noqa: E402
from naltrack.fhir.resources import mrn_system  # noqa: E402
from naltrack.patients.models import Patient  # noqa: E402

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
ISS = "https://ehr.bench.example"
KEY = ec.generate_private_key(ec.SECP384R1())


def serve_jwks() -> str:
    body = json.dumps({"keys": [{**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(KEY.public_key())),
                                 "kid": "b1", "alg": "ES384"}]}).encode()  # fmt: skip

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


def token(service: str) -> str:
    now = int(time.time())
    claims = {"iss": ISS, "sub": "bench", "aud": auth.audience(service), "iat": now, "exp": now + 120,
              "jti": str(uuid.uuid4())}  # fmt: skip
    return jwt.encode(claims, KEY, algorithm="ES384", headers={"kid": "b1"})


def body(hook: str, p: Patient) -> dict[str, Any]:
    context: dict[str, Any] = {"userId": "Practitioner/bench", "patientId": "e1"}
    if hook == "order-select":
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
            "resourceType": "MedicationRequest", "id": "m1", "status": "draft", "intent": "order",
            "medicationCodeableConcept": {"text": "oxycodone 5 MG Oral Tablet", "coding": [
                {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7804"}]}}}]}  # fmt: skip
        context["selections"] = ["MedicationRequest/m1"]
    patient = {"resourceType": "Patient", "identifier": [{"system": mrn_system(), "value": p.mrn}],
               "birthDate": p.birth_date.isoformat()}  # fmt: skip
    return {
        "hook": hook,
        "hookInstance": str(uuid.uuid4()),
        "context": context,
        "prefetch": {"patient": patient},
    }


def timed(client: Client, service: str, hook: str, patients: list[Patient], repeat: int) -> tuple[list[float], int]:  # fmt: skip
    seconds, with_card = [], 0
    for i in range(repeat):
        data = json.dumps(body(hook, patients[i % len(patients)]))
        headers = {"Authorization": f"Bearer {token(service)}"}
        began = time.perf_counter()
        r = client.post(
            f"/cds-services/{service}", data=data, content_type="application/json", headers=headers
        )
        seconds.append(time.perf_counter() - began)
        if r.status_code != 200:
            raise SystemExit(f"{service} answered {r.status_code}: {r.content[:300]!r}")
        with_card += bool(r.json()["cards"])
    return seconds, with_card


def report(name: str, seconds: list[float], with_card: int) -> None:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[max(0, round(0.95 * len(ms)) - 1)]
    print(f"  {name}: {len(ms)} calls, {with_card} with a card; p50 {statistics.median(ms):.1f} ms, "
          f"p95 {p95:.1f} ms, slowest {ms[-1]:.1f} ms")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    if not Patient.objects.exists():
        demo.seed(TODAY)
    settings.CDS_CLIENTS = (CdsClient(ISS, "Bench Hospital EHR", serve_jwks()),)
    on_injection = list(
        Patient.objects.filter(care__active=True, care__formulation="xr_injection").order_by("pk")[
            :40
        ]
    )
    if not on_injection:
        on_injection = [c.patient for c in CareStatus.objects.select_related("patient")[:40]]
    coordinator = Actor(None, "bench.coordinator", Role.COORDINATOR, "127.0.0.1")
    for p in on_injection:
        record_consent(p, ConsentInput(
            scope="general", signed_by="Bench Patient", signer="patient", signed_on=TODAY - timedelta(days=1),
            recipient_classes=("treating_providers",), purposes=("TREAT",), record_kinds=("medications",),
            expires_on=TODAY + timedelta(days=90)), actor=coordinator, at=NOW)  # fmt: skip
    client = Client()
    print(f"CDS Hooks on {str(settings.DATABASES['default']['ENGINE']).rsplit('.', 1)[-1]}, "
          f"{Patient.objects.count()} patients, {len(on_injection)} on the injection called in turn; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    timed(
        client, "naltrexone-status", "patient-view", on_injection, 3
    )  # warm: the JWKS fetched once
    report(
        "patient-view",
        *timed(client, "naltrexone-status", "patient-view", on_injection, args.repeat),
    )
    report(
        "order-select",
        *timed(client, "naltrexone-order-select", "order-select", on_injection, args.repeat),
    )


if __name__ == "__main__":
    main()
