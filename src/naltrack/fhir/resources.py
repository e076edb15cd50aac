"""naltrack's records as FHIR R4 resources (fhir.resources' R4B models, whose Patient is R4's).

Each function maps one record and decides nothing: a clinical answer shown in a resource comes from
naltrack.clinical. Every resource carries the program's security labels (clinical/consent.py,
`labels_of`), as DS4P puts them in meta.security: restricted, 42 CFR Part 2, SUD, no redisclosure.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.patient import Patient as FhirPatient

from naltrack.clinical.consent import RecordKind, labels_of
from naltrack.patients.models import Patient

FHIR_VERSION = "4.0.1"
US_CORE_PATIENT = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"
# The administrative gender of FHIR for naltrack's sex at birth (clinical.vocab.SexAtBirth: female,
# male, other; naltrack records no gender identity):
# http://hl7.org/fhir/R4/valueset-administrative-gender.html. "unknown" is no stored value: a search
# for it is a valid FHIR search that finds no chart.
GENDER = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
# OperationOutcome.issue.code (http://hl7.org/fhir/R4/valueset-issue-type.html) by HTTP status.
ISSUE_CODE = {400: "invalid", 401: "login", 403: "forbidden", 404: "not-found",
              405: "not-supported", 406: "not-supported", 429: "throttled", 500: "exception"}  # fmt: skip


# Identifier.type of a medical record number (HL7 v2 table 0203).
MR = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "MR",
                  "display": "Medical record number"}]}  # fmt: skip


def public_url() -> str:
    """The clinic's address (NALTRACK_PUBLIC_URL), under which /fhir is served."""
    return str(settings.REMINDERS.public_url)


def mrn_system() -> str:
    """The identifier system of this clinic's MRNs: a URI under the clinic's own address."""
    return f"{public_url()}/fhir/sid/mrn"


def security(kind: RecordKind) -> list[dict[str, str]]:
    return [
        {"system": label.system, "code": label.code, "display": label.display}
        for label in sorted(labels_of(kind))
    ]


def patient(row: Patient) -> FhirPatient:
    """The Patient resource of a chart. A chart merged into another (naltrack.merge) is inactive
    and links to the chart it was merged into (`replaced-by`), as FHIR's Patient.link says."""
    telecom = [
        {"system": system, "value": value, "use": "home"}
        for system, value in (("phone", row.phone), ("email", row.email))
        if value
    ]
    data: dict[str, Any] = {
        "resourceType": "Patient",
        "id": str(row.pk),
        "meta": {"profile": [US_CORE_PATIENT], "security": security(RecordKind.DEMOGRAPHICS)},
        "identifier": [{"use": "usual", "type": MR, "system": mrn_system(), "value": row.mrn}],
        "active": row.merged_into_id is None,
        "name": [{"use": "official", "family": row.family_name, "given": [row.given_name]}],
        "gender": GENDER.get(row.sex_at_birth, "unknown"),
        "birthDate": row.birth_date.isoformat(),
    }
    if telecom:
        data["telecom"] = telecom
    if row.address.strip():
        data["address"] = [{"use": "home", "text": row.address.strip()}]
    if row.merged_into_id is not None:
        data["link"] = [{"other": {"reference": f"Patient/{row.merged_into_id}"}, "type": "replaced-by"}]  # fmt: skip
    return FhirPatient.model_validate(data)


def operation_outcome(status: int, message: str, field: str | None = None) -> OperationOutcome:
    """An error as FHIR answers one: the issue's code from the HTTP status, the message in
    `diagnostics`, the offending parameter or field in `expression`."""
    issue: dict[str, Any] = {
        "severity": "error",
        "code": ISSUE_CODE.get(status, "processing"),
        "diagnostics": message,
    }
    if field:
        issue["expression"] = [field]
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [issue]})


# The search parameters served, each with its FHIR type, as the CapabilityStatement lists them.
PATIENT_SEARCH = {
    "_id": ("token", "The resource id"),
    "identifier": ("token", "A medical record number, as system|value or value"),
    "name": ("string", "A part of the given or family name (starts with, any case)"),
    "family": ("string", "The family name (starts with, any case)"),
    "given": ("string", "The given name (starts with, any case)"),
    "birthdate": ("date", "The birth date (YYYY-MM-DD)"),
    "gender": ("token", "female, male, other or unknown"),
}


def refused_entries(refusals: list[Any]) -> OperationOutcome:
    """An import refused: one issue per refused entry, naming where (Bundle.entry[3].resource.code
    or line 4) and why; nothing was written."""
    return OperationOutcome.model_validate({"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "invalid", "diagnostics": r.message, "expression": [r.where]}
        for r in refusals]})  # fmt: skip
