"""API bearer tokens (issue 10): they expire, can be revoked, carry scopes, and stop working when
their account is disabled; each refusal says why, in the API's one error shape."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.actors import Actor, Console
from naltrack.accounts.models import ApiToken
from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.accounts.staff import disable, enable
from naltrack.accounts.tokens import TokenRefused, authenticate, digest, issue_token, revoke_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.patients.models import Patient
from tests.integration.conftest import DIRECTOR, NOW, NURSE, TODAY, at

# The clinic's clock is pinned to TODAY (tests never read the machine's clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

CONSOLE = Console("console:tester")
NEW_PATIENT = {"mrn": "MRN-0700", "given_name": "Tess", "family_name": "Token",
               "birth_date": "1990-03-04", "sex_at_birth": "female"}  # fmt: skip


def call(method: str, path: str, token: str, body: object | None = None) -> tuple[int, Any]:
    c = Client()
    headers = {"Authorization": f"Bearer {token}"}
    if method == "GET":
        r = c.get(f"/api{path}", headers=headers)
    else:
        r = c.post(f"/api{path}", data=json.dumps(body), content_type="application/json",
                   headers=headers)  # fmt: skip
    return r.status_code, r.json()


@pytest.fixture
def coordinator() -> str:
    create_staff("cora.coordinator", "a-long-demo-password-1", Role.COORDINATOR)
    return "cora.coordinator"


def test_a_read_only_token_reads_but_is_refused_a_write_with_403(coordinator: str) -> None:
    token = issue_token(coordinator, at=NOW, by=CONSOLE, scopes=["read"]).token
    assert call("GET", "/patients", token)[0] == 200
    status, body = call("POST", "/patients", token, NEW_PATIENT)
    assert status == 403
    assert set(body) == {"message", "field"}
    assert "scope 'read'" in body["message"] and "write scope" in body["message"]
    assert not Patient.objects.filter(mrn="MRN-0700").exists()


def test_a_write_only_token_writes_but_is_refused_a_read(coordinator: str) -> None:
    token = issue_token(coordinator, at=NOW, by=CONSOLE, scopes=["write"]).token
    assert call("POST", "/patients", token, NEW_PATIENT)[0] == 201
    status, body = call("GET", "/patients", token)
    assert status == 403 and "read scope" in body["message"]


def test_a_default_token_reads_and_writes(coordinator: str) -> None:
    new = issue_token(coordinator, at=NOW, by=CONSOLE)
    assert new.row.scopes == "read write"
    assert call("POST", "/patients", new.token, NEW_PATIENT)[0] == 201
    assert call("GET", "/patients", new.token)[0] == 200


def test_a_token_expires_after_the_default_lifetime_with_a_clear_401(
    coordinator: str, settings: Any
) -> None:
    assert settings.CONFIG.api_token_days == 90
    made = at(TODAY - timedelta(days=91))  # expired yesterday, whatever the hour today
    new = issue_token(coordinator, at=made, by=CONSOLE)
    assert new.row.expires_at == made + timedelta(days=90)
    status, body = call("GET", "/patients", new.token)
    assert status == 401
    assert body == {"message": f"this bearer token ({new.row.prefix}…) expired on "
                    f"{new.row.expires_at:%Y-%m-%d}; ask for a new one", "field": None}  # fmt: skip


def test_a_token_works_until_the_moment_it_expires(coordinator: str) -> None:
    new = issue_token(coordinator, at=at(TODAY - timedelta(days=89)), by=CONSOLE)
    assert call("GET", "/patients", new.token)[0] == 200  # it expires tomorrow
    last = new.row.expires_at - timedelta(microseconds=1)
    assert authenticate(new.token, method="GET", at=last).get_username() == coordinator
    with pytest.raises(TokenRefused, match="expired on") as err:
        authenticate(new.token, method="GET", at=new.row.expires_at)
    assert err.value.status == 401


def test_the_lifetime_follows_the_setting_and_a_days_argument(
    coordinator: str, settings: Any
) -> None:
    import dataclasses

    settings.CONFIG = dataclasses.replace(settings.CONFIG, api_token_days=7)
    assert issue_token(coordinator, at=NOW, by=CONSOLE).row.expires_at == NOW + timedelta(days=7)
    row = issue_token(coordinator, at=NOW, by=CONSOLE, days=30).row
    assert row.expires_at == NOW + timedelta(days=30)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"scopes": ["admin"]}, "scope"),
        ({"scopes": []}, "scope"),
        ({"days": 0}, "days"),
        ({"days": 366}, "days"),
        ({"label": "x" * 101}, "label"),
        ({"username": "ghost"}, "user"),
    ],
)
def test_bad_token_requests_name_the_field_and_make_nothing(
    coordinator: str, change: dict[str, Any], field: str
) -> None:
    args: dict[str, Any] = {"username": coordinator, "scopes": ["read"], "days": 10, "label": ""}
    args.update(change)
    with pytest.raises(InputError) as err:
        issue_token(args.pop("username"), at=NOW, by=CONSOLE, **args)
    assert err.value.field == field
    assert not ApiToken.objects.exists()


def test_a_revoked_token_is_answered_401_saying_so(coordinator: str) -> None:
    new = issue_token(coordinator, at=NOW, by=CONSOLE)
    assert call("GET", "/patients", new.token)[0] == 200
    revoke_token(new.row.pk, at=NOW, by=CONSOLE)
    status, body = call("GET", "/patients", new.token)
    assert status == 401 and "was revoked on" in body["message"]
    event = AuditEvent.objects.filter(object_type="api_token", action="update").get()
    assert event.actor == "console:tester" and "revoked" in event.detail
    with pytest.raises(InputError, match="already revoked") as err:
        revoke_token(new.row.pk, at=NOW, by=CONSOLE)
    assert err.value.field == "token"


def test_an_unknown_token_is_answered_401_without_detail() -> None:
    status, body = call("GET", "/patients", "nt_not-a-token")
    assert status == 401 and body["message"].startswith("this bearer token is not known")


def test_tokens_are_stored_only_as_digests(coordinator: str) -> None:
    new = issue_token(coordinator, at=NOW, by=CONSOLE)
    row = ApiToken.objects.get()
    assert row.digest == digest(new.token) and len(row.digest) == 64
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert new.token not in stored


def test_disabling_the_account_stops_its_tokens_and_enabling_does_not_bring_them_back(
    coordinator: str,
) -> None:
    token = issue_token(coordinator, at=NOW, by=CONSOLE).token
    create_staff("dana.director", "a-long-demo-password-1", Role.DIRECTOR)
    disable(coordinator, by=CONSOLE, at=NOW)
    status, body = call("GET", "/patients", token)
    assert status == 401 and "revoked" in body["message"]
    enable(coordinator, by=CONSOLE, at=NOW)
    assert call("GET", "/patients", token)[0] == 401


def test_a_token_of_a_disabled_account_is_refused_even_if_not_revoked(coordinator: str) -> None:
    """Belt and braces: an account switched off behind the use case (the admin, the shell)."""
    token = issue_token(coordinator, at=NOW, by=CONSOLE).token
    from django.contrib.auth.models import User

    User.objects.filter(username=coordinator).update(is_active=False)
    status, body = call("GET", "/patients", token)
    assert status == 401 and "is disabled" in body["message"]


def test_a_staff_member_makes_only_their_own_tokens_and_revokes_only_their_own() -> None:
    create_staff(NURSE.username, "a-long-demo-password-1", Role.NURSE)
    create_staff("pat.prescriber", "a-long-demo-password-1", Role.PRESCRIBER)
    nurse = Actor(None, NURSE.username, Role.NURSE)
    with pytest.raises(InputError) as err:
        issue_token("pat.prescriber", at=NOW, by=nurse)
    assert err.value.field == "user"
    theirs = issue_token("pat.prescriber", at=NOW, by=CONSOLE).row
    with pytest.raises(InputError, match="no token has the id"):
        revoke_token(theirs.pk, at=NOW, by=nurse)
    mine = issue_token(NURSE.username, at=NOW, by=nurse).row
    assert revoke_token(mine.pk, at=NOW, by=nurse).revoked_by == NURSE.username
    # The director revokes anyone's.
    assert revoke_token(theirs.pk, at=NOW, by=DIRECTOR).revoked_by == DIRECTOR.username


def test_a_read_only_token_with_an_idempotency_key_writes_nothing(coordinator: str) -> None:
    token = issue_token(coordinator, at=NOW, by=CONSOLE, scopes=["read"]).token
    c = Client()
    r = c.post("/api/patients", data=json.dumps(NEW_PATIENT), content_type="application/json",
               headers={"Authorization": f"Bearer {token}",
                        "Idempotency-Key": "0b6f3c52-5d7e-4a55-9d0e-0c0d8c1d2e3f"})  # fmt: skip
    assert r.status_code == 403
    assert not Patient.objects.exists()


def test_making_a_token_is_audited_without_the_token(coordinator: str) -> None:
    new = issue_token(coordinator, at=NOW, by=CONSOLE, scopes=["read"], label="lab feed")
    event = AuditEvent.objects.filter(object_type="api_token", action="create").get()
    assert event.actor == "console:tester" and event.object_id == str(new.row.pk)
    assert "scopes read" in event.detail and "lab feed" in event.detail
    assert new.token not in event.detail
