"""FHIR R4 at /fhir (issue 13, first part): the Patient resource, the CapabilityStatement and
errors as OperationOutcome. Every answer is parsed by the SMART on FHIR client's models in strict
mode (fhirclient: another project's R4 models, not the library that wrote it) as well as checked
by our own assertions."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client
from fhirclient.models.bundle import Bundle
from fhirclient.models.capabilitystatement import CapabilityStatement
from fhirclient.models.operationoutcome import OperationOutcome
from fhirclient.models.patient import Patient as FhirPatient

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from tests.integration.conftest import COORDINATOR, NOW

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

MRN_SYSTEM = "http://127.0.0.1:8000/fhir/sid/mrn"


def person(mrn: str, given: str, family: str, born: date, sex: str = "female") -> Patient:
    return register_patient(
        PatientInput(mrn=mrn, given_name=given, family_name=family, birth_date=born,
                     sex_at_birth=sex, phone="555-0100"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip


@pytest.fixture
def fhir() -> Any:
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    token = create_token("nina.nurse", at=NOW)
    client = Client()

    def get(path: str, token: str | None = token) -> tuple[int, dict[str, Any], Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        r = client.get(path, headers=headers)
        assert r["Content-Type"].startswith("application/fhir+json"), r["Content-Type"]
        return r.status_code, r.json(), r

    return get


def outcome(body: dict[str, Any]) -> OperationOutcome:
    parsed = OperationOutcome(body, strict=True)
    assert parsed.issue and parsed.issue[0].severity == "error"
    return parsed


def test_the_capability_statement_tells_what_is_served(fhir: Any) -> None:
    status, body, _ = fhir("/fhir/metadata", token=None)  # read before signing in
    assert status == 200
    cs = CapabilityStatement(body, strict=True)
    assert cs.fhirVersion == "4.0.1" and cs.kind == "instance" and cs.format == ["json"]
    (rest,) = cs.rest
    served = {r.type: r for r in rest.resource}
    assert set(served) == {  # nothing claimed that is not served (each is tested below and in
        # test_fhir_records.py)
        "Patient", "MedicationRequest", "MedicationAdministration", "MedicationStatement",
        "Condition", "AllergyIntolerance", "Observation", "EpisodeOfCare", "Flag", "Group",
        "Appointment", "CarePlan", "Goal", "Consent", "AuditEvent", "Provenance", "Organization",
        "Practitioner", "PractitionerRole",
    }  # fmt: skip
    group = served.pop("Group")  # only its $export (test_fhir_bulk.py)
    assert [o.name for o in group.operation] == ["export"] and not group.interaction
    assert [o.name for o in served["Patient"].operation] == ["export"]
    assert [o.name for o in rest.operation] == ["export"]
    for kind, resource in served.items():
        assert {i.code for i in resource.interaction} == {"read", "search-type"}, kind
        if kind not in ("Patient", "Organization", "Practitioner", "PractitionerRole"):
            assert "patient" in {p.name for p in resource.searchParam}, kind
    (service,) = rest.security.service
    assert service.coding[0].code == "SMART-on-FHIR"
    (oauth,) = rest.security.extension
    assert oauth.extension[0].valueUri == "http://127.0.0.1:8000/fhir/auth/token"
    patient = served["Patient"]
    assert {i.code for i in patient.interaction} == {"read", "search-type"}
    assert {p.name for p in patient.searchParam} >= {
        "_id",
        "identifier",
        "name",
        "birthdate",
        "gender",
    }


def test_a_patient_is_read_as_a_us_core_patient_and_the_read_is_audited(fhir: Any) -> None:
    p = person("MRN-4101", "Ada", "Quinn", date(1985, 6, 1))
    status, body, response = fhir(f"/fhir/Patient/{p.pk}")
    assert status == 200 and response["Cache-Control"] == "no-store"
    parsed = FhirPatient(body, strict=True)
    assert parsed.id == str(p.pk) and parsed.active is True
    assert [(i.system, i.value) for i in parsed.identifier] == [(MRN_SYSTEM, "MRN-4101")]
    assert parsed.name[0].family == "Quinn" and parsed.name[0].given == ["Ada"]
    assert parsed.gender == "female" and parsed.birthDate.isostring == "1985-06-01"
    assert [t.value for t in parsed.telecom] == ["555-0100"]
    assert parsed.meta.profile == [
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
    ]
    assert {s.code for s in parsed.meta.security} == {"R", "42CFRPart2", "SUD", "NORDSCLCD"}
    read = AuditEvent.objects.filter(actor="nina.nurse", patient_mrn="MRN-4101", action="read")
    assert read.filter(object_type="patient_contact").count() == 1


def test_refusals_are_operation_outcomes_with_their_status(fhir: Any) -> None:
    p = person("MRN-4102", "Bea", "Quinn", date(1990, 1, 2))
    status, body, _ = fhir(f"/fhir/Patient/{p.pk}", token=None)
    assert status == 401 and outcome(body).issue[0].code == "login"
    status, body, _ = fhir(f"/fhir/Patient/{p.pk}", token="nt_not-a-token")
    assert status == 401 and "not known" in outcome(body).issue[0].diagnostics
    status, body, _ = fhir("/fhir/Patient/999999")
    assert status == 404 and outcome(body).issue[0].code == "not-found"
    status, body, _ = fhir("/fhir/Patient?eye-colour=blue")
    issue = outcome(body).issue[0]
    assert status == 400 and issue.code == "invalid" and issue.expression == ["eye-colour"]
    status, body, _ = fhir("/fhir/Patient?_count=0")
    assert status == 400 and outcome(body).issue[0].expression == ["_count"]
    status, body, _ = fhir("/fhir/Patient?birthdate=1st%20of%20May")
    assert status == 400 and outcome(body).issue[0].expression == ["birthdate"]
    for bad in (
        "_count=%C2%B2",
        "_offset=99999999999999999999",
        "_id=%C2%B2",
        "_id=99999999999999999999",
    ):
        status, body, _ = fhir(f"/fhir/Patient?{bad}")
        assert status == 400 and outcome(body).issue[0].expression == [bad.split("=")[0]], bad
    for bad_id in ("%C2%B2", "99999999999999999999", "-1"):
        status, body, _ = fhir(f"/fhir/Patient/{bad_id}")
        assert status == 404 and outcome(body).issue[0].code == "not-found", bad_id
    status, body, _ = fhir("/fhir/Encounter?patient=1")
    assert status == 404 and "metadata" in outcome(body).issue[0].diagnostics
    assert not AuditEvent.objects.filter(patient_mrn="MRN-4102", action="read").exists()


def test_writes_are_refused_with_405() -> None:
    r = Client().post("/fhir/Patient", data="{}", content_type="application/fhir+json")
    assert r.status_code == 405 and r["Allow"] == "GET"
    OperationOutcome(r.json(), strict=True)


def test_search_by_the_us_core_parameters(fhir: Any) -> None:
    ada = person("MRN-4103", "Ada", "Reyes", date(1985, 6, 1))
    person("MRN-4104", "Bo", "Reyes", date(1979, 3, 3), sex="male")
    person("MRN-4105", "Cy", "Stone", date(1985, 6, 1), sex="male")

    def ids(query: str) -> list[str]:
        status, body, _ = fhir(f"/fhir/Patient?{query}")
        assert status == 200, body
        bundle = Bundle(body, strict=True)
        assert bundle.type == "searchset"
        return sorted(e.resource.identifier[0].value for e in bundle.entry or [])

    assert ids(f"identifier={MRN_SYSTEM}|MRN-4103") == ["MRN-4103"]
    assert ids("identifier=mrn-4103") == ["MRN-4103"]
    assert ids("identifier=urn:other:system|MRN-4103") == []
    assert ids(f"_id={ada.pk}") == ["MRN-4103"]
    assert ids("name=reyes") == ["MRN-4103", "MRN-4104"]
    assert ids("name=reyes&gender=male") == ["MRN-4104"]
    assert ids("name=reyes&birthdate=1985-06-01") == ["MRN-4103"]
    assert ids("family=Stone,Reyes&given=Cy,Bo") == ["MRN-4104", "MRN-4105"]


def test_count_pages_with_next_links_and_each_patient_shown_is_audited(fhir: Any) -> None:
    for i in range(5):
        person(f"MRN-42{i:02d}", f"Given{i}", "Pager", date(1980, 1, 1 + i))
    seen: list[str] = []
    url: str | None = "/fhir/Patient?family=Pager&_count=2"
    pages = 0
    while url:
        status, body, _ = fhir(url)
        assert status == 200
        bundle = Bundle(body, strict=True)
        assert bundle.total == 5 and len(bundle.entry) <= 2
        seen += [e.resource.identifier[0].value for e in bundle.entry]
        after = [link.url for link in bundle.link if link.relation == "next"]
        url = urlsplit(after[0])._replace(scheme="", netloc="").geturl() if after else None
        pages += 1
    assert pages == 3 and sorted(seen) == [f"MRN-42{i:02d}" for i in range(5)]
    audited = AuditEvent.objects.filter(
        actor="nina.nurse", action="read", patient_mrn__startswith="MRN-42"
    )
    assert sorted(audited.values_list("patient_mrn", flat=True)) == sorted(seen)


def test_a_merged_chart_is_inactive_and_points_to_the_chart_it_went_into(fhir: Any) -> None:
    kept = person("MRN-4301", "Dee", "Moss", date(1970, 2, 2))
    gone = person("MRN-4302", "Dee", "Moss", date(1970, 2, 2))
    Patient.objects.filter(pk=gone.pk).update(merged_into=kept)
    status, body, _ = fhir(f"/fhir/Patient/{gone.pk}")
    parsed = FhirPatient(body, strict=True)
    assert status == 200 and parsed.active is False
    assert [(link.type, link.other.reference) for link in parsed.link] == [
        ("replaced-by", f"Patient/{kept.pk}")
    ]


def test_bad_tokens_lock_the_address_as_on_the_json_api(fhir: Any) -> None:
    p = person("MRN-4401", "Eve", "Lock", date(1975, 5, 5))
    prober = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [
        prober.get(
            f"/fhir/Patient/{p.pk}", headers={"Authorization": f"Bearer nt_bad-{i}"}
        ).status_code
        for i in range(40)
    ]
    assert statuses[0] == 401 and statuses[-1] == 429  # the shared bearer check counts them
    create_staff("nora.nurse", "a-long-demo-password-1", Role.NURSE)
    good = {"Authorization": f"Bearer {create_token('nora.nurse', at=NOW)}"}
    locked = prober.get(f"/fhir/Patient/{p.pk}", headers=good)
    assert locked.status_code == 429 and outcome(locked.json()).issue[0].code == "throttled"
    assert Client().get(f"/fhir/Patient/{p.pk}", headers=good).status_code == 200  # elsewhere
