"""FHIR R4 (issue 13): a chart's clinical records as resources, read and searched by a staff token.
Every answer is parsed by the SMART on FHIR client's models in strict mode (fhirclient, another
project's R4 models) and validated again by fhir.resources; the codes are the clinical reference's
(RxNorm 637213 and 1483744, ICD-10-CM and SNOMED CT by DSM-5 severity, LOINC for PHQ-9, the urine
analytes, the liver tests and the vital signs); each chart a response shows is audited as a read."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from fhir.resources.R4B.bundle import Bundle as ValidatedBundle
from fhirclient.models.bundle import Bundle
from fhirclient.models.flag import Flag
from fhirclient.models.medicationadministration import MedicationAdministration
from fhirclient.models.operationoutcome import OperationOutcome

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.patients.models import Patient
from naltrack.patients.records import add_allergy
from naltrack.treatment.models import Administration
from naltrack.treatment.services import record_administration
from tests.integration.conftest import (
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"


@pytest.fixture
def fhir() -> Any:
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    token = create_token("nina.nurse", at=NOW)
    client = Client()

    def get(path: str) -> tuple[int, dict[str, Any]]:
        r = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert r["Content-Type"].startswith("application/fhir+json"), r["Content-Type"]
        return r.status_code, r.json()

    return get


@pytest.fixture
def patient() -> Patient:
    """On the injection since 10 days ago (assessed, screened, ordered), with an allergy."""
    p = started_on_injection("MRN-5101", TODAY - timedelta(days=10))
    add_allergy(p, substance="Penicillin", reaction="Hives", actor=PRESCRIBER, at=NOW)
    return p


def search(fhir: Any, query: str) -> list[dict[str, Any]]:
    status, body = fhir(query)
    assert status == 200, body
    Bundle(body, strict=True)  # another project's models
    ValidatedBundle.model_validate(body)  # and fhir.resources'
    return [e["resource"] for e in body.get("entry", [])]


def codes(concept: dict[str, Any]) -> set[tuple[str, str]]:
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def test_the_injection_given_is_a_medication_administration_with_lot_site_and_needle(
    fhir: Any, patient: Patient
) -> None:
    (given,) = search(fhir, f"/fhir/MedicationAdministration?patient=Patient/{patient.pk}")
    parsed = MedicationAdministration(given, strict=True)
    assert parsed.status == "completed" and parsed.subject.reference == f"Patient/{patient.pk}"
    (product,) = given["contained"]
    assert codes(product["code"]) == {(RXNORM, "637213")}
    assert product["batch"] == {
        "lotNumber": "LOT-1",
        "expirationDate": (TODAY - timedelta(days=10) + timedelta(days=200)).isoformat(),
    }
    assert given["medicationReference"]["reference"] == "#product"
    assert given["dosage"]["dose"] == {"value": 380, "unit": "mg", "system": "http://unitsofmeasure.org", "code": "mg"}  # fmt: skip
    assert given["dosage"]["site"] == {"text": "Left gluteal"}
    assert "1.5 inch needle" in given["dosage"]["text"]
    assert codes(given["dosage"]["route"]) == {("http://snomed.info/sct", "78421000")}
    labels = {s["code"] for s in given["meta"]["security"]}
    assert {"R", "42CFRPart2"} <= labels
    status, body = fhir(f"/fhir/MedicationAdministration/{given['id']}")
    assert status == 200 and body == given  # the read is the search's entry


def test_a_held_dose_is_not_done_with_its_reason(fhir: Any, patient: Patient) -> None:
    record_administration(patient, injection(TODAY, status="held", reason="Patient unwell today"),
                          actor=NURSE, at=at(TODAY))  # fmt: skip
    found = search(fhir, f"/fhir/MedicationAdministration?patient={patient.pk}&status=not-done")
    assert [(r["status"], r["statusReason"][0]["text"]) for r in found] == [
        ("not-done", "Held: Patient unwell today")
    ]
    assert len(search(fhir, f"/fhir/MedicationAdministration?patient={patient.pk}")) == 2


def test_the_order_is_a_medication_request_coded_in_rxnorm(fhir: Any, patient: Patient) -> None:
    (order,) = search(fhir, f"/fhir/MedicationRequest?patient={patient.pk}&intent=order")
    assert order["status"] == "active" and order["intent"] == "order"
    assert codes(order["medicationCodeableConcept"]) == {(RXNORM, "637213")}
    assert order["requester"] == {"display": "pat.prescriber"}
    assert search(fhir, f"/fhir/MedicationRequest?patient={patient.pk}&status=stopped") == []


def test_the_assessment_is_a_condition_coded_by_its_dsm5_severity(
    fhir: Any, patient: Patient
) -> None:
    # make_ready's assessment: four criteria met, of which tolerance does not count on
    # maintenance... the patient is not on maintenance, so 4: moderate, F11.20 and SNOMED 75544000.
    (cond,) = search(fhir, f"/fhir/Condition?patient={patient.pk}")
    assert codes(cond["code"]) == {("http://hl7.org/fhir/sid/icd-10-cm", "F11.20"),
                                   ("http://snomed.info/sct", "75544000")}  # fmt: skip
    assert cond["code"]["text"] == "Opioid use disorder, moderate"
    assert [r["id"] for r in search(fhir, f"/fhir/Condition?patient={patient.pk}&code=http://hl7.org/fhir/sid/icd-10-cm|F11.20")] == [cond["id"]]  # fmt: skip
    assert search(fhir, f"/fhir/Condition?patient={patient.pk}&code=F10.20") == []


def test_observations_carry_loinc_and_their_parts(fhir: Any, patient: Patient) -> None:
    found = {r["code"]["text"]: r for r in search(fhir, f"/fhir/Observation?patient={patient.pk}")}
    phq9 = found["PHQ-9 total score"]
    assert codes(phq9["code"]) == {(LOINC, "44261-6")} and phq9["valueInteger"] == 1
    assert [c["code"]["coding"][0]["code"] for c in phq9["component"]][-1] == "44260-8"  # item 9
    assert [c["valueInteger"] for c in phq9["component"]] == [0, 1, 0, 0, 0, 0, 0, 0, 0]
    urine = found["Urine drug screen"]
    assert {next(iter(codes(c["code"])))[1]: c["valueCodeableConcept"]["coding"][0]["code"]
            for c in urine["component"]} == {"19295-5": "260385009", "59673-4": "260385009",
                                             "58359-1": "260385009"}  # fmt: skip
    liver = found["Liver tests (ALT, AST, bilirubin)"]
    assert {next(iter(codes(c["code"])))[1]: c["valueQuantity"]["value"] for c in liver["component"]} == {"1742-6": 30, "1920-8": 28}  # fmt: skip
    weight = found["Body weight"]
    assert weight["valueQuantity"]["value"] == 80 and weight["category"][0]["coding"][0]["code"] == "vital-signs"  # fmt: skip
    assert "39156-5" in {c["code"]["coding"][0]["code"] for c in weight["component"]}
    cows = found["Clinical Opiate Withdrawal Scale (COWS) total score"]
    assert "coding" not in cows["code"]  # no LOINC in the reference: words only, no guessed code
    # The searches by LOINC code and by category find the same records.
    assert [r["id"] for r in search(fhir, f"/fhir/Observation?patient={patient.pk}&code={LOINC}|44261-6")] == [phq9["id"]]  # fmt: skip
    labs = search(fhir, f"/fhir/Observation?patient={patient.pk}&category=laboratory")
    assert {r["id"] for r in labs} == {urine["id"], liver["id"]}


def test_allergy_episode_and_the_blockade_flag(fhir: Any, patient: Patient) -> None:
    (allergy,) = search(fhir, f"/fhir/AllergyIntolerance?patient={patient.pk}")
    assert allergy["code"] == {"text": "Penicillin"}
    assert allergy["reaction"][0]["manifestation"][0]["text"] == "Hives"
    (episode,) = search(fhir, f"/fhir/EpisodeOfCare?patient={patient.pk}&status=active")
    assert episode["status"] == "active" and "opioid use disorder" in episode["type"][0]["text"]
    (flag,) = search(fhir, f"/fhir/Flag?patient={patient.pk}")
    parsed = Flag(flag, strict=True)
    assert parsed.status == "active" and parsed.code.text.startswith("Naltrexone blocks opioids until about")  # fmt: skip
    assert flag["period"]["start"] == (TODAY - timedelta(days=10)).isoformat()
    status, body = fhir(f"/fhir/Flag/{flag['id']}")
    assert status == 200 and body == flag
    status, body = fhir(f"/fhir/Flag/{patient.pk}-overdue")  # not this patient's state today
    assert status == 404


def test_last_updated_and_paging(fhir: Any, patient: Patient) -> None:
    recorded = Administration.objects.get(patient=patient).recorded_at
    day = recorded.date().isoformat()
    assert len(search(fhir, f"/fhir/MedicationAdministration?patient={patient.pk}&_lastUpdated=ge{day}")) == 1  # fmt: skip
    after = (recorded + timedelta(days=1)).date().isoformat()
    assert search(fhir, f"/fhir/MedicationAdministration?patient={patient.pk}&_lastUpdated=ge{after}") == []  # fmt: skip
    status, body = fhir(f"/fhir/Observation?patient={patient.pk}&_count=2")
    assert status == 200 and body["total"] == 5 and len(body["entry"]) == 2
    assert any(link["relation"] == "next" and "_offset=2" in link["url"] for link in body["link"])


def test_each_search_opens_the_chart_once_and_is_audited(fhir: Any, patient: Patient) -> None:
    before = AuditEvent.objects.filter(actor="nina.nurse", action="read", patient_mrn="MRN-5101").count()  # fmt: skip
    search(fhir, f"/fhir/Observation?patient={patient.pk}")
    search(fhir, f"/fhir/Condition?patient={patient.pk}")
    after = AuditEvent.objects.filter(actor="nina.nurse", action="read", patient_mrn="MRN-5101").count()  # fmt: skip
    assert after == before + 2


@pytest.mark.parametrize(("query", "field"), [
    ("/fhir/Observation", "patient"),
    ("/fhir/Observation?patient=Patient/abc", "patient"),
    ("/fhir/Observation?patient=1,2", "patient"),
    ("/fhir/Observation?patient=1&colour=red", "colour"),
    ("/fhir/Observation?patient=1&category=fun", "category"),
    ("/fhir/Observation?patient=1&date=yesterday", "date"),
    ("/fhir/MedicationAdministration?patient=1&_lastUpdated=2026-11-21T10:00", "_lastUpdated"),
    ("/fhir/MedicationAdministration?patient=1&status=", "status"),
    ("/fhir/EpisodeOfCare?patient=1&_lastUpdated=2026-11-21", "_lastUpdated"),
    ("/fhir/Flag?patient=1&status=active", "status"),
])  # fmt: skip
def test_bad_searches_are_refused_naming_the_parameter(fhir: Any, query: str, field: str) -> None:
    status, body = fhir(query)
    issue = OperationOutcome(body, strict=True).issue[0]
    assert status == 400 and issue.expression == [field], (query, body)


def test_a_record_of_no_patient_and_a_type_not_served(fhir: Any, patient: Patient) -> None:
    for path in ("/fhir/Observation/999999", "/fhir/Condition/abc", "/fhir/Flag/999999-blockade"):
        status, body = fhir(path)
        assert status == 404 and OperationOutcome(body, strict=True).issue[0].code == "not-found"
    status, body = fhir("/fhir/Encounter?patient=1")
    assert status == 404 and "metadata" in body["issue"][0]["diagnostics"]
    assert search(fhir, "/fhir/Observation?patient=999999") == []  # no such chart: nothing
