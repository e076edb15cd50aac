"""FHIR (issue 13): the program's records about a chart (Appointment, CarePlan with the
relapse-prevention plan, Goal, Consent, AuditEvent for each disclosure, Provenance of imported
records) and the program itself (Organization, Practitioner). Parsed by fhirclient (strict) and
fhir.resources; the consents, the accounting and the provenance are for the program's staff and
never disclosed to a backend system."""

from __future__ import annotations

import dataclasses
import json
from datetime import time, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from fhir.resources.R4B.bundle import Bundle as ValidatedBundle
from fhirclient.models.bundle import Bundle

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.appointments.services import book_appointment
from naltrack.patients.models import Patient
from naltrack.treatment.plans import PlanInput, change_plan
from tests.integration.conftest import COORDINATOR, NOW, PRESCRIBER, TODAY, started_on_injection
from tests.integration.test_fhir_backend import (  # noqa: F401
    access_token,
    consent,
    jwks_url,
    registered,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


@pytest.fixture
def staff() -> Any:
    create_staff("pat.prescriber", "a-long-demo-password-1", Role.PRESCRIBER)
    token = create_token("pat.prescriber", at=NOW)

    def get(path: str, with_token: str = token) -> tuple[int, dict[str, Any]]:
        r = Client().get(path, headers={"Authorization": f"Bearer {with_token}"})
        return r.status_code, r.json()

    return get


@pytest.fixture
def patient() -> Patient:
    p = started_on_injection("MRN-5501", TODAY - timedelta(days=10))
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Back to work by spring",
                             psychosocial=("cbt",), triggers="Payday", coping_strategies="Call my sister"),
                reason="first plan", actor=PRESCRIBER, at=NOW)  # fmt: skip
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Back to work by spring; run a 5k",
                             triggers="Payday", coping_strategies="Call my sister"),
                reason="added a goal", actor=PRESCRIBER, at=NOW + timedelta(hours=1))  # fmt: skip
    book_appointment(p, kind="counselling", on=TODAY + timedelta(days=5), time=time(10, 30),
                     actor=COORDINATOR, at=NOW)  # fmt: skip
    return p


def entries(get: Any, query: str) -> list[dict[str, Any]]:
    status, body = get(query)
    assert status == 200, body
    Bundle(body, strict=True)
    ValidatedBundle.model_validate(body)
    return [e["resource"] for e in body.get("entry", [])]


def test_plan_versions_goals_and_appointments(staff: Any, patient: Patient) -> None:
    plans = entries(staff, f"/fhir/CarePlan?patient={patient.pk}")
    assert [(p["title"], p["status"]) for p in plans] == [
        ("Treatment plan, version 1", "revoked"), ("Treatment plan, version 2", "active")]  # fmt: skip
    activities = [a["detail"]["description"] for a in plans[1]["activity"]]
    assert "Relapse prevention, triggers: Payday" in activities
    assert "Relapse prevention, coping strategies: Call my sister" in activities
    goals = entries(staff, f"/fhir/Goal?patient={patient.pk}")
    assert [(g["description"]["text"], g["lifecycleStatus"]) for g in goals] == [
        ("Back to work by spring", "cancelled"), ("Back to work by spring; run a 5k", "active")]  # fmt: skip
    day = (TODAY + timedelta(days=5)).isoformat()
    (visit,) = entries(staff, f"/fhir/Appointment?patient={patient.pk}&status=booked&date={day}")
    assert visit["status"] == "booked" and visit["start"].startswith(f"{day}T10:30")  # fmt: skip
    assert entries(staff, f"/fhir/Appointment?patient={patient.pk}&status=noshow") == []


def test_consents_disclosures_and_provenance_are_for_staff(
    staff: Any, patient: Patient, settings: Any
) -> None:
    consent(patient)
    backend = access_token("system/Patient.rs")
    assert Client().get(f"/fhir/Patient/{patient.pk}", headers={"Authorization": f"Bearer {backend}"}).status_code == 200  # fmt: skip
    (c,) = entries(staff, f"/fhir/Consent?patient={patient.pk}")
    assert c["status"] == "active" and c["provision"]["purpose"][0]["code"] == "TREAT"
    (d,) = entries(staff, f"/fhir/AuditEvent?patient={patient.pk}")
    assert d["agent"][1]["who"]["display"].startswith("Riverside Hospital, FHIR Patient")
    assert "Read by another system through the FHIR API" in d["entity"][0]["description"]
    assert "42CFRPart2" in {s["code"] for s in d["entity"][0]["securityLabel"]}
    # A backend system may not read them, even with a scope for every type.
    settings.FHIR_CLIENTS = (
        dataclasses.replace(settings.FHIR_CLIENTS[0], scopes=("system/*.rs",)),
    )
    everything = access_token("system/*.rs")
    for kind in ("Consent", "AuditEvent", "Provenance"):
        status, body = staff(f"/fhir/{kind}?patient={patient.pk}", everything)
        assert status == 403 and "not disclosed to other systems" in body["issue"][0]["diagnostics"]


def test_provenance_of_an_imported_allergy(staff: Any, patient: Patient) -> None:
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [{"request": {"method": "POST", "url": "AllergyIntolerance"}, "resource": {
        "resourceType": "AllergyIntolerance", "identifier": [{"system": "urn:oid:1.2.3", "value": "A-9"}],
        "patient": {"reference": f"Patient/{patient.pk}"}, "code": {"text": "Latex"}}}]}  # fmt: skip
    token = create_token("pat.prescriber", at=NOW)
    r = Client().post("/fhir", json.dumps(bundle), content_type="application/fhir+json",
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 200
    (prov,) = entries(staff, f"/fhir/Provenance?patient={patient.pk}")
    assert prov["target"][0]["reference"] == r.json()["entry"][0]["response"]["location"]
    assert prov["entity"][0]["what"]["identifier"] == {"system": "urn:oid:1.2.3", "value": "A-9"}
    assert prov["agent"][0]["who"]["display"] == "pat.prescriber"
    # US Core's _revinclude: the allergy with where it came from, in one search.
    status, body = staff(
        f"/fhir/AllergyIntolerance?patient={patient.pk}&_revinclude=Provenance:target"
    )
    assert status == 200
    assert [(e["resource"]["resourceType"], e["search"]["mode"]) for e in body["entry"]] == [
        ("AllergyIntolerance", "match"), ("Provenance", "include")]  # fmt: skip
    assert "_revinclude=Provenance%3Atarget" in body["link"][0]["url"]
    status, body = staff(
        f"/fhir/AllergyIntolerance?patient={patient.pk}&_revinclude=Device:patient"
    )
    assert status == 400 and body["issue"][0]["expression"] == ["_revinclude"]
    status, body = staff(
        f"/fhir/MedicationRequest?patient={patient.pk}&_include=MedicationRequest:medication"
    )
    assert status == 200 and {e["search"]["mode"] for e in body["entry"]} == {
        "match"
    }  # a code, not a reference


def test_the_program_and_its_staff(staff: Any) -> None:
    status, org = staff("/fhir/Organization/program")
    assert status == 200 and org["name"] == "Naltrack Demo Clinic"
    user = User.objects.get(username="pat.prescriber")
    (me,) = entries(staff, "/fhir/Practitioner?identifier=pat.prescriber")
    assert me["id"] == str(user.pk) and me["qualification"][0]["code"]["text"] == "Prescriber"
    (role,) = entries(staff, f"/fhir/PractitionerRole?practitioner=Practitioner/{user.pk}")
    assert role["practitioner"]["reference"] == f"Practitioner/{user.pk}"
    assert role["organization"]["reference"] == "Organization/program" and role["code"][0]["text"] == "Prescriber"  # fmt: skip
    assert staff("/fhir/Practitioner/999999")[0] == 404
    assert staff("/fhir/Organization/other")[0] == 404
    assert staff("/fhir/Practitioner?name=pat")[1]["issue"][0]["expression"] == ["name"]
