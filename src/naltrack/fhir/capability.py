"""The CapabilityStatement at /fhir/metadata: what this server does, and nothing it does not. It is
built from the same tables the views serve (resources.PATIENT_SEARCH, served.SERVED), so it cannot
claim a type or a parameter that is not there."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from . import served, smart
from .resources import FHIR_VERSION, PATIENT_SEARCH, US_CORE_PATIENT, public_url

BULK = "http://hl7.org/fhir/uv/bulkdata"
SMART_OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"


def _resource(kind: str, params: dict[str, tuple[str, str]], *profiles: str) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "type": kind,
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "searchParam": [{"name": n, "type": t, "documentation": d} for n, (t, d) in params.items()],
    }
    if profiles:
        entry["supportedProfile"] = list(profiles)
    return entry


def capability_statement(*, software_version: str, on: str) -> CapabilityStatement:
    base = f"{public_url()}/fhir"
    kinds = [_resource("Patient", PATIENT_SEARCH, US_CORE_PATIENT)]
    for s in served.SERVED.values():
        entry = _resource(s.type, s.search_params(), *s.profiles)
        entry["searchRevInclude"] = ["Provenance:target"]  # views.INCLUDES
        if s.type == "MedicationRequest":
            entry["searchInclude"] = ["MedicationRequest:medication"]
        kinds.append(entry)
    kinds.append(_resource("Flag", served.FLAG_PARAMS))
    kinds.append(_resource("Organization", {"_id": ("token", "program: this program")}))
    kinds.append(_resource("Practitioner", {"_id": ("token", "The resource id"),
                                            "identifier": ("token", "A staff member's user name")}))  # fmt: skip
    kinds.append(_resource("PractitionerRole", {"_id": ("token", "The resource id"),
                                                "practitioner": ("reference", "Practitioner/<id>")}))  # fmt: skip
    patient = kinds[0]
    patient["operation"] = [{"name": "export", "definition": f"{BULK}/OperationDefinition/patient-export"}]  # fmt: skip
    kinds.append({"type": "Group", "operation": [{"name": "export", "definition": f"{BULK}/OperationDefinition/group-export", "documentation": "Groups: active-episodes, all-patients"}]})  # fmt: skip
    return CapabilityStatement.model_validate({
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": on,
        "kind": "instance",
        "instantiates": [f"{BULK}/CapabilityStatement/bulk-data"],
        "software": {"name": "naltrack", "version": software_version},
        "implementation": {"description": "naltrack FHIR R4 server", "url": base},
        "fhirVersion": FHIR_VERSION,
        "format": ["json"],
        "rest": [{
            "mode": "server",
            "security": {
                "cors": False,
                "extension": [{"url": SMART_OAUTH_URIS,
                               "extension": [{"url": "token", "valueUri": smart.token_url()}]}],
                "service": [{"coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                    "code": "SMART-on-FHIR", "display": "SMART-on-FHIR"}]}],
                "description": (
                    "Staff: a bearer token (naltrack token create --user NAME). Other systems: "
                    "SMART Backend Services (client credentials with a signed JWT at the token "
                    "endpoint; system/*.rs scopes); each chart they read is a disclosure under "
                    "42 CFR Part 2, made only when the patient's consent covers it."),
            },
            "resource": kinds,
            # POST [base]: a transaction Bundle of records from another system (importing.py)
            "interaction": [{"code": "transaction", "documentation": "Import Patient, AllergyIntolerance, MedicationStatement, MedicationRequest and Observation from another system, all or nothing, idempotent by identifier; POST /fhir/$import takes the same as NDJSON."}],
            "operation": [{"name": "export", "definition": f"{BULK}/OperationDefinition/export"}],
        }],
    })  # fmt: skip
