"""Defects found by probing (issue 9, parts 5 and 6), on SQLite and PostgreSQL alike: the error
vocabulary (404 unknown id, 409 conflict, 413 oversize body), validation that does not depend on the
database (NUL bytes, over-long text, implausible days, a time without its zone), list reads scoped
by role and audited, and `next` redirects that stay inside naltrack."""

from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import TODAY_SECTIONS, Action, Role, allowed
from naltrack.alerts.models import Alert
from naltrack.alerts.services import refresh_patient
from naltrack.appointments.models import Appointment
from naltrack.audit.models import AuditEvent
from naltrack.patients.models import Patient
from tests.integration.conftest import NOW, TODAY, login, started_on_injection
from tests.integration.test_api import Api, token_for

pytestmark = pytest.mark.django_db

GOOD_PATIENT = {"mrn": "MRN-0700", "given_name": "Probe", "family_name": "Patient",
                "birth_date": "1990-02-03", "sex_at_birth": "female"}  # fmt: skip


@pytest.fixture
def today(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)


@pytest.fixture
def coordinator() -> Api:
    return Api(token_for("cora.coordinator", Role.COORDINATOR))


@pytest.fixture
def nurse() -> Api:
    return Api(token_for("nina.nurse", Role.NURSE))


# ---- validation that does not depend on the database --------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"given_name": "Pro\x00be"}, "given_name", "NUL"),
        ({"family_name": "x" * 10_000}, "family_name", "at most 100"),
        ({"support_person_name": "a\x00"}, "support_person_name", "NUL"),
        ({"birth_date": "9999-12-31"}, "birth_date", "between 1900-01-01 and 2099-12-31"),
        ({"given_name": "   "}, "given_name", "required"),
        ({"unknown": 1}, "unknown", "not permitted"),
    ],
)
def test_a_bad_patient_is_refused_naming_the_field_and_nothing_is_stored(
    coordinator: Api, change: dict[str, Any], field: str, words: str
) -> None:
    status, body = coordinator.post("/patients", GOOD_PATIENT | change)
    assert (status, body["field"]) == (400, field), body
    assert words in body["message"]
    assert not Patient.objects.exists()


def test_an_appointment_on_9999_12_31_is_refused(coordinator: Api, today: None) -> None:
    assert coordinator.post("/patients", GOOD_PATIENT)[0] == 201
    status, body = coordinator.post(
        "/patients/MRN-0700/appointments", {"kind": "injection", "on": "9999-12-31"}
    )
    assert (status, body["field"]) == (400, "on")
    status, _ = coordinator.post(
        "/patients/MRN-0700/appointments",
        {"kind": "injection", "on": str(TODAY + timedelta(days=3))},
    )
    assert status == 201
    assert Appointment.objects.count() == 1


def test_a_given_at_without_a_time_zone_is_400_naming_it(nurse: Api, today: None) -> None:
    p = started_on_injection("MRN-0701", TODAY - timedelta(days=28))
    body = {"formulation": "xr_injection", "given_at": "2026-11-21T09:00:00", "site": "right",
            "needle": "1.5in", "lot": "LOT-9", "expiry": str(TODAY + timedelta(days=90))}  # fmt: skip
    status, out = nurse.post(f"/patients/{p.mrn}/administrations", body)
    assert (status, out["field"]) == (400, "given_at") and "timezone" in out["message"]
    assert p.administrations.count() == 1  # the first injection only


def test_an_oversize_body_is_413_in_the_error_shape(coordinator: Api) -> None:
    big = GOOD_PATIENT | {"given_name": "x" * 300_000}
    status, body = coordinator.post("/patients", big)
    assert status == 413 and body == {"message": "the request body is too large", "field": None}
    assert not Patient.objects.exists()


def test_a_nul_in_a_search_or_an_address_is_not_a_server_error(coordinator: Api) -> None:
    status, body = coordinator.get("/patients?q=a%00b")
    assert (status, body["field"]) == (400, "q")
    assert coordinator.get("/patients/MRN%000001")[0] in (400, 404)
    page = login(Role.COORDINATOR, "cora.page")
    assert page.get("/patients/?q=a%00b").status_code == 200
    assert page.get("/patients/MRN%00/").status_code == 404


def test_page_forms_refuse_a_nul_an_overlong_text_and_an_implausible_day(today: None) -> None:
    from naltrack.appointments.forms import AppointmentForm
    from naltrack.patients.forms import PatientForm
    from naltrack.treatment.forms import PlanForm

    form = PatientForm({"mrn": "MRN-1", "given_name": "A\x00", "family_name": "B" * 101,
                        "birth_date": "9999-12-31", "sex_at_birth": "female", "indications": ["OUD"],
                        "start_date": str(TODAY), "preferred_reminder_channel": "none"})  # fmt: skip
    assert not form.is_valid()
    assert {"given_name", "family_name", "birth_date"} <= set(form.errors)
    assert "2099-12-31" in form.errors["birth_date"][0]
    assert not AppointmentForm({"kind": "injection", "on": "9999-12-31"}).is_valid()
    plan = PlanForm({"goals": "g" * 5001}, regimen_choices=[])
    assert not plan.is_valid() and "goals" in plan.errors


# ---- one error vocabulary -----------------------------------------------------------------------


def test_an_unknown_id_is_404_and_a_repeat_is_409(nurse: Api, today: None) -> None:
    status, body = nurse.post("/alerts/999999/acknowledge", {})
    assert (status, body["field"]) == (404, "alert")
    p = started_on_injection("MRN-0702", TODAY - timedelta(days=40))
    refresh_patient(p, at=NOW)
    alert = Alert.objects.filter(patient=p).first()
    assert alert is not None
    assert nurse.post(f"/alerts/{alert.pk}/resolve", {"note": "called, booked"})[0] == 200
    status, body = nurse.post(f"/alerts/{alert.pk}/resolve", {"note": "again"})
    assert (status, body["field"]) == (409, "alert")


def test_a_duplicate_mrn_is_409(coordinator: Api) -> None:
    assert coordinator.post("/patients", GOOD_PATIENT)[0] == 201
    # Another person given the same MRN (the same person again is offered the existing chart:
    # 409 naming `duplicate_reason`, tests/integration/test_duplicates.py)
    other = {
        **GOOD_PATIENT,
        "given_name": "Other",
        "family_name": "Person",
        "birth_date": "1971-07-08",
    }
    status, body = coordinator.post("/patients", other)
    assert (status, body["field"]) == (409, "mrn")


def test_every_operation_declares_its_statuses_with_the_error_shape() -> None:
    spec = Client().get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    error_fields = set(schemas["ErrorOut"]["properties"])
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            codes = set(op["responses"])
            assert {"400", "401", "403", "404"} <= codes, (method, path)
            if method == "post":
                assert {"409", "413"} <= codes, (method, path)
            for code in codes - {"200", "201"}:
                schema = op["responses"][code]["content"]["application/json"]["schema"]
                # the error shape, or one that adds to it (a suspected duplicate's candidates)
                name = schema["$ref"].removeprefix("#/components/schemas/")
                assert error_fields <= set(schemas[name]["properties"]), (method, path, code)
            ok = next(c for c in codes if c.startswith("2"))
            assert op["responses"][ok]["content"]["application/json"]["schema"], (method, path)


# ---- lists: scoped by role, paged, audited -------------------------------------------------------


def test_the_worklist_shows_the_coordinator_what_the_today_page_shows(today: None) -> None:
    p = started_on_injection("MRN-0703", TODAY - timedelta(days=40))
    refresh_patient(p, at=NOW)
    coordinator = Api(token_for("cora.coordinator", Role.COORDINATOR))
    status, work = coordinator.get("/worklist/today")
    assert status == 200
    overdue = work["injections_overdue"]["items"]
    assert [r["mrn"] for r in overdue] == [p.mrn]
    text = json.dumps(work)
    for hidden in ("risk_message", "risk_window", "liver_test_due_on", "review_due_on"):
        assert hidden not in text
    # The same table decides the page's sections and the API's.
    for name, action in TODAY_SECTIONS.items():
        assert (work[name] is not None) == allowed(Role.COORDINATOR, action), name
    page = login(Role.COORDINATOR, "cora.page").get("/today/").content.decode()
    assert "In a high-risk window" not in page and "Labs and reviews due" not in page
    assert AuditEvent.objects.filter(actor="cora.page", object_type="worklist").count() == 1
    nurse = Api(token_for("nina.nurse", Role.NURSE))
    work = nurse.get("/worklist/today")[1]
    assert work["high_risk"]["items"][0]["risk_message"]


@pytest.mark.parametrize(
    ("path", "role", "object_type"),
    [
        ("/patients?q=MRN-07", Role.COORDINATOR, "patient_list"),
        ("/appointments", Role.COORDINATOR, "appointment_list"),
        ("/alerts?status=unresolved", Role.NURSE, "alert_list"),
        ("/audit", Role.DIRECTOR, "audit_list"),
        ("/worklist/today", Role.NURSE, "worklist"),
    ],
)
def test_a_list_read_is_audited(path: str, role: Role, object_type: str, today: None) -> None:
    p = started_on_injection("MRN-0704", TODAY - timedelta(days=40))
    refresh_patient(p, at=NOW)
    api = Api(token_for(f"{role.value}.lister", role))
    status, _ = api.get(path)
    assert status == 200
    event = AuditEvent.objects.filter(object_type=object_type).get()
    assert (event.actor, event.action) == (f"{role.value}.lister", "read")
    if object_type in ("patient_list", "appointment_list", "alert_list"):
        assert p.mrn in event.detail  # which patients the page showed


def test_lists_refuse_roles_outside_the_table(today: None) -> None:
    director = Api(token_for("dana.director", Role.DIRECTOR))
    for path in ("/patients", "/appointments", "/alerts", "/worklist/today"):
        assert director.get(path)[0] == 403, path
    coordinator = Api(token_for("cora.coordinator", Role.COORDINATOR))
    assert coordinator.get("/alerts")[0] == 403
    assert not allowed(Role.COORDINATOR, Action.VIEW_ALERTS)


# ---- redirects stay inside naltrack --------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)", "/\\evil.example"],
)
def test_alert_handling_never_redirects_to_another_site(target: str, today: None) -> None:
    p = started_on_injection("MRN-0705", TODAY - timedelta(days=40))
    refresh_patient(p, at=NOW)
    alert = Alert.objects.filter(patient=p).first()
    assert alert is not None
    nurse = login(Role.NURSE, "nina.page")
    r = nurse.post(
        f"/alerts/{alert.pk}/", {"do": "acknowledge", "next": target}, HTTP_REFERER=target
    )
    assert r.status_code == 302 and r["Location"] == "/alerts/"
    r = nurse.post(f"/alerts/{alert.pk}/", {"do": "acknowledge", "next": "/today/"})
    assert r["Location"] == "/today/"


def test_login_never_redirects_to_another_site(db: None) -> None:
    from naltrack.accounts.services import create_staff

    create_staff("nina.login", "a-long-demo-password-1", Role.NURSE)
    r = Client().post("/login/?next=https://evil.example/",
                      {"username": "nina.login", "password": "a-long-demo-password-1", "next": "https://evil.example/"})  # fmt: skip
    assert r.status_code == 302 and "evil" not in r["Location"]


def _strings(node: Any, spec: dict[str, Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    """Every string schema under `node` (following $ref), with where it is."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            return _strings(spec["components"]["schemas"][name], spec, f"{where}>{name}")
        found = [(where, node)] if node.get("type") == "string" else []
        for key, value in node.items():
            found += _strings(value, spec, f"{where}.{key}")
        return found
    if isinstance(node, list):
        return [s for i, v in enumerate(node) for s in _strings(v, spec, f"{where}[{i}]")]
    return []


def test_every_input_string_is_bounded_in_the_document() -> None:
    """What the API accepts is decided by the document, not by the database: every string a client
    sends has a length or an enum, and text and days have the pattern that refuses NUL bytes and
    implausible days."""
    spec = Client().get("/api/openapi.json").json()
    checked = 0
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            inputs = [p["schema"] for p in op.get("parameters", [])]
            if "requestBody" in op:
                inputs.append(op["requestBody"]["content"]["application/json"]["schema"])
            for schema in inputs:
                for where, s in _strings(schema, spec, f"{method} {path}"):
                    checked += 1
                    if "enum" in s or "const" in s:
                        continue
                    if s.get("format") in ("date", "date-time"):
                        assert s.get("pattern", "").startswith("^(19|20)"), where
                        continue
                    assert "maxLength" in s and "pattern" in s, where
    assert checked > 100


def test_the_mrn_of_an_address_is_the_mrn_registration_accepts() -> None:
    from naltrack.patients.services import MRN
    from naltrack.web.bounds import MRN_PATTERN

    assert MRN.pattern == MRN_PATTERN


def test_an_oversize_form_post_is_413_before_anything_reads_it(db: None) -> None:
    r = Client().post("/login/", {"username": "x" * 300_000, "password": "y"})
    assert r.status_code == 413 and b"too large" in r.content
