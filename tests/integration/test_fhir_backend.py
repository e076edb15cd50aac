"""SMART Backend Services on /fhir (issue 13): another system gets an access token with the
client-credentials grant and a JWT assertion signed by a key of its registered JWKS (served on
loopback), with the scopes its registration allows; every refusal is OAuth's; and each chart it
reads is a disclosure through the consent filter: without a consent covering it the chart is not
there for that system (404, left out of searches, the refusal audited), with one the read is
accounted (channel FHIR API) and the records carry their Part 2 labels."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from fhirclient.models.bundle import Bundle

from naltrack.audit.models import AuditEvent
from naltrack.config import FhirClient, read_fhir_clients
from naltrack.disclosure.models import Disclosure
from naltrack.disclosure.services import ConsentInput, record_consent
from naltrack.fhir import assertions
from naltrack.fhir.models import AccessToken
from naltrack.patients.models import Patient
from tests.integration.conftest import COORDINATOR, NOW, TODAY, started_on_injection
from tests.integration.signed_jwt import Keys, served_jwks

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

CLIENT_ID = "riverside-ehr"
NAME = "Riverside Hospital"
TOKEN_URL = "http://127.0.0.1:8000/fhir/auth/token"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
KEYS = Keys()
OTHER_KEYS = Keys()  # a key the client never registered


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    with served_jwks(KEYS) as url:
        yield url


@pytest.fixture(autouse=True)
def registered(settings: Any, jwks_url: str) -> None:
    settings.FHIR_CLIENTS = (
        FhirClient(CLIENT_ID, NAME, jwks_url, ("system/Patient.rs", "system/Observation.rs",
                                               "system/MedicationAdministration.rs"),
                   "TREAT", "treating_providers"),
    )  # fmt: skip
    assertions._jwks.clear()


def assertion(keys: Keys = KEYS, alg: str = "ES384", **changes: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": TOKEN_URL, "iat": now,
                              "exp": now + 240, "jti": str(uuid.uuid4())}  # fmt: skip
    claims.update(changes)
    return keys.sign({k: v for k, v in claims.items() if v is not None}, alg)


def ask(**form: str) -> tuple[int, dict[str, Any]]:
    fields = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
              "scope": "system/Patient.rs system/Observation.rs"} | form  # fmt: skip
    if "client_assertion" not in fields:
        fields["client_assertion"] = assertion()
    r = Client().post("/fhir/auth/token", urlencode(fields),
                                  content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert r["Cache-Control"] == "no-store"
    return r.status_code, r.json()


def access_token(scope: str = "system/Patient.rs system/Observation.rs") -> str:
    status, body = ask(scope=scope)
    assert status == 200, body
    return str(body["access_token"])


def consent(p: Patient, kinds: tuple[str, ...] = ("demographics", "observations")) -> None:
    record_consent(p, ConsentInput(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=5),
        recipient_classes=("treating_providers",), purposes=("TREAT",), record_kinds=kinds,
        expires_on=TODAY + timedelta(days=300)), actor=COORDINATOR, at=NOW)  # fmt: skip


def get(path: str, token: str) -> tuple[int, dict[str, Any]]:
    r = Client().get(path, headers={"Authorization": f"Bearer {token}"})
    return r.status_code, r.json()


def test_smart_configuration_names_the_token_endpoint() -> None:
    body = Client().get("/fhir/.well-known/smart-configuration").json()
    assert body["token_endpoint"] == TOKEN_URL
    assert body["grant_types_supported"] == ["client_credentials"]
    assert body["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert set(body["token_endpoint_auth_signing_alg_values_supported"]) == {"ES384", "RS384"}


def test_a_signed_assertion_gets_a_token_with_the_allowed_scopes_only() -> None:
    status, body = ask(scope="system/Patient.rs system/Condition.rs system/Observation.read")
    assert status == 200 and body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/Patient.rs system/Observation.read"  # Condition not registered
    row = AccessToken.objects.get()
    assert row.digest != body["access_token"] and len(row.digest) == 64  # only its digest is kept
    status, body = ask(client_assertion=assertion(alg="RS384"), scope="system/Patient.r")
    assert status == 200 and body["scope"] == "system/Patient.r"


@pytest.mark.parametrize(("form", "status", "error"), [
    ({"grant_type": "password"}, 400, "unsupported_grant_type"),
    ({"client_assertion_type": "urn:other"}, 400, "invalid_request"),
    ({"client_assertion": ""}, 400, "invalid_request"),
    ({"scope": ""}, 400, "invalid_scope"),
    ({"scope": "system/*.rs"}, 400, "invalid_scope"),  # registered for three types, not all
    ({"scope": "patient/Patient.rs"}, 400, "invalid_scope"),
    ({"client_assertion": "not-a-jwt"}, 401, "invalid_client"),
])  # fmt: skip
def test_bad_token_requests_are_refused_as_oauth_says(form: dict[str, str], status: int, error: str) -> None:  # fmt: skip
    got, body = ask(**form)
    assert (got, body["error"]) == (status, error) and body["error_description"]
    assert not AccessToken.objects.exists()


@pytest.mark.parametrize("bad", [
    lambda: assertion(iss="someone-else", sub="someone-else"),
    lambda: assertion(sub="another-sub"),
    lambda: assertion(aud="http://127.0.0.1:8000/fhir"),
    lambda: assertion(exp=int(time.time()) - 120),
    lambda: assertion(exp=int(time.time()) + 3600),
    lambda: assertion(jti=None),
    lambda: assertion(keys=OTHER_KEYS),
])  # fmt: skip
def test_an_assertion_that_does_not_prove_the_client_is_invalid_client(bad: Any) -> None:
    status, body = ask(client_assertion=bad())
    assert status == 401 and body["error"] == "invalid_client"
    assert AuditEvent.objects.filter(object_type="fhir_client_jwt", action="login_failed").exists()


def test_an_assertion_without_iat_is_accepted_within_five_minutes() -> None:
    # SMART's client assertion requires iss, sub, aud, exp and jti (not iat), as
    # cumulus-fhir-support's client signs it; its exp bounds the lifetime then.
    assert ask(client_assertion=assertion(iat=None, exp=int(time.time()) + 290))[0] == 200
    status, body = ask(client_assertion=assertion(iat=None, exp=int(time.time()) + 900))
    assert status == 401 and "within 5 minutes" in body["error_description"]


def test_the_token_endpoint_takes_only_a_form_posted() -> None:
    fields = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
              "client_assertion": assertion(), "scope": "system/Patient.rs"}  # fmt: skip
    r = Client().post("/fhir/auth/token", fields)  # multipart, not a form
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    assert Client().get("/fhir/auth/token").status_code == 405
    assert not AccessToken.objects.exists()


def test_an_assertion_is_used_once() -> None:
    once = assertion()
    assert ask(client_assertion=once)[0] == 200
    status, body = ask(client_assertion=once)
    assert status == 401 and "already used" in body["error_description"]


def test_without_a_consent_the_chart_is_not_there_for_the_system() -> None:
    p = started_on_injection("MRN-5201", TODAY - timedelta(days=10))
    token = access_token()
    status, body = get(f"/fhir/Patient/{p.pk}", token)
    assert status == 404 and body["issue"][0]["code"] == "not-found"
    status, body = get(f"/fhir/Observation?patient={p.pk}", token)
    assert status == 200 and body["total"] == 0 and "entry" not in body
    status, body = get("/fhir/Patient?family=Patient", token)
    assert status == 200 and body["total"] == 0
    assert not Disclosure.objects.filter(patient=p).exists()
    refused = AuditEvent.objects.filter(object_type="disclosure_refused", patient_mrn="MRN-5201")
    assert refused.count() == 2 and all(e.actor == f"service:{NAME}" for e in refused)


def test_with_a_consent_each_read_is_an_accounted_disclosure() -> None:
    p = started_on_injection("MRN-5202", TODAY - timedelta(days=10))
    other = started_on_injection("MRN-5203", TODAY - timedelta(days=10))  # no consent
    consent(p)
    token = access_token()
    status, body = get(f"/fhir/Patient/{p.pk}", token)
    assert status == 200 and body["identifier"][0]["value"] == "MRN-5202"
    status, body = get(f"/fhir/Observation?patient=Patient/{p.pk}", token)
    assert status == 200 and body["total"] == 5
    Bundle(body, strict=True)
    assert all({"42CFRPart2", "R"} <= {s["code"] for s in e["resource"]["meta"]["security"]}
               for e in body["entry"])  # fmt: skip
    status, body = get("/fhir/Patient?family=Patient", token)  # both charts match the name
    assert status == 200 and body["total"] == 1
    assert [e["resource"]["id"] for e in body["entry"]] == [str(p.pk)]
    rows = Disclosure.objects.filter(patient=p).order_by("id")
    assert [(d.channel, d.recipient_name, d.purpose, d.record_kinds) for d in rows] == [
        ("fhir_api", NAME, "TREAT", ["demographics"]),
        ("fhir_api", NAME, "TREAT", ["observations"]),
        ("fhir_api", NAME, "TREAT", ["demographics"]),
    ]
    assert not Disclosure.objects.filter(patient=other).exists()
    # Records the consent does not cover (medications) stay in the program.
    token = access_token("system/MedicationAdministration.rs")
    status, body = get(f"/fhir/MedicationAdministration?patient={p.pk}", token)
    assert status == 200 and body["total"] == 0


def test_the_token_s_scopes_bound_what_it_reads() -> None:
    p = started_on_injection("MRN-5204", TODAY - timedelta(days=10))
    consent(p)
    token = access_token("system/Patient.r")
    assert get(f"/fhir/Patient/{p.pk}", token)[0] == 200
    status, body = get("/fhir/Patient?family=Patient", token)  # read, not search
    assert status == 403 and "do not allow a search of Patient" in body["issue"][0]["diagnostics"]
    status, body = get(f"/fhir/Observation?patient={p.pk}", token)
    assert status == 403 and body["issue"][0]["code"] == "forbidden"


def test_an_expired_or_unregistered_token_is_refused(settings: Any) -> None:
    p = started_on_injection("MRN-5205", TODAY - timedelta(days=10))
    consent(p)
    token = access_token()
    AccessToken.objects.update(expires_at=NOW - timedelta(days=30))
    assert get(f"/fhir/Patient/{p.pk}", token)[0] == 401
    token = access_token()
    settings.FHIR_CLIENTS = ()  # the program removed the client's registration
    assert get(f"/fhir/Patient/{p.pk}", token)[0] == 401


def test_client_registration_is_checked_by_field() -> None:
    good = ('[{"client_id": "c1", "name": "Payer", "jwks_url": "https://payer.example/jwks",'
            ' "scopes": ["system/*.rs"], "purpose": "HPAYMT", "recipient_class": "health_plans"}]')  # fmt: skip
    (client,) = read_fhir_clients({"NALTRACK_FHIR_CLIENTS": good})
    assert client.scopes == ("system/*.rs",) and client.purpose == "HPAYMT"
    for bad, words in (
        ('{"client_id": "c1"}', "JSON list"),
        ('[{"client_id": "c1", "name": "P", "jwks_url": "http://evil.example/j", "scopes": ["system/*.rs"], "purpose": "TREAT"}]', "https"),
        ('[{"client_id": "c1", "name": "P", "jwks_url": "https://p.example/j", "scopes": ["user/*.rs"], "purpose": "TREAT"}]', "system scopes"),
        ('[{"client_id": "c1", "name": "P", "jwks_url": "https://p.example/j", "scopes": ["system/*.rs"], "purpose": "ETREAT"}]', "purpose"),
        ('[{"client_id": "c1", "name": "P", "jwks_url": "https://p.example/j", "scopes": ["system/*.rs"], "purpose": "TREAT", "recipient_class": "friends"}]', "recipient_class"),
    ):  # fmt: skip
        with pytest.raises(Exception, match=words):
            read_fhir_clients({"NALTRACK_FHIR_CLIENTS": bad})
