"""Import from another EHR (issue 13): a transaction Bundle (POST /fhir) and Bulk NDJSON
(POST /fhir/$import) create a chart, its allergies, its medication list and the observations the
program records; a second import of the same identifiers changes nothing; a Bundle with one bad
entry is refused whole with an OperationOutcome naming each bad entry, and nothing is written."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from fhirclient.models.bundle import Bundle
from fhirclient.models.operationoutcome import OperationOutcome

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.accounts.tokens import _issue
from naltrack.audit.models import AuditEvent
from naltrack.merge.services import merge_charts
from naltrack.monitoring.models import Observation
from naltrack.patients.models import Allergy, MedicationEntry, OutsideCondition, Patient
from naltrack.patients.services import PatientInput, register_patient
from tests.integration.conftest import COORDINATOR, DIRECTOR, NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

EHR = "urn:oid:2.16.840.1.113883.3.999"  # the sending EHR's identifier system (synthetic)
MRN_SYSTEM = "http://127.0.0.1:8000/fhir/sid/mrn"
LOINC = "http://loinc.org"


@pytest.fixture
def post() -> Any:
    create_staff("pat.prescriber", "a-long-demo-password-1", Role.PRESCRIBER)
    token = create_token("pat.prescriber", at=NOW)

    def send(body: Any, path: str = "/fhir", content_type: str = "application/fhir+json") -> tuple[int, dict[str, Any]]:  # fmt: skip
        data = body if isinstance(body, str) else json.dumps(body)
        r = Client().post(path, data, content_type=content_type,
                          headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        return r.status_code, r.json()

    return send


def ident(value: str) -> list[dict[str, str]]:
    return [{"system": EHR, "value": value}]


def patient_entry() -> dict[str, Any]:
    return {"fullUrl": "urn:uuid:p1", "request": {"method": "POST", "url": "Patient"}, "resource": {
        "resourceType": "Patient", "identifier": ident("P-77"),
        "name": [{"use": "official", "family": "Imported", "given": ["Iris"]}],
        "gender": "female", "birthDate": "1988-03-04",
        "telecom": [{"system": "phone", "value": "555-0177"}]}}  # fmt: skip


def entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"request": {"method": "POST", "url": resource["resourceType"]}, "resource": resource}


def bundle(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def records() -> list[dict[str, Any]]:
    subject = {"reference": "urn:uuid:p1"}
    return [
        entry({"resourceType": "AllergyIntolerance", "identifier": ident("A-1"), "patient": subject,
               "code": {"text": "Penicillin"}, "reaction": [{"manifestation": [{"text": "Hives"}]}]}),
        entry({"resourceType": "MedicationStatement", "identifier": ident("M-1"), "status": "active",
               "subject": subject, "effectiveDateTime": "2026-10-01",
               "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                          "code": "7804", "display": "oxycodone"}]}}),
        entry({"resourceType": "Observation", "identifier": ident("O-1"), "status": "final",
               "subject": subject, "effectiveDateTime": "2026-11-20",
               "code": {"coding": [{"system": LOINC, "code": "1742-6"}]},
               "valueQuantity": {"value": 52, "unit": "U/L"}}),
        entry({"resourceType": "Observation", "identifier": ident("O-2"), "status": "final",
               "subject": subject, "effectiveDateTime": "2026-11-20",
               "code": {"coding": [{"system": LOINC, "code": "59673-4"}]},
               "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct", "code": "10828004"}]}}),
    ]  # fmt: skip


def test_a_transaction_creates_the_chart_and_its_records(post: Any) -> None:
    status, body = post(bundle(patient_entry(), *records()))
    assert status == 200, body
    parsed = Bundle(body, strict=True)
    assert parsed.type == "transaction-response"
    assert [e.response.status for e in parsed.entry] == ["201 Created"] * 5
    p = Patient.objects.get(family_name="Imported")
    assert (
        parsed.entry[0].response.location == f"Patient/{p.pk}" and p.mrn
    )  # an MRN of the clinic's scheme
    assert list(Allergy.objects.filter(patient=p).values_list("substance", "reaction")) == [("Penicillin", "Hives")]  # fmt: skip
    med = MedicationEntry.objects.get(patient=p)
    assert (med.name, med.rxnorm, med.started_on) == ("oxycodone", "7804", date(2026, 10, 1))
    obs = {o.kind: o.data for o in Observation.objects.filter(patient=p)}
    assert obs["liver"]["alt"] == 52 and obs["urine_screen"] == {
        "results": {"fentanyl": "positive"}
    }
    assert AuditEvent.objects.filter(actor="pat.prescriber", patient_mrn=p.mrn, action="create").count() >= 5  # fmt: skip


def test_an_outside_condition_is_kept_as_that_record_lists_it(post: Any) -> None:
    condition = entry({"resourceType": "Condition", "identifier": ident("C-1"),
                       "subject": {"reference": "urn:uuid:p1"},
                       "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                       "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G89.4",
                                            "display": "Chronic pain syndrome"}]},
                       "onsetDateTime": "2024-05-01"})  # fmt: skip
    status, body = post(bundle(patient_entry(), condition))
    assert status == 200 and body["entry"][1]["response"]["status"] == "201 Created", body
    p = Patient.objects.get(family_name="Imported")
    (row,) = OutsideCondition.objects.filter(patient=p)
    assert (row.text, row.code, row.clinical_status, row.onset) == ("Chronic pain syndrome", "G89.4", "active", date(2024, 5, 1))  # fmt: skip
    assert row.source == f"{EHR}|C-1"
    # The prescriber reads it beside the medication list (chronic pain matters to naltrexone).
    client = Client()
    client.force_login(User.objects.get(username="pat.prescriber"))
    page = client.get(f"/patients/{p.mrn}/medications/")
    assert page.status_code == 200 and "Chronic pain syndrome" in page.content.decode()
    assert "Conditions in other providers" in page.content.decode()


def test_a_second_import_of_the_same_identifiers_changes_nothing(post: Any) -> None:
    assert post(bundle(patient_entry(), *records()))[0] == 200
    status, body = post(bundle(patient_entry(), *records()))
    assert status == 200
    assert [e["response"]["status"] for e in body["entry"]] == ["200 OK"] * 5
    assert Patient.objects.filter(family_name="Imported").count() == 1
    assert (Allergy.objects.count(), MedicationEntry.objects.count(), Observation.objects.count()) == (1, 1, 2)  # fmt: skip


def test_one_bad_entry_refuses_the_whole_bundle_naming_each(post: Any) -> None:
    bad = records()
    bad[1]["resource"]["medicationCodeableConcept"] = {}  # no name
    bad[2]["resource"]["code"] = {
        "coding": [{"system": LOINC, "code": "2345-7"}]
    }  # glucose: not ours
    del bad[3]["resource"]["identifier"]
    status, body = post(bundle(patient_entry(), *bad))
    assert status == 400
    issues = OperationOutcome(body, strict=True).issue
    assert [i.expression[0] for i in issues] == [
        "Bundle.entry[2].resource.medicationCodeableConcept",
        "Bundle.entry[3].resource.code",
        "Bundle.entry[4].resource.identifier",
    ]
    assert "2345-7" in issues[1].diagnostics
    assert not Patient.objects.filter(family_name="Imported").exists()  # nothing written
    assert not Allergy.objects.exists()


def test_a_refusal_by_a_service_rolls_back_what_was_written(post: Any) -> None:
    late = records()
    late[2]["resource"]["effectiveDateTime"] = "2027-01-01"  # in the future: the service refuses it
    status, body = post(bundle(patient_entry(), *late))
    assert status == 400
    (issue,) = body["issue"]
    assert issue["expression"] == ["Bundle.entry[3].resource.observed_on"] and "future" in issue["diagnostics"]  # fmt: skip
    assert not Patient.objects.filter(family_name="Imported").exists()
    assert not Allergy.objects.exists()


def test_a_likely_duplicate_is_refused_and_an_mrn_links_the_chart(post: Any) -> None:
    mine = register_patient(PatientInput(mrn="MRN-6001", given_name="Iris", family_name="Imported",
                                         birth_date=date(1988, 3, 4), sex_at_birth="female"),
                            actor=COORDINATOR, at=NOW)  # fmt: skip
    status, body = post(bundle(patient_entry(), *records()))
    assert status == 400 and "MRN-6001" in body["issue"][0]["diagnostics"]
    linked = patient_entry()
    linked["resource"]["identifier"] = [{"system": MRN_SYSTEM, "value": "MRN-6001"}, *ident("P-77")]
    status, body = post(bundle(linked, *records()))
    assert status == 200 and body["entry"][0]["response"] == {"status": "200 OK", "location": f"Patient/{mine.pk}"}  # fmt: skip
    assert Allergy.objects.get().patient_id == mine.pk


def test_gender_other_is_kept_and_unknown_is_refused(post: Any) -> None:
    other = patient_entry()
    other["resource"]["gender"] = "other"
    assert post(bundle(other))[0] == 200
    assert Patient.objects.get(family_name="Imported").sex_at_birth == "other"
    unknown = patient_entry()
    unknown["resource"].update(gender="unknown", identifier=ident("P-78"), birthDate="1970-01-01")
    status, body = post(bundle(unknown))
    assert status == 400 and body["issue"][0]["expression"] == ["Bundle.entry[0].resource.gender"]


def test_ndjson_import_takes_the_same_records(post: Any) -> None:
    mine = register_patient(PatientInput(mrn="MRN-6002", given_name="Nia", family_name="Lines",
                                         birth_date=date(1979, 1, 1), sex_at_birth="female"),
                            actor=COORDINATOR, at=NOW)  # fmt: skip
    lines = []
    for e in records():
        r = e["resource"]
        r[("patient" if r["resourceType"] == "AllergyIntolerance" else "subject")] = {"reference": f"Patient?identifier={MRN_SYSTEM}|MRN-6002"}  # fmt: skip
        lines.append(json.dumps(r))
    status, body = post("\n".join(lines), path="/fhir/$import", content_type="application/fhir+ndjson")  # fmt: skip
    assert status == 200 and [e["response"]["status"] for e in body["entry"]] == ["201 Created"] * 4
    assert MedicationEntry.objects.get().patient_id == mine.pk
    status, body = post("not json\n", path="/fhir/$import", content_type="application/fhir+ndjson")
    assert status == 400 and body["issue"][0]["expression"] == ["line 1"]


def test_bad_requests_and_a_read_only_token(post: Any) -> None:
    assert post({"resourceType": "Patient"})[1]["issue"][0]["expression"] == ["Bundle"]
    status, body = post({"resourceType": "Bundle", "type": "batch", "entry": []})
    assert status == 400 and body["issue"][0]["expression"] == ["Bundle.type"]
    status, body = post(bundle(entry({"resourceType": "Encounter", "identifier": ident("E-1"),
                                      "status": "finished", "class": {"code": "AMB"}})))  # fmt: skip
    assert status == 400 and body["issue"][0]["expression"] == ["Bundle.entry[0].resource.resourceType"]  # fmt: skip
    status, body = post(bundle(entry({"resourceType": "Patient", "identifier": ident("X"), "gender": "robot"})))  # fmt: skip
    where = [i["expression"][0] for i in body["issue"]]
    assert status == 400 and where == ["Bundle.entry[0].resource.name", "Bundle.entry[0].resource.birthDate",
                                       "Bundle.entry[0].resource.gender"]  # fmt: skip
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    reader = _issue("nina.nurse", at=NOW, by="nina.nurse", scopes=("read",)).token  # read only
    r = Client().post("/fhir", json.dumps(bundle(patient_entry())), content_type="application/fhir+json",
                      headers={"Authorization": f"Bearer {reader}"})  # fmt: skip
    assert r.status_code == 403
    assert not Patient.objects.exists()


def condition_entry(status: str) -> dict[str, Any]:
    return entry({"resourceType": "Condition", "identifier": ident("C-1"), "subject": {"reference": "urn:uuid:p1"},
                  "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": status}]},
                  "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "G89.4",
                                       "display": "Chronic pain syndrome"}]}})  # fmt: skip


def test_a_later_import_of_the_same_identifiers_updates_what_changed(post: Any) -> None:
    assert post(bundle(patient_entry(), *records(), condition_entry("active")))[0] == 200
    p = Patient.objects.get(family_name="Imported")
    changed = patient_entry()
    changed["resource"]["name"][0]["family"] = "Imported-Lee"  # a new name at the other EHR
    changed["resource"]["telecom"] = [{"system": "phone", "value": "555-0199"}]
    changed["resource"]["address"] = [{"use": "home", "line": ["3 Synthetic Row"], "city": "Springfield",
                                       "state": "IL", "postalCode": "62701"}]  # fmt: skip
    later = records()
    later[0]["resource"]["reaction"][0]["manifestation"].append({"text": "Wheeze"})
    statement = later[1]["resource"]
    del statement["effectiveDateTime"]
    statement |= {
        "status": "stopped",
        "effectivePeriod": {"start": "2026-10-01", "end": "2026-11-15"},
    }
    events = AuditEvent.objects.count()
    status, body = post(bundle(changed, *later, condition_entry("resolved")))
    assert status == 200, body
    assert [e["response"]["status"] for e in body["entry"]] == ["200 OK"] * 6
    p.refresh_from_db()
    assert (p.family_name, p.phone, p.address) == ("Imported-Lee", "555-0199", "3 Synthetic Row\nSpringfield IL 62701")  # fmt: skip
    assert Allergy.objects.get().reaction == "Hives; Wheeze"
    # Off the current list from the day its period ended: the screening no longer sees oxycodone.
    assert MedicationEntry.objects.get().stopped_on == date(2026, 11, 15)
    assert OutsideCondition.objects.get().clinical_status == "resolved"
    updates = AuditEvent.objects.filter(action="update", actor="pat.prescriber", patient_mrn=p.mrn)
    assert {e.object_type for e in updates} >= {"patient_details", "allergy", "medication", "outside_condition"}  # fmt: skip
    assert updates.filter(object_type="outside_condition", detail="clinical_status: active -> resolved").exists()  # fmt: skip
    assert AuditEvent.objects.count() > events
    # The same resources once more: nothing changes, nothing more is written to the trail.
    events = AuditEvent.objects.exclude(action="read").count()
    status, body = post(bundle(changed, *later, condition_entry("resolved")))
    assert status == 200 and [e["response"]["status"] for e in body["entry"]] == ["200 OK"] * 6
    assert AuditEvent.objects.exclude(action="read").count() == events
    assert (Allergy.objects.count(), MedicationEntry.objects.count(), OutsideCondition.objects.count()) == (1, 1, 1)  # fmt: skip


def test_a_medication_sent_as_stopped_is_kept_off_the_current_list(post: Any) -> None:
    done = records()[1]
    done["resource"]["status"] = "completed"
    assert post(bundle(patient_entry(), done))[0] == 200
    med = MedicationEntry.objects.get()
    assert (med.name, med.stopped_on) == ("oxycodone", NOW.date())  # no end given: today


def test_a_changed_result_is_refused_naming_the_observation_and_nothing_is_written(
    post: Any,
) -> None:
    assert post(bundle(patient_entry(), *records()))[0] == 200
    alt = Observation.objects.get(kind="liver")
    later = records()
    later[0]["resource"]["reaction"] = [{"manifestation": [{"text": "Anaphylaxis"}]}]
    later[2]["resource"]["valueQuantity"]["value"] = 61  # the ALT of O-1, "corrected"
    status, body = post(bundle(patient_entry(), *later))
    assert status == 400
    (issue,) = OperationOutcome(body, strict=True).issue
    assert issue.expression == ["Bundle.entry[3].resource"] and f"Observation/{alt.pk}" in issue.diagnostics  # fmt: skip
    assert Allergy.objects.get().reaction == "Hives"  # the whole Bundle was refused
    assert Observation.objects.get(pk=alt.pk).data["alt"] == 52


def test_an_mrn_link_keeps_the_charts_identity_and_refuses_another_birth_date(post: Any) -> None:
    mine = register_patient(PatientInput(mrn="MRN-6003", given_name="Iris", family_name="Imported",
                                         birth_date=date(1988, 3, 4), sex_at_birth="female"),
                            actor=COORDINATOR, at=NOW)  # fmt: skip
    linked = patient_entry()
    linked["resource"]["identifier"] = [{"system": MRN_SYSTEM, "value": "MRN-6003"}]
    linked["resource"]["name"][0]["given"] = ["Irene"]  # the other EHR's spelling
    assert post(bundle(linked))[0] == 200
    mine.refresh_from_db()
    assert (mine.given_name, mine.phone) == ("Iris", "555-0177")  # contact taken, identity kept
    other = patient_entry()
    other["resource"] |= {"identifier": [{"system": MRN_SYSTEM, "value": "MRN-6003"}], "birthDate": "1990-01-01"}  # fmt: skip
    status, body = post(bundle(other, *records()))
    assert status == 400 and body["issue"][0]["expression"] == [
        "Bundle.entry[0].resource.birthDate"
    ]
    assert "MRN-6003" in body["issue"][0]["diagnostics"] and not Allergy.objects.exists()


def test_a_chart_merged_since_keeps_its_identity_and_a_record_does_not_move(post: Any) -> None:
    assert post(bundle(patient_entry(), *records()))[0] == 200
    made = Patient.objects.get(family_name="Imported")
    kept = register_patient(PatientInput(mrn="MRN-6004", given_name="Iris", family_name="Imported-Kept",
                                         birth_date=date(1988, 3, 4), sex_at_birth="female"),
                            actor=COORDINATOR, at=NOW)  # fmt: skip
    merge_charts(kept.mrn, made.mrn, reason="Same person registered twice: one ID card", actor=DIRECTOR, at=NOW)  # fmt: skip
    renamed = patient_entry()
    renamed["resource"]["name"][0]["family"] = (
        "Other"  # the sender's name does not reach the kept chart
    )
    renamed["resource"]["telecom"] = [{"system": "phone", "value": "555-0100", "use": "old"},
                                      {"system": "phone", "value": "555-0123"}]  # fmt: skip
    status, body = post(bundle(renamed))
    assert status == 200 and body["entry"][0]["response"]["location"] == f"Patient/{kept.pk}", body
    kept.refresh_from_db()
    assert (kept.family_name, kept.phone) == (
        "Imported-Kept",
        "555-0123",
    )  # an old number is not taken
    older = patient_entry()
    older["resource"]["birthDate"] = "1970-01-01"
    status, body = post(bundle(older))
    assert status == 400 and body["issue"][0]["expression"] == [
        "Bundle.entry[0].resource.birthDate"
    ]
    # The allergy A-1, sent again for another chart, is refused: a record does not move.
    moved = records()[0]
    moved["resource"]["patient"] = {"reference": f"Patient?identifier={MRN_SYSTEM}|MRN-6099"}
    other = register_patient(PatientInput(mrn="MRN-6099", given_name="Noor", family_name="Else",
                                          birth_date=date(1975, 5, 5), sex_at_birth="female"),
                             actor=COORDINATOR, at=NOW)  # fmt: skip
    status, body = post(bundle(moved))
    assert status == 400 and body["issue"][0]["expression"] == [
        "Bundle.entry[0].resource.patient"
    ], body
    assert (
        Allergy.objects.get().patient_id == kept.pk
        and not Allergy.objects.filter(patient=other).exists()
    )
