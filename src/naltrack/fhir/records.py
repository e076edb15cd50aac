"""The clinical records of a chart as FHIR R4 resources: the naltrexone orders (MedicationRequest),
the doses given (MedicationAdministration) and those the patient reported (MedicationStatement),
the assessments' diagnoses (Condition), allergies (AllergyIntolerance), the observations
(Observation), the episodes of care (EpisodeOfCare) and the naltrexone safety flag (Flag).

Each function maps one record and decides nothing: the codes are naltrack.clinical.codes', the
flag's words the CDS Hooks patient-view advice of the core (clinical/cds.py), so an EHR's banner
and its CDS card say the same. Every resource carries the program's security labels.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from fhir.resources.R4B.allergyintolerance import AllergyIntolerance
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation as FhirObservation

from naltrack.alerts.snapshot import read_records, record_protection
from naltrack.clinic import active_policy
from naltrack.clinical import cds, codes
from naltrack.clinical.cds import Advice
from naltrack.clinical.consent import RecordKind
from naltrack.monitoring.models import Observation
from naltrack.patients.models import Allergy, Assessment, Episode, EpisodeStatus
from naltrack.treatment.models import Administration, AdministrationStatus, Order, OrderStatus

from .resources import security

US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition"
MEDICATION_REQUEST_PROFILE = f"{US_CORE}/us-core-medicationrequest"
CONDITION_PROFILE = f"{US_CORE}/us-core-condition-problems-health-concerns"
ALLERGY_PROFILE = f"{US_CORE}/us-core-allergyintolerance"
# The profiles an Observation claims, by its category (codes.CATEGORY): US Core 6.1's laboratory
# result (the urine screen, the liver tests, the pregnancy test); body weight, with FHIR R4's own
# profile for it, which R4 requires of a vital sign; and screening and assessment, for the
# instruments (PHQ-9, AUDIT, COWS, CIWA-Ar) and the craving rating. The other categories (a
# naloxone challenge, reported substance use) claim none.
OBSERVATION_PROFILES: dict[str, tuple[str, ...]] = {
    "laboratory": (f"{US_CORE}/us-core-observation-lab",),
    "vital-signs": (
        f"{US_CORE}/us-core-body-weight",
        "http://hl7.org/fhir/StructureDefinition/bodyweight",
    ),
    codes.SURVEY: (f"{US_CORE}/us-core-observation-screening-assessment",),
}
TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
# SNOMED CT routes of administration (FHIR R4's route-codes value set).
ROUTE = {"intramuscular": ("78421000", "Intramuscular route"), "oral": ("26643006", "Oral route"),
         "subcutaneous": ("34206005", "Subcutaneous route")}  # fmt: skip
SITE_WORDS = {"left": "Left gluteal", "right": "Right gluteal", "oral": "By mouth"}
NEEDLE_WORDS = {"1.5in": "1.5 inch needle", "2in": "2 inch needle"}


def _concept(concept: codes.Concept) -> dict[str, Any]:
    out: dict[str, Any] = {"text": concept.text}
    if concept.codings:
        out["coding"] = [{"system": c.system, "code": c.code, "display": c.display}
                         for c in concept.codings]  # fmt: skip
    return out


def _coded(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _meta(kind: RecordKind, updated: datetime | None = None, *profiles: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"security": security(kind)}
    if updated is not None:
        meta["lastUpdated"] = updated.isoformat()
    if profiles:
        meta["profile"] = list(profiles)
    return meta


def _patient(patient_id: int) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"}


def _who(username: str) -> dict[str, str]:
    """A staff member named as the record keeps them (a username; Practitioner is not served)."""
    return {"display": username}


# --- medications --------------------------------------------------------------------------------


def medication_request(row: Order) -> MedicationRequest:
    """A naltrexone order, as the prescriber signed it."""
    dosage = f"{row.dose_mg} mg, {row.regimen.replace('_', ' ')}"
    if row.instructions:
        dosage += f". {row.instructions}"
    return MedicationRequest.model_validate({
        "resourceType": "MedicationRequest", "id": str(row.pk),
        "meta": _meta(RecordKind.MEDICATIONS, row.signed_at, MEDICATION_REQUEST_PROFILE),
        "status": "active" if row.status == OrderStatus.ACTIVE else "stopped",
        "intent": "order",
        "category": [_coded(f"{TERMINOLOGY}/medicationrequest-category", "outpatient", "Outpatient")],
        "medicationCodeableConcept": _concept(codes.naltrexone_product(row.formulation)),
        "subject": _patient(row.patient_id),
        "supportingInformation": [{"reference": f"EpisodeOfCare/{row.episode_id}"}],
        "authoredOn": row.signed_at.isoformat(),
        "requester": _who(row.signed_by),
        "dosageInstruction": [{"text": dosage}],
    })  # fmt: skip


def _dose_text(row: Administration) -> str:
    parts = [f"{row.dose_mg} mg" if row.dose_mg else "", row.route,
             SITE_WORDS.get(row.site, row.site), NEEDLE_WORDS.get(row.needle, row.needle)]  # fmt: skip
    return ", ".join(p for p in parts if p)


def _dosage(row: Administration) -> dict[str, Any]:
    dosage: dict[str, Any] = {"text": _dose_text(row)}
    if row.dose_mg:
        dosage["dose"] = {"value": row.dose_mg, "unit": "mg", "system": codes.UCUM, "code": "mg"}
    route = ROUTE.get(row.route.lower())
    if route:
        dosage["route"] = _coded(codes.SNOMED, *route)
    if row.site in ("left", "right"):
        dosage["site"] = {"text": SITE_WORDS[row.site]}
    return dosage


def _medication(row: Administration) -> dict[str, Any]:
    """The product given, contained in the administration with its lot and expiry (R4 keeps a
    batch on Medication, not on the administration)."""
    medication: dict[str, Any] = {"resourceType": "Medication", "id": "product",
                                  "code": _concept(codes.naltrexone_product(row.formulation))}  # fmt: skip
    if row.lot or row.expiry:
        medication["batch"] = {k: v for k, v in (("lotNumber", row.lot),
                               ("expirationDate", row.expiry.isoformat() if row.expiry else None)) if v}  # fmt: skip
    return medication


def medication_administration(row: Administration) -> MedicationAdministration:
    """A dose the program gave (or held, or the patient refused): given is `completed`, held or
    refused `not-done` with the reason; the product's lot and expiry, the site and the needle."""
    given = row.status == AdministrationStatus.GIVEN
    data: dict[str, Any] = {
        "resourceType": "MedicationAdministration", "id": str(row.pk),
        "meta": _meta(RecordKind.MEDICATIONS, row.recorded_at),
        "contained": [_medication(row)],
        "status": "completed" if given else "not-done",
        "medicationReference": {"reference": "#product", "display": row.product or None},
        "subject": _patient(row.patient_id),
        "context": {"reference": f"EpisodeOfCare/{row.episode_id}"},
        "effectiveDateTime": row.given_at.isoformat(),
        "performer": [{"actor": _who(row.recorded_by)}],
        "dosage": _dosage(row),
    }  # fmt: skip
    if not given:
        data["statusReason"] = [{"text": f"{row.get_status_display()}: {row.reason}"}]
    elif row.reason:
        data["note"] = [{"text": row.reason}]
    return MedicationAdministration.model_validate(data)


def medication_statement(row: Administration) -> MedicationStatement:
    """A tablet the patient reported taking (not observed by the program)."""
    return MedicationStatement.model_validate({
        "resourceType": "MedicationStatement", "id": str(row.pk),
        "meta": _meta(RecordKind.MEDICATIONS, row.recorded_at),
        "status": "completed" if row.status == AdministrationStatus.GIVEN else "not-taken",
        "medicationCodeableConcept": _concept(codes.naltrexone_product(row.formulation)),
        "subject": _patient(row.patient_id),
        "context": {"reference": f"EpisodeOfCare/{row.episode_id}"},
        "effectiveDateTime": row.given_at.isoformat(),
        "dateAsserted": row.recorded_at.isoformat(),
        "informationSource": _patient(row.patient_id),
        "dosage": [{"text": _dose_text(row)}],
    })  # fmt: skip


# --- diagnoses, allergies, episodes --------------------------------------------------------------


def condition(row: Assessment) -> Condition:
    """The disorder an assessment found (DSM-5 severity coded by the core's table)."""
    return Condition.model_validate({
        "resourceType": "Condition", "id": str(row.pk),
        "meta": _meta(RecordKind.ASSESSMENTS, row.recorded_at, CONDITION_PROFILE),
        "clinicalStatus": _coded(f"{TERMINOLOGY}/condition-clinical", "active", "Active"),
        "verificationStatus": _coded(f"{TERMINOLOGY}/condition-ver-status", "confirmed", "Confirmed"),
        "category": [_coded(f"{TERMINOLOGY}/condition-category", "problem-list-item", "Problem List Item")],
        "code": _concept(codes.diagnosis(row.substance, row.dsm5_severity)),
        "subject": _patient(row.patient_id),
        "recordedDate": row.recorded_at.isoformat(),
        "recorder": _who(row.recorded_by),
        "note": [{"text": "DSM-5 criteria met: " + (", ".join(row.criteria_labels) or "none")}],
    })  # fmt: skip


def allergy_intolerance(row: Allergy) -> AllergyIntolerance:
    data: dict[str, Any] = {
        "resourceType": "AllergyIntolerance", "id": str(row.pk),
        "meta": _meta(RecordKind.MEDICATIONS, row.recorded_at, ALLERGY_PROFILE),
        "clinicalStatus": _coded(f"{TERMINOLOGY}/allergyintolerance-clinical", "active", "Active"),
        "verificationStatus": _coded(f"{TERMINOLOGY}/allergyintolerance-verification", "unconfirmed", "Unconfirmed"),
        "code": {"text": row.substance},
        "patient": _patient(row.patient_id),
        "recordedDate": row.recorded_at.isoformat(),
        "recorder": _who(row.recorded_by),
    }  # fmt: skip
    if row.reaction:
        data["reaction"] = [{"manifestation": [{"text": row.reaction}]}]
    return AllergyIntolerance.model_validate(data)


EPISODE_STATUS = {EpisodeStatus.ACTIVE: "active", EpisodeStatus.DISCHARGED: "finished",
                  EpisodeStatus.LOST_TO_FOLLOW_UP: "finished"}  # fmt: skip


def episode_of_care(row: Episode) -> EpisodeOfCare:
    """An episode in the program: what it treats, from intake to discharge."""
    treats = [w for w, on in (("opioid use disorder", row.treats_oud),
                              ("alcohol use disorder", row.treats_aud)) if on]  # fmt: skip
    period: dict[str, str] = {"start": row.start_date.isoformat()}
    if row.discharge_date:
        period["end"] = row.discharge_date.isoformat()
    data: dict[str, Any] = {
        "resourceType": "EpisodeOfCare", "id": str(row.pk),
        "meta": _meta(RecordKind.EPISODES),
        "status": EPISODE_STATUS[EpisodeStatus(row.status)],
        "type": [{"text": "Naltrexone treatment for " + " and ".join(treats)}],
        "patient": _patient(row.patient_id),
        "period": period,
    }  # fmt: skip
    if row.status != EpisodeStatus.ACTIVE:
        why = row.get_status_display() + (
            f": {row.discharge_reason}" if row.discharge_reason else ""
        )
        data["statusHistory"] = [{"status": "finished", "period": period}]
        data["type"].append({"text": why})
    return EpisodeOfCare.model_validate(data)


# --- observations --------------------------------------------------------------------------------


def _quantity(value: float, unit: str, code: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": codes.UCUM, "code": code}


def _component(concept: codes.Concept, **value: Any) -> dict[str, Any]:
    return {"code": _concept(concept), **value}


def _result(outcome: str) -> dict[str, Any]:
    coding = codes.RESULT[outcome]
    return {"valueCodeableConcept": _coded(coding.system, coding.code, coding.display)}


def observation(row: Observation) -> FhirObservation:
    """An observation with its parts: a urine screen's analytes, the liver tests, an instrument's
    items (PHQ-9 with LOINC), weight with height and BMI; the core's band as its interpretation."""
    kind, d = row.kind, row.data
    category = codes.CATEGORY.get(kind, codes.SURVEY)
    data: dict[str, Any] = {
        "resourceType": "Observation", "id": str(row.pk),
        "meta": _meta(RecordKind.OBSERVATIONS, row.recorded_at, *OBSERVATION_PROFILES.get(category, ())),
        "status": "final",
        "category": [_coded(f"{TERMINOLOGY}/observation-category", category,
                            category.replace("-", " ").capitalize())],
        "code": _concept(codes.OBSERVATIONS[kind]),
        "subject": _patient(row.patient_id),
        "effectiveDateTime": row.observed_on.isoformat(),
        "issued": row.recorded_at.isoformat(),
        "performer": [_who(row.recorded_by)],
    }  # fmt: skip
    components: list[dict[str, Any]] = []
    if kind == "urine_screen":
        for analyte, outcome in sorted(d.get("results", {}).items()):
            components.append({"code": _concept(codes.URINE_ANALYTES[analyte]), **_result(outcome)})
    elif kind == "liver":
        for coding, key in ((codes.ALT, "alt"), (codes.AST, "ast")):
            if d.get(key) is not None:
                components.append(_component(codes.Concept(coding.display, (coding,)),
                                             valueQuantity=_quantity(d[key], "U/L", "U/L")))  # fmt: skip
        if d.get("bilirubin") is not None:
            components.append(_component(codes.Concept(codes.BILIRUBIN.display, (codes.BILIRUBIN,)),
                                         valueQuantity=_quantity(d["bilirubin"], "mg/dL", "mg/dL")))  # fmt: skip
    elif kind == "weight":
        data["valueQuantity"] = _quantity(d["weight_kg"], "kg", "kg")
        components.append(_component(codes.Concept("Body height", (codes.BODY_HEIGHT,)),
                                     valueQuantity=_quantity(d["height_cm"], "cm", "cm")))  # fmt: skip
        components.append(_component(codes.Concept("Body mass index", (codes.BMI,)),
                                     valueQuantity=_quantity(d["bmi"], "kg/m2", "kg/m2")))  # fmt: skip
    elif kind in ("pregnancy_test", "naloxone_challenge"):
        data.update(_result(d["result"]))
    elif kind == "substance_use":
        used = [w for w, on in (("opioids", d.get("opioid")), ("alcohol", d.get("alcohol"))) if on]
        if d.get("other"):
            used.append(str(d["other"]))
        data["valueString"] = f"Used: {', '.join(used)} (reported: {str(d.get('source', '')).replace('_', ' ')})"  # fmt: skip
    elif kind == "craving":
        data["valueQuantity"] = {"value": d["value"], "unit": "score (0-10)"}
    if "items" in d:  # the instruments: their total, and each item
        data["valueInteger"] = int(row.total or 0)
        items = codes.PHQ9_ITEMS if kind == "phq9" else ()
        for i, answer in enumerate(d["items"]):
            concept = (codes.Concept(items[i].display, (items[i],)) if i < len(items)
                       else codes.Concept(f"Item {i + 1}"))  # fmt: skip
            components.append(_component(concept, valueInteger=int(answer)))
    if components:
        data["component"] = components
    if row.band and kind not in ("pregnancy_test", "naloxone_challenge"):
        data["interpretation"] = [{"text": row.band.replace("_", " ")}]
    if row.flags:
        data["note"] = [{"text": "; ".join(str(f) for f in row.flags)}]
    return FhirObservation.model_validate(data)


# --- the safety flag -----------------------------------------------------------------------------


def safety_flags(patient_ids: Sequence[int], on: date) -> Iterator[Flag]:
    """The naltrexone safety flag of each of these charts that has one on `on`: the core's
    patient-view advice on its protection status (none before a first dose, or when there is
    nothing to warn of). The records are read in a fixed number of queries, so a Bulk export
    reads a chunk of charts at once, as a read reads one."""
    policy = active_policy()
    found = read_records(sorted(set(patient_ids)), on, policy)
    for pk in sorted(found):
        advice = cds.patient_view(record_protection(found[pk], on, policy))
        if advice is not None:
            yield flag(pk, advice)


def flag(patient_id: int, advice: Advice) -> Flag:
    """The naltrexone safety flag of a chart (blockade active, wearing off, overdue, or the risk
    window after stopping): the core's patient-view advice, with the days it holds, as an EHR's
    banner shows it."""
    period: dict[str, str] = {}
    if advice.start:
        period["start"] = advice.start.isoformat()
    if advice.until:
        period["end"] = advice.until.isoformat()
    category = "drug" if advice.kind == "blockade" else "safety"
    data: dict[str, Any] = {
        "resourceType": "Flag", "id": f"{patient_id}-{advice.kind}",
        "meta": _meta(RecordKind.MEDICATIONS),
        "status": "active",
        "category": [_coded(f"{TERMINOLOGY}/flag-category", category, category.capitalize())],
        "code": {"text": f"{advice.summary}. {advice.detail} (Source: {advice.source})"},
        "subject": _patient(patient_id),
    }  # fmt: skip
    if period:
        data["period"] = period
    return Flag.model_validate(data)
