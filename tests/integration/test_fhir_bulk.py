"""Bulk Data $export (issue 13): a backend system kicks off an export, a worker writes it (here the
test runs the worker itself: `bulk.run_waiting`, as `naltrack bulk run` does), the status says 202
then the manifest, the NDJSON files hold only what each patient's consent lets leave, each chart
exported is one accounted disclosure, and DELETE removes the files. Every line parses with the SMART
on FHIR client's models (strict) and fhir.resources."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from naltrack.disclosure.models import Disclosure
from naltrack.fhir import bulk
from naltrack.fhir.models import ExportJob
from naltrack.patients.models import Episode
from tests.integration.conftest import NOW, TODAY, started_on_injection
from tests.integration.signed_jwt import served_jwks
from tests.integration.test_fhir_backend import KEYS, access_token, consent, get, registered  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

ALL = "system/Patient.rs system/Observation.rs system/MedicationAdministration.rs"


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    with served_jwks(KEYS) as url:
        yield url


@pytest.fixture(autouse=True)
def bulk_dir(settings: Any, tmp_path: Path) -> Path:
    settings.BULK_EXPORT_DIR = tmp_path / "bulk"
    settings.BULK_IN_PROCESS = False  # the test runs the worker
    return tmp_path / "bulk"


def call(method: str, path: str, token: str, **headers: str) -> Any:
    client = Client()
    h = {"Authorization": f"Bearer {token}", **headers}
    return client.generic(method, path, headers=h)


def kick_off(path: str, token: str) -> str:
    r = call("GET", path, token, Prefer="respond-async", Accept="application/fhir+json")
    assert r.status_code == 202, r.content
    return str(r["Content-Location"]).removeprefix("http://127.0.0.1:8000")


def lines(url: str, token: str) -> list[dict[str, Any]]:
    r = call("GET", url.removeprefix("http://127.0.0.1:8000"), token)
    assert r.status_code == 200 and r["Content-Type"] == "application/fhir+ndjson"
    out = []
    for line in b"".join(r.streaming_content).decode().splitlines():
        data = json.loads(line)
        FHIRElementFactory.instantiate(data["resourceType"], data)  # strict by default
        get_fhir_model_class(data["resourceType"]).model_validate(data)
        out.append(data)
    return out


@pytest.fixture
def clinic() -> dict[str, Any]:
    """Three charts: consent to demographics and observations; consent to demographics only; no
    consent at all. The second's episode is closed."""
    a = started_on_injection("MRN-5301", TODAY - timedelta(days=10))
    b = started_on_injection("MRN-5302", TODAY - timedelta(days=10))
    c = started_on_injection("MRN-5303", TODAY - timedelta(days=10))
    consent(a)
    consent(b, ("demographics",))
    Episode.objects.filter(patient=b).update(status="discharged", discharge_date=TODAY,
                                             discharge_reason="Completed")  # fmt: skip
    return {"a": a, "b": b, "c": c}


def test_a_system_export_holds_only_what_each_consent_lets_leave(clinic: dict[str, Any]) -> None:
    token = access_token(ALL)
    status_url = kick_off("/fhir/$export?_type=Patient,Observation,MedicationAdministration", token)
    waiting = call("GET", status_url, token)
    assert waiting.status_code == 202 and waiting["X-Progress"] == "queued"
    assert bulk.run_waiting("test-worker") == 1
    done = call("GET", status_url, token)
    assert done.status_code == 200
    manifest = done.json()
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    assert manifest["request"].endswith("/fhir/$export?_type=Patient,Observation,MedicationAdministration")  # fmt: skip
    by_type = {o["type"]: o for o in manifest["output"]}
    assert set(by_type) == {"Patient", "Observation"}  # no consent covers a medication
    patients = lines(by_type["Patient"]["url"], token)
    assert sorted(p["identifier"][0]["value"] for p in patients) == ["MRN-5301", "MRN-5302"]
    observations = lines(by_type["Observation"]["url"], token)
    assert len(observations) == by_type["Observation"]["count"] == 5
    assert {o["subject"]["reference"] for o in observations} == {f"Patient/{clinic['a'].pk}"}
    rows = Disclosure.objects.filter(channel="fhir_api").order_by("patient__mrn")
    assert [(d.patient.mrn, d.record_kinds) for d in rows] == [
        ("MRN-5301", ["demographics", "observations"]),
        ("MRN-5302", ["demographics"]),
    ]
    assert not Disclosure.objects.filter(patient=clinic["c"]).exists()
    # Dated by the clinic's clock, as the records are (the tests pin the clinic's day).
    assert {d.disclosed_at.date() for d in rows} == {TODAY}
    exported = ExportJob.objects.get().transaction_time
    assert exported is not None and exported.date() == TODAY


def test_group_export_since_and_type_filter(clinic: dict[str, Any]) -> None:
    token = access_token(ALL)
    status_url = kick_off("/fhir/Group/active-episodes/$export?_type=Patient", token)
    bulk.run_waiting("test-worker")
    (only,) = call("GET", status_url, token).json()["output"]
    assert [p["identifier"][0]["value"] for p in lines(only["url"], token)] == ["MRN-5301"]
    later = (NOW + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    status_url = kick_off(f"/fhir/$export?_type=Observation&_since={later}", token)
    bulk.run_waiting("test-worker")
    assert call("GET", status_url, token).json()["output"] == []  # nothing written since
    status_url = kick_off("/fhir/Patient/$export?_type=Observation&_typeFilter=Observation%3Fcategory%3Dlaboratory", token)  # fmt: skip
    bulk.run_waiting("test-worker")
    (labs,) = call("GET", status_url, token).json()["output"]
    assert sorted(o["code"]["text"] for o in lines(labs["url"], token)) == [
        "Liver tests (ALT, AST, bilirubin)", "Urine drug screen"]  # fmt: skip


def test_delete_removes_the_files_and_the_job_is_gone(clinic: dict[str, Any], bulk_dir: Path) -> None:  # fmt: skip
    token = access_token(ALL)
    status_url = kick_off("/fhir/$export?_type=Patient", token)
    bulk.run_waiting("test-worker")
    job = ExportJob.objects.get()
    assert (bulk_dir / str(job.pk) / "Patient.ndjson").exists()
    assert call("DELETE", status_url, token).status_code == 202
    assert not (bulk_dir / str(job.pk)).exists()
    assert call("GET", status_url, token).status_code == 404
    assert call("GET", f"{status_url}/Patient.ndjson", token).status_code == 404


def test_kick_off_refusals_name_what_is_wrong(clinic: dict[str, Any]) -> None:
    token = access_token("system/Patient.rs")
    r = call("GET", "/fhir/$export", token)  # no Prefer: respond-async
    assert r.status_code == 400 and r.json()["issue"][0]["expression"] == ["Prefer"]
    for query, field in (
        ("_type=Observation", "_type"),  # beyond the token's scopes
        ("_type=Encounter", "_type"),
        ("_since=yesterday", "_since"),
        ("_outputFormat=text/csv", "_outputFormat"),
        ("_typeFilter=Observation%3Fcategory%3Dlaboratory", "_typeFilter"),  # not in _type
        ("patient=Patient/1", "patient"),
    ):
        r = call("GET", f"/fhir/$export?{query}", token, Prefer="respond-async")
        assert r.status_code == 400 and r.json()["issue"][0]["expression"] == [field], query
    r = call("GET", "/fhir/Group/friends/$export", token, Prefer="respond-async")
    assert r.status_code == 400 and r.json()["issue"][0]["expression"] == ["group"]
    assert not ExportJob.objects.exists()


def test_another_system_s_export_and_a_staff_token_are_refused(clinic: dict[str, Any], settings: Any) -> None:  # fmt: skip
    from naltrack.accounts.roles import Role
    from naltrack.accounts.services import create_staff, create_token

    token = access_token(ALL)
    status_url = kick_off("/fhir/$export?_type=Patient", token)
    create_staff("dana.director", "a-long-demo-password-1", Role.DIRECTOR)
    staff = create_token("dana.director", at=NOW)
    r = call("GET", "/fhir/$export", staff, Prefer="respond-async")
    assert r.status_code == 403 and "SMART Backend Services" in r.json()["issue"][0]["diagnostics"]
    assert call("GET", status_url, staff).status_code == 403
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(client_id="someone-else")
    assert call("GET", status_url, token).status_code == 404


def test_a_waiting_job_is_claimed_once_and_a_stalled_one_again(clinic: dict[str, Any]) -> None:
    token = access_token(ALL)
    kick_off("/fhir/$export?_type=Patient", token)
    job = bulk.claim(None, "worker-1", NOW)
    assert job is not None and job.claimed_by == "worker-1"
    assert bulk.claim(None, "worker-2", NOW + timedelta(minutes=1)) is None  # it is running
    again = bulk.claim(None, "worker-2", NOW + timedelta(minutes=30))  # worker-1 went quiet
    assert again is not None and again.claimed_by == "worker-2"
    assert bulk.run(again).status == "done"


def test_the_safety_flag_leaves_with_consent_to_medications(clinic: dict[str, Any], settings: Any) -> None:  # fmt: skip
    """The Flag is exported as a read shows it (the core's advice on the export's day), for the
    charts whose consent covers their medications: only the third chart's here."""
    (client,) = settings.FHIR_CLIENTS
    settings.FHIR_CLIENTS = (replace(client, scopes=("system/Patient.rs", "system/Flag.rs")),)
    consent(clinic["c"], ("demographics", "medications"))
    token = access_token("system/Patient.rs system/Flag.rs")
    status_url = kick_off("/fhir/$export?_type=Patient,Flag", token)
    assert bulk.run_waiting("test-worker") == 1
    by_type = {o["type"]: o for o in call("GET", status_url, token).json()["output"]}
    (flag,) = lines(by_type["Flag"]["url"], token)
    assert by_type["Flag"]["count"] == 1
    assert flag["subject"] == {"reference": f"Patient/{clinic['c'].pk}"}
    status, read = get(f"/fhir/Flag?patient={clinic['c'].pk}", token)
    assert status == 200 and read["entry"][0]["resource"] == flag  # the export is the read
    assert (
        flag["period"]["start"] == (TODAY - timedelta(days=10)).isoformat()
    )  # blockade since the dose
    kinds = {d.patient.mrn: d.record_kinds for d in Disclosure.objects.filter(channel="fhir_api")}
    assert kinds["MRN-5303"] == ["demographics", "medications"]
