"""Assessment, medication list, allergies and patient search."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical import instruments
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clock import local_day

from .models import (
    DSM5_CRITERIA,
    Allergy,
    Assessment,
    MedicationEntry,
    OpioidKindChoice,
    OutsideCondition,
    Patient,
)
from .services import active_episode, lock_owner, lock_patient, open_chart_of


@dataclass(frozen=True, slots=True)
class AssessmentInput:
    assessed_on: date
    substance: str  # "OUD" or "AUD"
    dsm5_criteria: tuple[str, ...]
    on_maintenance_therapy: bool = False
    last_opioid_use: date | None = None
    last_opioid_kind: str = ""
    last_alcohol_use: date | None = None
    other_substances: str = ""
    goals: str = ""
    co_occurring_conditions: str = ""


def record_assessment(
    patient: Patient, data: AssessmentInput, *, actor: Actor, at: datetime
) -> Assessment:
    actor.require(Action.RECORD_ASSESSMENT)
    if data.substance not in ("OUD", "AUD"):
        raise InputError("must be OUD or AUD", "substance")
    if data.assessed_on > local_day(at):
        raise InputError("is in the future", "assessed_on")
    known = {name for name, _ in DSM5_CRITERIA}
    for name in data.dsm5_criteria:
        if name not in known:
            raise InputError(f"{name!r} is not a DSM-5 criterion", "dsm5_criteria")
    for name in ("last_opioid_use", "last_alcohol_use"):
        value = getattr(data, name)
        if value is not None and value > data.assessed_on:
            raise InputError("is after the assessment", name)
    if data.last_opioid_kind and data.last_opioid_kind not in OpioidKindChoice.values:
        raise InputError(f"must be one of {', '.join(OpioidKindChoice.values)}", "last_opioid_kind")
    if data.last_opioid_use and not data.last_opioid_kind:
        raise InputError("say which kind of opioid (or unknown)", "last_opioid_kind")
    severity = instruments.score(
        "dsm5_sud",
        {
            "criteria_met": list(data.dsm5_criteria),
            "on_maintenance_therapy": data.on_maintenance_therapy,
        },
    ).band
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        assessment = Assessment.objects.create(
            patient=patient, episode=episode, assessed_on=data.assessed_on, substance=data.substance,
            dsm5_criteria=list(data.dsm5_criteria), on_maintenance_therapy=data.on_maintenance_therapy,
            dsm5_severity=severity or "", last_opioid_use=data.last_opioid_use,
            last_opioid_kind=data.last_opioid_kind, last_alcohol_use=data.last_alcohol_use,
            other_substances=data.other_substances.strip(), goals=data.goals.strip(),
            co_occurring_conditions=data.co_occurring_conditions.strip(), recorded_by=actor.username,
            recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "assessment",
            assessment.pk,
            patient_mrn=patient.mrn,
            detail=f"{data.substance} {severity}",
        )
    return assessment


def add_medication(patient: Patient, *, name: str, rxnorm: str = "", started_on: date | None = None,
                   actor: Actor, at: datetime) -> MedicationEntry:  # fmt: skip
    actor.require(Action.RECORD_MEDICATION_LIST)
    if not name.strip():
        raise InputError("is required", "name")
    if rxnorm and not rxnorm.isdigit():
        raise InputError("an RxNorm code is digits only", "rxnorm")
    with transaction.atomic():
        lock_patient(patient)
        entry = MedicationEntry.objects.create(
            patient=patient, name=name.strip()[:200], rxnorm=rxnorm, started_on=started_on,
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "medication",
            entry.pk,
            patient_mrn=patient.mrn,
            detail=entry.name,
        )
    return entry


def stop_medication(
    entry_id: int, *, stopped_on: date, actor: Actor, at: datetime, of: Patient | None = None
) -> MedicationEntry:
    """Take a medication off the current list (it stays in the record with its stop date). A page
    passes `of`, the patient it shows, so an id from another patient's list is refused."""
    actor.require(Action.RECORD_MEDICATION_LIST)
    open_chart_of(MedicationEntry, entry_id, actor=actor, at=at, of=of,
                  missing="no medication entry has this id", field="medication")  # fmt: skip
    with transaction.atomic():
        lock_owner(MedicationEntry, entry_id)
        entry = (
            MedicationEntry.objects.select_for_update()
            .select_related("patient")
            .filter(pk=entry_id, **({"patient": of} if of else {}))
            .first()
        )
        if entry is None:
            raise NotFoundError("no medication entry has this id", "medication")
        if entry.stopped_on is not None:
            raise ConflictError(f"already stopped on {entry.stopped_on}", "medication")
        if stopped_on > local_day(at) or (entry.started_on and stopped_on < entry.started_on):
            raise InputError("must be between the start and today", "stopped_on")
        entry.stopped_on = stopped_on
        entry.save(update_fields=["stopped_on"])
        record_by(actor, at, AuditAction.UPDATE, "medication", entry.pk, patient_mrn=entry.patient.mrn,
                  detail=f"stopped {entry.name}")  # fmt: skip
    return entry


def add_allergy(
    patient: Patient, *, substance: str, reaction: str = "", actor: Actor, at: datetime
) -> Allergy:
    actor.require(Action.RECORD_MEDICATION_LIST)
    if not substance.strip():
        raise InputError("is required", "substance")
    with transaction.atomic():
        lock_patient(patient)
        allergy = Allergy.objects.create(
            patient=patient, substance=substance.strip()[:200], reaction=reaction.strip()[:200],
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "allergy",
            allergy.pk,
            patient_mrn=patient.mrn,
            detail=allergy.substance,
        )
    return allergy


CONDITION_STATUSES = ("active", "recurrence", "relapse", "inactive", "remission", "resolved", "")


def _check_outside_condition(
    text: str, clinical_status: str, onset: date | None, at: datetime
) -> None:
    if not text.strip():
        raise InputError("is required", "text")
    if clinical_status not in CONDITION_STATUSES:
        raise InputError(f"must be one of {', '.join(s for s in CONDITION_STATUSES if s)}", "clinical_status")  # fmt: skip
    if onset is not None and onset > local_day(at):
        raise InputError("is in the future", "onset")


def add_outside_condition(patient: Patient, *, text: str, code_system: str = "", code: str = "",
                          clinical_status: str = "", onset: date | None = None, source: str,
                          actor: Actor, at: datetime) -> OutsideCondition:  # fmt: skip
    """Keep a condition another provider's record lists (a FHIR import), as that record says it."""
    actor.require(Action.RECORD_MEDICATION_LIST)
    _check_outside_condition(text, clinical_status, onset, at)
    with transaction.atomic():
        lock_patient(patient)
        row = OutsideCondition.objects.create(
            patient=patient, text=text.strip()[:200], code_system=code_system[:200], code=code[:40],
            clinical_status=clinical_status, onset=onset, source=source[:300],
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        record_by(actor, at, AuditAction.CREATE, "outside_condition", row.pk,
                  patient_mrn=patient.mrn, detail=f"{row.text} (from {row.source})"[:500])  # fmt: skip
    return row


def revise_allergy(allergy_id: int, *, substance: str, reaction: str, actor: Actor, at: datetime,
                   of: Patient | None = None) -> list[str]:  # fmt: skip
    """Change an allergy's substance or reaction (a FHIR import re-sending the record another EHR
    changed). Returns the fields changed (none: nothing written); each change is audited with its
    value before and after."""
    actor.require(Action.RECORD_MEDICATION_LIST)
    if not substance.strip():
        raise InputError("is required", "substance")
    open_chart_of(Allergy, allergy_id, actor=actor, at=at, of=of,
                  missing="no allergy has this id", field="allergy")  # fmt: skip
    new = {"substance": substance.strip()[:200], "reaction": reaction.strip()[:200]}
    with transaction.atomic():
        lock_owner(Allergy, allergy_id)
        row = Allergy.objects.select_for_update().select_related("patient").get(pk=allergy_id)
        return _revise(row, new, "allergy", actor, at)


def revise_outside_condition(row_id: int, *, text: str, code_system: str, code: str,
                             clinical_status: str, onset: date | None, actor: Actor, at: datetime,
                             of: Patient | None = None) -> list[str]:  # fmt: skip
    """Change a condition another provider's record lists, as that record now says it (a FHIR
    import re-sending it: resolved, say, or recoded). Returns the fields changed; each is audited
    with its value before and after."""
    actor.require(Action.RECORD_MEDICATION_LIST)
    _check_outside_condition(text, clinical_status, onset, at)
    open_chart_of(OutsideCondition, row_id, actor=actor, at=at, of=of,
                  missing="no outside condition has this id", field="condition")  # fmt: skip
    new = {"text": text.strip()[:200], "code_system": code_system[:200], "code": code[:40],
           "clinical_status": clinical_status, "onset": onset}  # fmt: skip
    with transaction.atomic():
        lock_owner(OutsideCondition, row_id)
        row = OutsideCondition.objects.select_for_update().select_related("patient").get(pk=row_id)
        return _revise(row, new, "outside_condition", actor, at)


def _revise(row: Allergy | OutsideCondition, new: Mapping[str, object], what: str, actor: Actor,
            at: datetime) -> list[str]:  # fmt: skip
    changed = [name for name, value in new.items() if getattr(row, name) != value]
    for name in changed:
        record_by(actor, at, AuditAction.UPDATE, what, row.pk, patient_mrn=row.patient.mrn,
                  detail=f"{name}: {getattr(row, name) or '(empty)'} -> {new[name] or '(empty)'}"[:500])  # fmt: skip
        setattr(row, name, new[name])
    if changed:
        row.save(update_fields=changed)
    return changed


def search_patients(query: str, *, actor: Actor) -> QuerySet[Patient]:
    """Patients whose MRN, family or given name starts with the query (case-insensitive), or
    who have a chart merged into theirs under the MRN typed."""
    actor.require(Action.VIEW_PATIENT_LIST)
    q = query.strip()
    # A chart merged into another is not listed; its MRN finds the surviving chart.
    rows = Patient.objects.filter(merged_into__isnull=True)
    words = q.split()[:3]
    for word in words:
        rows = rows.filter(
            Q(mrn__istartswith=word)
            | Q(family_name__istartswith=word)
            | Q(given_name__istartswith=word)
            | Q(merged_charts__mrn__iexact=word)
        )
    if words:
        rows = rows.distinct()
    return rows.order_by("family_name", "given_name", "mrn")
