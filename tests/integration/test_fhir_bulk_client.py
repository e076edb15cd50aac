"""A real Bulk Data client against naltrack (issue 13): smart-fetch (smart-on-fhir's command-line
Bulk Data client, in its own virtualenv .venv-bulk, made by `make test`) reads the SMART
configuration, signs its client assertion with a backend-services key (its JWKS file; naltrack
fetches the public half from a loopback JWKS address), asks for a token, kicks off a system
export, polls while the server's background job writes it, downloads every NDJSON file and
deletes the export. What it downloads is what the consent filter let leave: the consenting
patient's records, and nothing of the other's."""

from __future__ import annotations

import dataclasses
import gzip
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from naltrack.config import FhirClient
from naltrack.disclosure.models import Disclosure
from naltrack.fhir import assertions
from naltrack.fhir.models import ExportJob
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import TODAY, started_on_injection
from tests.integration.signed_jwt import Keys, served_jwks
from tests.integration.test_fhir_backend import consent

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.usefixtures("fixed_today", "committed_data")]  # fmt: skip


def smart_fetch() -> str | None:
    path = os.environ.get("NALTRACK_BULK_CLIENT") or str(
        Path(sys.prefix).parent / ".venv-bulk/bin/smart-fetch"
    )
    return path if Path(path).exists() else None


@pytest.fixture
def keys(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A P-384 key: its public JWKS served on loopback, its private JWKS in a file for the client."""
    k = Keys()
    private = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(k.ec))
    private.update(kid="ec-1", alg="ES384", key_ops=["sign"])
    path = tmp_path / "private.jwks"
    path.write_text(json.dumps({"keys": [private]}))
    assert isinstance(k.ec, ec.EllipticCurvePrivateKey)
    with served_jwks(k) as url:
        yield url, path


def test_smart_fetch_exports_what_the_consents_allow(
    live_server: Any, settings: Any, keys: tuple[str, Path], tmp_path: Path
) -> None:
    program = smart_fetch()
    if program is None:
        if os.environ.get("CI") == "true":
            pytest.fail("smart-fetch's virtualenv (.venv-bulk) is missing: `make test` makes it")
        pytest.skip("smart-fetch's virtualenv (.venv-bulk) is missing: `make test` makes it")
    jwks_url, private = keys
    settings.REMINDERS = dataclasses.replace(settings.REMINDERS, public_url=live_server.url)
    settings.FHIR_CLIENTS = (FhirClient("bulk-client", "Riverside Hospital", jwks_url,
                                        ("system/*.rs",), "TREAT", "treating_providers"),)  # fmt: skip
    settings.BULK_EXPORT_DIR = tmp_path / "bulk"
    settings.BULK_IN_PROCESS = True  # the server's own background job writes the export
    assertions._jwks.clear()
    shared = started_on_injection("MRN-5401", TODAY - timedelta(days=10))
    kept = started_on_injection("MRN-5402", TODAY - timedelta(days=10))
    consent(shared, ("demographics", "observations", "assessments", "episodes"))
    out = tmp_path / "out"
    run = subprocess.run(
        [program, "bulk", str(out), "--fhir-url", f"{live_server.url}/fhir",
         "--smart-client-id", "bulk-client", "--smart-key", str(private),
         "--type", "Patient,Condition,Observation,EpisodeOfCare,MedicationRequest"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    found: dict[str, list[dict[str, Any]]] = {}
    for f in out.glob("*.ndjson.gz"):
        rows = [
            json.loads(line)
            for line in gzip.decompress(f.read_bytes()).decode().splitlines()
            if line.strip()
        ]
        found.setdefault(rows[0]["resourceType"], []).extend(rows)
    assert sorted(found) == [
        "Condition",
        "EpisodeOfCare",
        "Observation",
        "Patient",
    ]  # no consent to medications
    assert [p["identifier"][0]["value"] for p in found["Patient"]] == ["MRN-5401"]
    assert len(found["Observation"]) == 5 and len(found["Condition"]) == 1
    subjects = {r.get("subject", r.get("patient", {})).get("reference") for t in ("Condition", "Observation", "EpisodeOfCare") for r in found[t]}  # fmt: skip
    assert subjects == {f"Patient/{shared.pk}"}
    # The client deleted the export when it had the files; the disclosure stays accounted.
    (job,) = ExportJob.objects.all()
    assert job.status == "deleted" and not (tmp_path / "bulk" / str(job.pk)).exists()
    (row,) = Disclosure.objects.filter(channel="fhir_api")
    assert row.patient_id == shared.pk and row.recipient_name == "Riverside Hospital"
    assert not Disclosure.objects.filter(patient=kept).exists()
