"""The program's own records about a chart as FHIR R4 resources: appointments (Appointment), the
treatment plan with its relapse-prevention plan (CarePlan) and its goals (Goal), the patient's
consents (Consent), the accounting of disclosures (AuditEvent) and where imported records came from
(Provenance); and the program itself (Organization) and its staff (Practitioner).

Each function maps one row and decides nothing. Every patient's resource carries the program's
security labels.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from fhir.resources.R4B.appointment import Appointment as FhirAppointment
from fhir.resources.R4B.auditevent import AuditEvent
from fhir.resources.R4B.careplan import CarePlan
from fhir.resources.R4B.consent import Consent as FhirConsent
from fhir.resources.R4B.goal import Goal
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.provenance import Provenance

from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.clinical.consent import RECORD_KIND_LABELS, RecordKind
from naltrack.config import ClinicInfo
from naltrack.disclosure.models import Consent, Disclosure
from naltrack.treatment.models import TreatmentPlan

from .models import ImportedResource
from .resources import public_url, security

TERMINOLOGY = "http://terminology.hl7.org/CodeSystem"
APPOINTMENT_STATUS = {AppointmentStatus.BOOKED: "booked", AppointmentStatus.KEPT: "fulfilled",
                      AppointmentStatus.MISSED: "noshow", AppointmentStatus.CANCELLED: "cancelled"}  # fmt: skip


def _meta(kind: RecordKind, updated: Any = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"security": security(kind)}
    if updated is not None:
        meta["lastUpdated"] = updated.isoformat()
    return meta


def _patient(patient_id: int, display: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"reference": f"Patient/{patient_id}"}
    if display:
        ref["display"] = display
    return ref


def appointment(row: Appointment) -> FhirAppointment:
    start = None
    if row.time is not None:
        from datetime import datetime

        from django.utils import timezone

        start = datetime.combine(row.on, row.time, timezone.get_current_timezone()).isoformat()
    participants: list[dict[str, Any]] = [{"actor": _patient(row.patient_id), "status": "accepted"}]
    if row.clinician_id:
        participants.append({"actor": {"reference": f"Practitioner/{row.clinician_id}"}, "status": "accepted"})  # fmt: skip
    data: dict[str, Any] = {
        "resourceType": "Appointment", "id": str(row.pk),
        "meta": _meta(RecordKind.APPOINTMENTS, row.booked_at),
        "status": APPOINTMENT_STATUS[AppointmentStatus(row.status)],
        "serviceType": [{"text": row.get_kind_display()}],
        "description": f"{row.get_kind_display()} on {row.on.isoformat()}" + (f" ({row.note})" if row.note else ""),
        "participant": participants,
        "created": row.booked_at.isoformat(),
    }  # fmt: skip
    if start:
        data["start"] = start
    else:
        data["requestedPeriod"] = [{"start": row.on.isoformat(), "end": row.on.isoformat()}]
    if row.status == AppointmentStatus.CANCELLED and row.cancel_reason:
        data["cancelationReason"] = {"text": row.cancel_reason}
    return FhirAppointment.model_validate(data)


def _plan_status(row: TreatmentPlan, latest: bool) -> str:
    if not latest:
        return "revoked"  # a later version replaced it (the history stays)
    return "active" if row.episode.status == "active" else "completed"


def care_plan(row: TreatmentPlan, latest: bool) -> CarePlan:
    """A version of the episode's treatment plan: the naltrexone regimen, the psychosocial
    components, and the relapse-prevention plan as activities in the patient's words."""
    parts = [("Triggers", row.triggers), ("Warning signs", row.warning_signs),
             ("Coping strategies", row.coping_strategies), ("People to call", row.support_contacts),
             ("After a lapse", row.relapse_management), ("Stopping treatment", row.discontinuation_plan)]  # fmt: skip
    activities = [{"detail": {"status": "in-progress", "description": f"Naltrexone: {row.regimen.replace('_', ' ')}"}}]  # fmt: skip
    activities += [{"detail": {"status": "in-progress", "description": label}} for label in row.psychosocial_labels]  # fmt: skip
    activities += [{"detail": {"status": "not-started" if not text.strip() else "in-progress",
                               "description": f"Relapse prevention, {title.lower()}: {text.strip()}"}}
                   for title, text in parts if text.strip()]  # fmt: skip
    data: dict[str, Any] = {
        "resourceType": "CarePlan", "id": str(row.pk),
        "meta": _meta(RecordKind.MEDICATIONS, row.created_at),
        "status": _plan_status(row, latest),
        "intent": "plan",
        "title": f"Treatment plan, version {row.version}",
        "description": row.reason,
        "subject": _patient(row.patient_id),
        "period": {"start": row.episode.start_date.isoformat()},
        "created": row.created_at.isoformat(),
        "author": {"display": row.created_by},
        "activity": activities,
        "supportingInfo": [{"reference": f"EpisodeOfCare/{row.episode_id}"}],
    }  # fmt: skip
    if row.goals.strip():
        data["goal"] = [{"reference": f"Goal/{row.pk}"}]
    return CarePlan.model_validate(data)


def goal(row: TreatmentPlan, latest: bool) -> Goal:
    """The goals written in a version of the plan (in the patient's and counselor's words)."""
    return Goal.model_validate({
        "resourceType": "Goal", "id": str(row.pk),
        "meta": _meta(RecordKind.ASSESSMENTS, row.created_at),
        "lifecycleStatus": "active" if _plan_status(row, latest) == "active" else "cancelled" if not latest else "completed",
        "description": {"text": row.goals.strip() or "(no goals written)"},
        "subject": _patient(row.patient_id),
        "startDate": row.created_at.date().isoformat(),
        "expressedBy": {"display": row.created_by},
    })  # fmt: skip


def consent(row: Consent, status: str) -> FhirConsent:
    """A 42 CFR Part 2 consent: who may receive what for which purposes, until when; `status` is
    the core's reading today (consent_statuses)."""
    kinds = ["all SUD records except counselling notes"] if row.all_records else [
        RECORD_KIND_LABELS[RecordKind(k)] for k in row.record_kinds]  # fmt: skip
    recipients = [*row.recipient_names, *row.recipient_class_labels()]
    period: dict[str, str] = {"start": row.signed_on.isoformat()}
    if row.expires_on:
        period["end"] = row.expires_on.isoformat()
    fhir_status = {"in force": "active", "not yet signed": "proposed"}.get(status, "inactive")
    return FhirConsent.model_validate({
        "resourceType": "Consent", "id": str(row.pk),
        "meta": _meta(RecordKind.DEMOGRAPHICS, row.recorded_at),
        "status": fhir_status,
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope",
                              "code": "patient-privacy", "display": "Privacy Consent"}]},
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}],
                      "text": "42 CFR Part 2 consent to disclose"}],
        "patient": _patient(row.patient_id),
        "dateTime": row.recorded_at.isoformat(),
        "performer": [{"display": row.signed_by}],
        "policy": [{"uri": "https://www.ecfr.gov/current/title-42/part-2"}],
        "provision": {
            "type": "permit", "period": period,
            "actor": [{"role": {"text": "recipient"}, "reference": {"display": r}} for r in recipients],
            "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": p} for p in row.purposes],
            "data": [],
            "code": [{"text": k} for k in kinds],
        },
    })  # fmt: skip


def audit_event(row: Disclosure) -> AuditEvent:
    """One disclosure out of the program (the accounting of disclosures, 42 CFR 2.24): to whom,
    what, why, on which basis, through which channel."""
    return AuditEvent.model_validate({
        "resourceType": "AuditEvent", "id": str(row.pk),
        "meta": _meta(RecordKind.DEMOGRAPHICS, row.disclosed_at),
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110106", "display": "Export"},
        "subtype": [{"system": "http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle",
                     "code": "disclose", "display": "Disclose Record Lifecycle Event"}],
        "action": "R",
        "recorded": row.disclosed_at.isoformat(),
        "outcome": "0",
        "purposeOfEvent": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": row.purpose}]}],
        "agent": [
            {"who": {"display": row.disclosed_by}, "requestor": True},
            {"who": {"display": row.recipient_name + (f", {row.recipient_affiliation}" if row.recipient_affiliation else "")},
             "requestor": False},
        ],
        "source": {"observer": {"display": "naltrack"}, "type": [{"system": "http://terminology.hl7.org/CodeSystem/security-source-type", "code": "4", "display": "Application Server"}]},
        "entity": [{"what": _patient(row.patient_id),
                    "description": f"{row.get_channel_display()}: {', '.join(row.record_kinds)} under {row.basis.replace('_', ' ')}",
                    "securityLabel": [{"system": lb["system"], "code": lb["code"]} for lb in row.labels]}],
    })  # fmt: skip


def provenance(row: ImportedResource) -> Provenance:
    """Where an imported record came from: the sending system's identifier, who imported it."""
    return Provenance.model_validate({
        "resourceType": "Provenance", "id": str(row.pk),
        "meta": _meta(RecordKind.DEMOGRAPHICS, row.imported_at),
        "target": [{"reference": f"{row.resource_type}/{row.object_id}"}] if row.resource_type in ("Patient", "AllergyIntolerance", "Observation") else [
            {"display": f"{row.resource_type} {row.system}|{row.value} (kept in the medication list)"}],
        "recorded": row.imported_at.isoformat(),
        "activity": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-DataOperation", "code": "CREATE"}]},
        "agent": [{"who": {"display": row.imported_by}}],
        "entity": [{"role": "source", "what": {"identifier": {"system": row.system, "value": row.value}}}],
    })  # fmt: skip


def organization(info: ClinicInfo) -> Organization:
    return Organization.model_validate({
        "resourceType": "Organization", "id": "program",
        "active": True,
        "type": [{"coding": [{"system": f"{TERMINOLOGY}/organization-type", "code": "prov", "display": "Healthcare Provider"}],
                  "text": "Substance use disorder treatment program (42 CFR Part 2)"}],
        "name": info.name,
        "alias": [info.short_name],
        "telecom": [{"system": "phone", "value": info.phone, "use": "work"}],
        "endpoint": [{"display": f"{public_url()}/fhir"}],
    })  # fmt: skip


def practitioner(user: User, role_label: str) -> Practitioner:
    """A staff member: their name and their role in the program (no contact details)."""
    name: dict[str, Any] = {"text": user.get_full_name() or user.username}
    if user.last_name:
        name["family"] = user.last_name
    if user.first_name:
        name["given"] = [user.first_name]
    return Practitioner.model_validate({
        "resourceType": "Practitioner", "id": str(user.pk),
        "identifier": [{"system": f"{public_url()}/fhir/sid/staff", "value": user.username}],
        "active": user.is_active,
        "name": [name],
        "qualification": [{"code": {"text": role_label}}],
    })  # fmt: skip


def practitioner_role(user: User, role_label: str) -> PractitionerRole:
    """What a staff member does in the program: their role, at the program."""
    return PractitionerRole.model_validate({
        "resourceType": "PractitionerRole", "id": str(user.pk),
        "active": user.is_active,
        "practitioner": {"reference": f"Practitioner/{user.pk}"},
        "organization": {"reference": "Organization/program"},
        "code": [{"text": role_label}],
    })  # fmt: skip
