"""CDS Hooks 2.0 (issue 13): discovery; the EHR's signed JWT (ES384 and RS384 from a JWKS served on
loopback; every refusal: no token, HS256, an unknown iss or key, the wrong aud, expired, too long,
a jti used twice); the patient found only by this clinic's MRN and birth date; the cards the
core decides for a patient on the injection (patient-view, an opioid order, a naltrexone order
for a patient not yet started); the consent filter (no consent: no card and an audited refusal;
a consent: the card, its notice and an accounted disclosure); feedback stored all or nothing.
Every document is also validated by healthchain's CDS Hooks models in their own virtualenv."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings as django_settings
from django.test import Client

from naltrack.audit.models import AuditEvent
from naltrack.cdshooks import auth
from naltrack.cdshooks.models import Feedback
from naltrack.config import CdsClient
from naltrack.disclosure.models import Disclosure
from naltrack.disclosure.services import ConsentInput, record_consent
from naltrack.fhir import assertions
from naltrack.fhir.resources import mrn_system
from naltrack.patients.models import Patient
from tests.integration.conftest import COORDINATOR, NOW, TODAY, make_patient, started_on_injection
from tests.integration.signed_jwt import Keys, served_jwks, serving

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

ISS = "https://ehr.example.org"
EHR = "Riverside Hospital EHR"
OXYCODONE = {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "7804",
             "display": "oxycodone"}  # fmt: skip
NALTREXONE_TABLET = {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "1483744",
                     "display": "naltrexone hydrochloride 50 MG Oral Tablet"}  # fmt: skip
DOCS: dict[str, list[Any]] = {"requests": [], "responses": []}  # for healthchain, at the end


KEYS = Keys()


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    with served_jwks(KEYS) as url:
        yield url


@pytest.fixture(autouse=True)
def registered(settings: Any, jwks_url: str) -> None:
    settings.CDS_CLIENTS = (CdsClient(ISS, EHR, jwks_url),)
    assertions._jwks.clear()


def token(service: str, **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": ISS, "sub": "ehr-client-1", "aud": auth.audience(service),
                              "iat": now, "exp": now + 240, "jti": str(uuid.uuid4())}  # fmt: skip
    alg = changes.pop("alg", "ES384")
    kid = changes.pop("kid", "ec-1" if alg == "ES384" else "rsa-1")
    claims.update(changes)
    claims = {k: v for k, v in claims.items() if v is not None}
    return KEYS.sign(claims, alg, kid)


def fhir_patient(p: Patient, **changes: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "ehr-77",
            "identifier": [{"system": "urn:oid:1.2.3.4", "value": "E-77"},
                           {"system": mrn_system(), "value": p.mrn}],
            "birthDate": p.birth_date.isoformat()} | changes  # fmt: skip


def request(hook: str, p: Patient, orders: tuple[dict[str, Any], ...] = (), **changes: Any) -> dict[str, Any]:  # fmt: skip
    context: dict[str, Any] = {"userId": "Practitioner/dr-1", "patientId": "ehr-77"}
    if hook != "patient-view":
        entries = [{"resource": {"resourceType": "MedicationRequest", "id": f"mr-{i}", "status": "draft",
                                 "intent": "order", "subject": {"reference": "Patient/ehr-77"},
                                 "medicationCodeableConcept": {"coding": [c], "text": c["display"]}}}
                   for i, c in enumerate(orders)]  # fmt: skip
        context["draftOrders"] = {"resourceType": "Bundle", "type": "collection", "entry": entries}
        if hook == "order-select":
            context["selections"] = [f"MedicationRequest/mr-{i}" for i in range(len(orders))]
    body = {"hook": hook, "hookInstance": str(uuid.uuid4()), "context": context,
            "prefetch": {"patient": fhir_patient(p)}} | changes  # fmt: skip
    return body


def call(service: str, body: object, bearer: str | None = "fresh") -> tuple[int, Any]:
    headers = {} if bearer is None else {"Authorization": f"Bearer {token(service) if bearer == 'fresh' else bearer}"}  # fmt: skip
    r = Client().post(f"/cds-services/{service}", data=json.dumps(body), content_type="application/json",
                      headers=headers)  # fmt: skip
    return r.status_code, r.json()


def consent(p: Patient) -> None:
    record_consent(p, ConsentInput(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=5),
        recipient_classes=("treating_providers",), purposes=("TREAT",), record_kinds=("medications",),
        expires_on=TODAY + timedelta(days=300)), actor=COORDINATOR, at=NOW)  # fmt: skip


@pytest.fixture
def on_injection() -> Patient:
    """Given the injection 10 days ago: naltrexone blocks opioids, with a consent to treating
    providers for the medication records."""
    p = started_on_injection("MRN-0900", TODAY - timedelta(days=10))
    consent(p)
    return p


def kept(status: int, answer: Any, body: dict[str, Any]) -> Any:
    assert status == 200, answer
    DOCS["requests"].append(body)
    DOCS["responses"].append(answer)
    return answer


# --- discovery and trust --------------------------------------------------------------------------


def test_discovery_lists_the_three_services_with_their_prefetch() -> None:
    r = Client().get("/cds-services")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    services = {s["id"]: s for s in r.json()["services"]}
    assert {s["hook"] for s in services.values()} == {"patient-view", "order-select", "order-sign"}
    assert all(
        s["prefetch"] == {"patient": "Patient/{{context.patientId}}"} for s in services.values()
    )
    DOCS["discovery"] = [r.json()]
    assert Client().post("/cds-services").status_code == 405


@pytest.mark.parametrize(
    ("bearer", "why"),
    [
        (None, "Authorization: Bearer"),
        ("not-a-jwt", "not a JWT"),
        (
            jwt.encode({"iss": ISS}, "a-shared-secret-of-enough-length!", algorithm="HS384"),
            "alg must be",
        ),
        ("iss", "not a registered CDS client"),
        ("kid", "no key of the client's JWKS"),
        ("aud", "aud must be"),
        ("expired", "expired"),
        ("long", "within 5 minutes"),
        ("no-jti", "lacks the jti claim"),
        ("signed-by-another", "does not verify"),
    ],
)
def test_an_untrusted_call_is_refused_before_anything_is_read(
    on_injection: Patient, bearer: str | None, why: str
) -> None:
    service, now = "naltrexone-status", int(time.time())
    made = {
        "iss": lambda: token(service, iss="https://other.example.org"),
        "kid": lambda: token(service, kid="unknown"),
        "aud": lambda: token(service, aud=auth.audience("naltrexone-order-sign")),
        "expired": lambda: token(service, iat=now - 600, exp=now - 300),
        "long": lambda: token(service, exp=now + 3600),
        "no-jti": lambda: token(service, jti=None),
        "signed-by-another": lambda: jwt.encode(
            {"iss": ISS, "sub": "x", "aud": auth.audience(service), "iat": now, "exp": now + 60, "jti": "j"},
            ec.generate_private_key(ec.SECP384R1()), algorithm="ES384", headers={"kid": "ec-1"}),
    }  # fmt: skip
    value = made[bearer]() if bearer in made else bearer
    status, answer = call(service, request("patient-view", on_injection), bearer=value)
    assert status == 401 and why in answer["error"]
    assert not Disclosure.objects.exists()


def test_untrusted_calls_lock_the_address_as_bad_staff_tokens_do(on_injection: Patient) -> None:
    body = json.dumps(request("patient-view", on_injection))
    prober = Client(REMOTE_ADDR="203.0.113.7")
    statuses = [prober.post("/cds-services/naltrexone-status", data=body, content_type="application/json",
                            headers={"Authorization": f"Bearer not-a-jwt-{i}"}).status_code
                for i in range(40)]  # fmt: skip
    assert statuses[0] == 401 and statuses[-1] == 429
    failed = AuditEvent.objects.filter(object_type="cds_jwt", action="login_failed").first()
    assert (
        failed is not None
        and failed.detail == "CDS Hooks naltrexone-status: the bearer token is not a JWT"
    )
    good = {"Authorization": f"Bearer {token('naltrexone-status')}"}
    locked = prober.post(
        "/cds-services/naltrexone-status", data=body, content_type="application/json", headers=good
    )
    assert (
        locked.status_code == 429 and not Disclosure.objects.exists()
    )  # refused before the JWT is read
    assert call("naltrexone-status", json.loads(body))[0] == 200  # from elsewhere


def test_a_jwt_is_used_once_and_both_algorithms_are_accepted(on_injection: Patient) -> None:
    once = token("naltrexone-status", alg="RS384")
    assert call("naltrexone-status", request("patient-view", on_injection), bearer=once)[0] == 200
    status, answer = call("naltrexone-status", request("patient-view", on_injection), bearer=once)
    assert status == 401 and "already used" in answer["error"]


# --- the patient ----------------------------------------------------------------------------------


def test_only_this_clinics_mrn_with_the_same_birth_date_finds_the_patient(
    on_injection: Patient,
) -> None:
    other_mrn = request("patient-view", on_injection)
    other_mrn["prefetch"]["patient"]["identifier"] = [
        {"system": "urn:oid:1.2.3.4", "value": on_injection.mrn}
    ]
    assert call("naltrexone-status", other_mrn) == (200, {"cards": []})
    born = request("patient-view", on_injection)
    born["prefetch"]["patient"]["birthDate"] = "1901-01-01"
    assert call("naltrexone-status", born) == (200, {"cards": []})
    status, answer = call("naltrexone-status", request("patient-view", on_injection, prefetch={}))
    assert status == 412 and "prefetch the Patient" in answer["error"]
    assert not Disclosure.objects.exists()


@pytest.fixture
def ehr_fhir_server() -> Iterator[tuple[str, list[str], dict[str, Any]]]:
    """The EHR's FHIR server on loopback: GET /fhir/Patient/ehr-77 with the right bearer token
    answers the Patient (the test sets it); every Authorization header it was sent is kept."""
    seen: list[str] = []
    patient: dict[str, Any] = {}

    def answer(path: str, authorization: str) -> tuple[int, bytes]:
        seen.append(authorization)
        ok = path == "/fhir/Patient/ehr-77" and authorization == "Bearer ehr-access-1"
        return (200, json.dumps(patient).encode()) if ok else (401, b'{"resourceType": "OperationOutcome"}')  # fmt: skip

    with serving(answer) as url:
        yield f"{url}/fhir", seen, patient


def test_without_prefetch_the_patient_is_read_from_the_ehrs_fhir_server(
    on_injection: Patient, ehr_fhir_server: Any
) -> None:
    url, seen, patient = ehr_fhir_server
    patient.update(fhir_patient(on_injection))
    body = request("patient-view", on_injection, prefetch={}, fhirServer=url,
                   fhirAuthorization={"access_token": "ehr-access-1", "token_type": "Bearer",
                                      "expires_in": 300, "scope": "patient/Patient.read",
                                      "subject": "naltrack"})  # fmt: skip
    status, answer = call("naltrexone-status", body)
    assert status == 200 and answer["cards"][0]["summary"].startswith("Naltrexone blocks opioids")
    assert seen == ["Bearer ehr-access-1"]
    body["fhirAuthorization"]["access_token"] = "wrong"  # the EHR refuses: no data, a 412
    assert call("naltrexone-status", body)[0] == 412
    body["fhirServer"] = "http://ehr.example/fhir"  # a token never travels in the clear
    status, answer = call("naltrexone-status", body)
    assert status == 400 and answer["field"] == "fhirServer"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hook": "order-sign"}, "hook"),
        ({"hookInstance": ""}, "hookInstance"),
        ({"context": []}, "context"),
        ({"context": {"userId": "Practitioner/1"}}, "context.patientId"),
        ({"prefetch": {"patient": {"resourceType": "Observation"}}}, "prefetch.patient"),
    ],
)
def test_a_malformed_request_is_a_400_naming_the_field(
    on_injection: Patient, change: dict[str, Any], field: str
) -> None:
    status, answer = call("naltrexone-status", request("patient-view", on_injection) | change)
    assert (status, answer["field"]) == (400, field)


def test_a_malformed_order_is_a_400_naming_it(on_injection: Patient) -> None:
    body = request("order-sign", on_injection, (OXYCODONE,))
    del body["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"]
    status, answer = call("naltrexone-order-sign", body)
    assert (status, answer["field"]) == (
        400,
        "context.draftOrders.entry[0].resource.medicationCodeableConcept",
    )


# --- the cards and the consent filter -------------------------------------------------------------


def test_patient_view_says_the_blockade_and_that_the_patient_is_already_treated(
    on_injection: Patient,
) -> None:
    body = request("patient-view", on_injection)
    (card,) = kept(*call("naltrexone-status", body), body)["cards"]
    until = (TODAY - timedelta(days=10) + timedelta(days=28)).isoformat()
    assert (
        card["indicator"] == "warning"
        and card["summary"] == f"Naltrexone blocks opioids until about {until}"
    )
    assert "does not apply" in card["detail"] and "regional analgesia" in card["detail"]
    assert "42 CFR part 2" in card["detail"]  # the re-disclosure notice travels with it
    (link,) = card["links"]  # the label the advice rests on (source S1)
    assert link["type"] == "absolute" and link["url"].startswith("https://dailymed.nlm.nih.gov/")
    d = Disclosure.objects.get()
    assert (d.channel, d.recipient_name, d.purpose, d.record_kinds) == (
        "cds_hooks",
        EHR,
        "TREAT",
        ["medications"],
    )
    assert d.disclosed_by == f"service:{EHR}"


def test_no_consent_no_card_and_the_refusal_is_audited() -> None:
    p = started_on_injection("MRN-0901", TODAY - timedelta(days=10))
    body = request("patient-view", p)
    assert call("naltrexone-status", body) == (200, {"cards": []})
    assert not Disclosure.objects.exists()
    assert (
        AuditEvent.objects.filter(object_type="disclosure_refused", patient_mrn=p.mrn).count() == 1
    )


@pytest.mark.parametrize("service", ["naltrexone-order-select", "naltrexone-order-sign"])
def test_an_opioid_ordered_while_blocked_is_a_critical_card_with_a_suggestion(
    on_injection: Patient, service: str
) -> None:
    hook = service.removeprefix("naltrexone-")
    body = request(
        hook, on_injection, (OXYCODONE, {**OXYCODONE, "code": "000", "display": "ibuprofen 400 MG"})
    )
    (card,) = kept(*call(service, body), body)["cards"]  # ibuprofen: nothing to say
    assert card["indicator"] == "critical" and card["summary"].startswith(
        "Naltrexone will block oxycodone"
    )
    (suggestion,) = card["suggestions"]
    assert suggestion["actions"] == [{"type": "delete", "description": "Remove the order of oxycodone",
                                      "resourceId": "MedicationRequest/mr-0"}]  # fmt: skip


def test_order_select_looks_only_at_the_selected_orders(on_injection: Patient) -> None:
    body = request("order-select", on_injection, (OXYCODONE,))
    body["context"]["selections"] = []
    assert call("naltrexone-order-select", body) == (200, {"cards": []})


def test_naltrexone_ordered_before_the_opioid_free_interval_shows_the_screening(db: None) -> None:
    p = make_patient("MRN-0902")  # registered, no signed screening yet
    consent(p)
    body = request("order-sign", p, (NALTREXONE_TABLET,))
    (card,) = kept(*call("naltrexone-order-sign", body), body)["cards"]
    assert card["indicator"] == "warning" and "no signed opioid-free screening" in card["summary"]


def test_feedback_is_stored_all_or_nothing(on_injection: Patient) -> None:
    good = {"card": "c-1", "outcome": "overridden", "outcomeTimestamp": "2026-11-21T10:00:00Z",
            "overrideReason": {"reason": {"code": "pain-plan", "system": "http://example.org"},
                               "userComment": "regional block planned"}}  # fmt: skip
    status, answer = call(
        "naltrexone-order-sign/feedback", {"feedback": [good, {**good, "outcome": "ignored"}]}
    )
    assert (status, answer["field"]) == (
        400,
        "feedback[1].outcome",
    ) and not Feedback.objects.exists()
    assert call("naltrexone-order-sign/feedback", {"feedback": [good]}, bearer=None)[0] == 401
    r = Client().post("/cds-services/naltrexone-order-sign/feedback", data=json.dumps({"feedback": [good]}),
                      content_type="application/json",
                      headers={"Authorization": f"Bearer {token('naltrexone-order-sign')}"})  # fmt: skip
    assert r.status_code == 200 and r.json() == {"stored": 1}
    f = Feedback.objects.get()
    assert (f.client, f.service, f.outcome, f.override_reason["userComment"]) == (
        ISS, "naltrexone-order-sign", "overridden", "regional block planned")  # fmt: skip


# --- proved by other people's code -----------------------------------------------------------------


def validator() -> str | None:
    path = os.environ.get("NALTRACK_CDS_VALIDATOR") or str(
        Path(sys.prefix).parent / ".venv-cds/bin/python"
    )
    return path if Path(path).exists() else None


def test_zz_every_document_validates_with_healthchains_models(on_injection: Patient) -> None:
    """healthchain (its own virtualenv, made by `make test`) validates the discovery document, every
    request sent and every answer given above, plus this test's own four."""
    python = validator()
    if python is None:
        if os.environ.get("CI") == "true":
            pytest.fail("healthchain's virtualenv (.venv-cds) is missing: `make test` makes it")
        pytest.skip("healthchain's virtualenv (.venv-cds) is missing: `make test` makes it")
    discovery = Client().get("/cds-services").json()
    bodies = [request("patient-view", on_injection), request("order-select", on_injection, (OXYCODONE,)),
              request("order-sign", on_injection, (OXYCODONE,)), request("order-sign", on_injection, (NALTREXONE_TABLET,))]  # fmt: skip
    services = [
        "naltrexone-status",
        "naltrexone-order-select",
        "naltrexone-order-sign",
        "naltrexone-order-sign",
    ]
    answers = [kept(*call(s, b), b) for s, b in zip(services, bodies, strict=True)]
    assert [len(a["cards"]) for a in answers] == [1, 1, 1, 1]
    docs = {"discovery": discovery, "requests": DOCS["requests"], "responses": DOCS["responses"]}
    run = subprocess.run([python, str(Path(__file__).with_name("cds_validate.py"))], input=json.dumps(docs),
                         capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"{1 + 2 * len(DOCS['requests']) + len(DOCS['responses'])} of" in run.stdout
    assert django_settings.CDS_CLIENTS[0].iss == ISS
