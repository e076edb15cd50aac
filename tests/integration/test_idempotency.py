"""An `Idempotency-Key` on an API POST: a retry gets the first answer and writes nothing new."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client

from naltrack import clock
from naltrack.accounts.models import IdempotencyKey
from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit import services as audit_services
from naltrack.audit.models import AuditEvent
from naltrack.monitoring.models import Observation
from naltrack.patients.models import Patient
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import NOW, TODAY, make_patient

KEY = "6f1c2a4e-2b1d-4c55-9d7e-0a3f5b8c9e21"
CRAVING = {"kind": "craving", "observed_on": TODAY.isoformat(), "data": {"value": 4}}


@pytest.fixture(autouse=True)
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application's clock reads NOW (keys are dated by it)."""
    monkeypatch.setattr(clock, "now", lambda: NOW)


def token_for(username: str, role: Role = Role.NURSE) -> str:
    create_staff(username, "a-long-demo-password-1", role)
    return create_token(username, at=NOW)


def post(token: str, path: str, body: object, key: str | None = KEY) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return Client().post(f"/api{path}", data=json.dumps(body), content_type="application/json",
                         headers=headers)  # fmt: skip


def counts() -> tuple[int, int]:
    return Observation.objects.count(), AuditEvent.objects.count()


@pytest.mark.django_db
def test_a_retry_gets_the_first_answer_and_writes_nothing_new() -> None:
    p = make_patient("MRN-I001")
    token = token_for("ida.nurse")
    first = post(token, f"/patients/{p.mrn}/observations", CRAVING)
    assert first.status_code == 201
    written = counts()
    again = post(token, f"/patients/{p.mrn}/observations", CRAVING)
    assert (again.status_code, again.json()) == (201, first.json())
    assert again["Idempotent-Replayed"] == "true"
    assert counts() == written  # no observation, and no audit row either
    # Without the header, the same request is a new one.
    assert post(token, f"/patients/{p.mrn}/observations", CRAVING, key=None).status_code == 201
    assert counts()[0] == written[0] + 1


@pytest.mark.django_db
def test_a_refusal_is_answered_again_too() -> None:
    token = token_for("ida.nurse")
    first = post(token, "/patients/MRN-NONE/observations", CRAVING)
    assert first.status_code == 404
    again = post(token, "/patients/MRN-NONE/observations", CRAVING)
    assert (again.status_code, again.json()) == (404, first.json())


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused_naming_the_header() -> None:
    p = make_patient("MRN-I002")
    token = token_for("ida.nurse")
    assert post(token, f"/patients/{p.mrn}/observations", CRAVING).status_code == 201
    written = counts()
    other = post(token, f"/patients/{p.mrn}/observations", CRAVING | {"data": {"value": 9}})
    assert other.status_code == 409
    assert other.json() == {
        "message": "this key was already used for a different request; send a new key with a new request",
        "field": "Idempotency-Key",
    }
    assert post(token, "/patients", {"mrn": "MRN-I003"}).status_code == 409  # another path
    assert counts() == written


@pytest.mark.django_db
def test_keys_belong_to_one_user() -> None:
    p = make_patient("MRN-I004")
    nurse, other = token_for("ida.nurse"), token_for("ike.nurse")
    assert post(nurse, f"/patients/{p.mrn}/observations", CRAVING).status_code == 201
    second = post(other, f"/patients/{p.mrn}/observations", CRAVING)
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Observation.objects.filter(patient=p).count() == 2


@pytest.mark.django_db
def test_a_request_still_being_answered_is_a_409() -> None:
    p = make_patient("MRN-I005")
    token = token_for("ida.nurse")
    path = f"/api/patients/{p.mrn}/observations"
    body = json.dumps(CRAVING).encode()
    IdempotencyKey.objects.create(
        user=User.objects.get(username="ida.nurse"), key=KEY,
        method="POST", path=path, body_hash=hashlib.sha256(body).hexdigest(), created_at=NOW,
    )  # fmt: skip
    r = post(token, f"/patients/{p.mrn}/observations", CRAVING)
    assert r.status_code == 409
    assert r.json()["field"] == "Idempotency-Key"
    assert not Observation.objects.filter(patient=p).exists()


@pytest.mark.django_db
def test_a_malformed_key_is_a_400_and_no_token_is_the_apis_401() -> None:
    token = token_for("ida.nurse")
    bad = post(token, "/patients/MRN-X/observations", CRAVING, key="x" * 256)
    assert bad.status_code == 400 and bad.json()["field"] == "Idempotency-Key"
    assert post("nt_not-a-token", "/patients/MRN-X/observations", CRAVING).status_code == 401
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_server_error_is_not_kept_so_a_retry_runs_again(monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_patient("MRN-I006")
    token = token_for("ida.nurse")

    def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the server fell over")

    with monkeypatch.context() as m:
        m.setattr(audit_services, "record", broken)
        assert post(token, f"/patients/{p.mrn}/observations", CRAVING).status_code == 500
    assert not IdempotencyKey.objects.exists()
    assert post(token, f"/patients/{p.mrn}/observations", CRAVING).status_code == 201


@pytest.mark.django_db
def test_keys_expire_after_a_day() -> None:
    p = make_patient("MRN-I007")
    token = token_for("ida.nurse")
    assert post(token, f"/patients/{p.mrn}/observations", CRAVING).status_code == 201
    IdempotencyKey.objects.update(created_at=NOW - timedelta(days=2))
    again = post(token, f"/patients/{p.mrn}/observations", CRAVING)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Observation.objects.filter(patient=p).count() == 2
    assert IdempotencyKey.objects.count() == 1  # the expired row is gone


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_data")
def test_two_identical_requests_at_once_write_once() -> None:
    p = make_patient("MRN-I008")
    token = token_for("ida.nurse")
    answers: list[int] = []
    start = threading.Barrier(3)

    def send() -> None:
        try:
            start.wait()
            answers.append(post(token, f"/patients/{p.mrn}/observations", CRAVING).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(answers)[0] == 201 and set(answers) <= {201, 409}
    assert Observation.objects.filter(patient=p).count() == 1
    assert Patient.objects.count() == 1
