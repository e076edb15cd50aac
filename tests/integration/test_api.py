"""The JSON API: bearer tokens, one error shape, roles, paging, and a workflow end to end."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.patients.models import Patient
from tests.integration.conftest import NOW, TODAY, at, started_on_injection

# Tokens expire (90 days from NOW): the clinic's clock is pinned to TODAY, not the machine's.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def token_for(username: str, role: Role) -> str:
    create_staff(username, "a-long-demo-password-1", role)
    return create_token(username, at=NOW)


class Api:
    def __init__(self, token: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str) -> tuple[int, Any]:
        r = self.client.get(f"/api{path}", headers=self.headers)
        return r.status_code, r.json()

    def post(self, path: str, body: object) -> tuple[int, Any]:
        r = self.client.post(
            f"/api{path}",
            data=json.dumps(body),
            content_type="application/json",
            headers=self.headers,
        )
        return r.status_code, r.json()


@pytest.fixture
def nurse() -> Api:
    return Api(token_for("nina.nurse", Role.NURSE))


def test_openapi_and_docs_are_served() -> None:
    c = Client()
    spec = c.get("/api/openapi.json").json()
    assert "/api/patients/{mrn}/administrations" in spec["paths"]
    assert c.get("/api/docs").status_code == 200


def test_no_or_a_bad_token_is_401_with_the_error_shape() -> None:
    status, body = Api(None).get("/patients")
    assert status == 401 and set(body) == {"message", "field"}
    assert Api("nt_not-a-token").get("/patients")[0] == 401


def test_bad_input_is_400_naming_the_field_and_writes_nothing() -> None:
    coordinator = Api(token_for("cora.coordinator", Role.COORDINATOR))
    good = {
        "mrn": "MRN-0500",
        "given_name": "Api",
        "family_name": "Patient",
        "birth_date": "1990-02-03",
        "sex_at_birth": "male",
    }
    for change, field in (({"birth_date": "not-a-date"}, "birth_date"), ({"sex_at_birth": "x"}, "sex_at_birth"),
                          ({"mrn": "bad mrn!"}, "mrn"), ({"email": "nope"}, "email")):  # fmt: skip
        status, body = coordinator.post("/patients", good | change)
        assert status == 400, body
        assert body["field"] == field and body["message"]
    assert not Patient.objects.exists()
    assert coordinator.post("/patients", {"mrn": "MRN-0500"})[1]["field"] == "given_name"
    status, body = coordinator.post("/patients", good)
    assert status == 201 and body["mrn"] == "MRN-0500"


def test_malformed_json_is_400_not_a_server_error(nurse: Api) -> None:
    r = nurse.client.post(
        "/api/patients", data="{not json", content_type="application/json", headers=nurse.headers
    )
    assert r.status_code == 400 and set(r.json()) == {"message", "field"}


def test_a_role_outside_the_table_gets_403(nurse: Api) -> None:
    status, body = nurse.get("/audit")
    assert status == 403 and "may not view audit" in body["message"]


def test_unknown_patient_is_404(nurse: Api) -> None:
    assert nurse.get("/patients/MRN-404")[0] == 404


def test_a_nurse_records_a_due_injection_and_the_worklist_moves_it(
    nurse: Api, settings: Any
) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    p = started_on_injection("MRN-0600", TODAY - timedelta(days=28))
    status, work = nurse.get("/worklist/today")
    assert status == 200 and [r["mrn"] for r in work["injections_due"]["items"]] == [p.mrn]
    proposal = nurse.get(f"/patients/{p.mrn}/injection-proposal")[1]
    assert proposal["side"] == "right"
    body = {"formulation": "xr_injection", "given_at": at(TODAY, 0).isoformat(), "site": "right", "needle": "1.5in",
            "lot": "LOT-9", "expiry": str(TODAY + timedelta(days=90)), "reversal_agent_discussed": True}  # fmt: skip
    status, done = nurse.post(f"/patients/{p.mrn}/administrations", body)
    assert status == 201, done
    assert done["next_appointment"]["on"] == str(TODAY + timedelta(days=28))
    work = nurse.get("/worklist/today")[1]
    assert work["injections_due"]["total"] == 0
    mar = nurse.get(f"/patients/{p.mrn}/administrations?limit=1")[1]
    assert (mar["total"], len(mar["items"]), mar["items"][0]["lot"]) == (2, 1, "LOT-9")


def test_paging_limits_are_checked(nurse: Api) -> None:
    status, body = nurse.get("/patients?limit=0")
    assert (status, body["field"]) == (400, "limit")


def test_alert_and_audit_filters_are_checked(nurse: Api) -> None:
    status, body = nurse.get("/alerts?status=lost")
    assert (status, body["field"]) == (400, "status")
    director = Api(token_for("dana.director", Role.DIRECTOR))
    status, body = director.get("/audit?action=deleted")
    assert (status, body["field"]) == (400, "action")
    status, body = director.get("/audit?action=login&user=nobody")
    assert (status, body["total"]) == (200, 0)


def test_a_side_effect_is_listed_and_followed_up_to_resolution(nurse: Api, settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    started_on_injection("MRN-0610", TODAY - timedelta(days=6))
    status, made = nurse.post("/patients/MRN-0610/side-effects", {
        "kind": "injection_site", "severity": "mild", "noted_on": str(TODAY - timedelta(days=2))})  # fmt: skip
    assert status == 201 and made["administration_id"] is not None
    status, body = nurse.post(
        f"/side-effects/{made['id']}/follow-up", {"on": str(TODAY), "note": "smaller"}
    )
    assert status == 400 and body["field"] == "next_due"
    status, body = nurse.post(f"/side-effects/{made['id']}/follow-up",
                              {"on": str(TODAY), "note": "gone", "resolved": True})  # fmt: skip
    assert status == 200 and body["resolved_on"] == str(TODAY)
    status, listed = nurse.get("/patients/MRN-0610/side-effects")
    assert listed["total"] == 1 and listed["items"][0]["follow_up_note"].endswith(
        "nina.nurse: gone"
    )


def test_every_record_of_the_chart_can_be_listed(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    started_on_injection("MRN-0611", TODAY - timedelta(days=6))
    prescriber = Api(token_for("pat.prescriber", Role.PRESCRIBER))
    status, _ = prescriber.post("/patients/MRN-0611/orders",
                                {"formulation": "xr_injection", "regimen": "xr_injection", "dose_mg": 380})  # fmt: skip
    assert status == 201
    for path, expect in (("episodes", "start_date"), ("assessments", "dsm5_criteria"), ("orders", "regimen"),
                         ("medications", None), ("allergies", None), ("implants", None)):  # fmt: skip
        status, body = prescriber.get(f"/patients/MRN-0611/{path}")
        assert status == 200, path
        # orders: the start's injection order, and the one just signed (which stopped it)
        assert body["total"] == (0 if expect is None else 2 if path == "orders" else 1), path
        if expect:
            assert expect in body["items"][0] and "patient_id" not in body["items"][0]
    coordinator = Api(token_for("cora.coordinator", Role.COORDINATOR))
    assert coordinator.get("/patients/MRN-0611/assessments")[0] == 403
