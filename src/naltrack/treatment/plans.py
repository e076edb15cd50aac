"""Treatment plans: one version per change, each with its reason."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from django.db import IntegrityError, transaction

from naltrack.accounts.actors import PatientActor
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.clinical.regimens import regimens
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Episode, Patient
from naltrack.patients.services import active_episode, lock_patient

from .models import PSYCHOSOCIAL_COMPONENTS, FormulationChoice, TreatmentPlan


@dataclass(frozen=True, slots=True)
class PlanInput:
    formulation: str
    regimen: str
    goals: str = ""
    psychosocial: tuple[str, ...] = ()
    triggers: str = ""
    warning_signs: str = ""
    coping_strategies: str = ""
    support_contacts: str = ""
    relapse_management: str = ""
    planned_duration_days: int = 180  # Part A A7 plan target; quality benchmark of 6 months
    discontinuation_plan: str = ""
    patient_may_edit: bool = False  # the patient may edit the relapse plans (portal)


MEDICATION_FIELDS = ("formulation", "regimen", "planned_duration_days")


def _validate_plan(data: PlanInput, episode: Episode) -> None:
    if data.formulation not in FormulationChoice.values:
        raise InputError(f"must be one of {', '.join(FormulationChoice.values)}", "formulation")
    regimen = regimens().get(data.regimen)
    if regimen is None:
        raise InputError("is not a known regimen", "regimen")
    if regimen.formulation.value != data.formulation:
        raise InputError(
            f"is a regimen for {regimen.formulation.value}, not {data.formulation}", "regimen"
        )
    if regimen.aud_only and episode.treats_oud:
        raise InputError("is for alcohol use disorder only, and this episode treats OUD", "regimen")
    known = {code for code, _ in PSYCHOSOCIAL_COMPONENTS}
    for item in data.psychosocial:
        if item not in known:
            raise InputError(f"{item!r} is not a psychosocial component", "psychosocial")
    if not 1 <= data.planned_duration_days <= 3650:
        raise InputError("must be between 1 and 3650 days", "planned_duration_days")


def change_plan(
    patient: Patient, data: PlanInput, *, reason: str, actor: Actor, at: datetime
) -> TreatmentPlan:
    """Write the next version of the episode's plan. The first version and every change need a
    reason; only a prescriber changes the medication (formulation, regimen, duration)."""
    actor.require(Action.EDIT_PLAN)
    if not reason.strip():
        raise InputError("say why the plan is written or changed", "reason")
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        _validate_plan(data, episode)
        previous = (
            TreatmentPlan.objects.select_for_update()
            .filter(episode=episode)
            .order_by("-version")
            .first()
        )
        medication_changed = previous is None or any(
            getattr(previous, name) != getattr(data, name) for name in MEDICATION_FIELDS
        )
        if medication_changed:
            actor.require(Action.EDIT_PLAN_MEDICATION)
        values = {f.name: getattr(data, f.name) for f in fields(data)}
        values["psychosocial"] = list(data.psychosocial)
        try:
            with transaction.atomic():
                plan = TreatmentPlan.objects.create(
                    patient=patient, episode=episode, version=(previous.version + 1) if previous else 1,
                    reason=reason.strip(), created_by=actor.username, created_at=at, **values,
                )  # fmt: skip
        except IntegrityError:
            raise ConflictError(
                "the plan was changed by someone else meanwhile; reload", "version"
            ) from None
        record_by(
            actor,
            at,
            AuditAction.CREATE if previous is None else AuditAction.UPDATE,
            "treatment_plan",
            plan.pk,
            patient_mrn=patient.mrn,
            detail=f"version {plan.version}: {plan.reason}",
        )
    record_changed(patient, at=at)
    return plan


# ---- the patient's own edits (the portal, issue 11) -----------------------------------------------

RELAPSE_PREVENTION_FIELDS = ("triggers", "warning_signs", "coping_strategies", "support_contacts")
# What the patient may change where the counselor allows it: the relapse-prevention plan and the
# relapse-management plan (what to do after a lapse), under the same flag and versioning.
PATIENT_EDITABLE_FIELDS = (*RELAPSE_PREVENTION_FIELDS, "relapse_management")
PATIENT_TEXT_MAX = 2000  # characters per field: a plan in the patient's words, not a diary


@dataclass(frozen=True, slots=True)
class RelapsePreventionInput:
    """The patient's words for each part; None: that part was not sent and stays as it is."""

    triggers: str | None = None
    warning_signs: str | None = None
    coping_strategies: str | None = None
    support_contacts: str | None = None
    relapse_management: str | None = None

    def given(self) -> dict[str, str]:
        return {
            name: value.strip()
            for name in PATIENT_EDITABLE_FIELDS
            if (value := getattr(self, name)) is not None
        }


def patient_edits_relapse_plan(
    data: RelapsePreventionInput, *, based_on_version: int, actor: PatientActor, at: datetime
) -> TreatmentPlan | None:
    """The patient edits the relapse-prevention and relapse-management parts of their current
    plan, where the counselor allows it (`patient_may_edit`). The edit is a new version written by "patient:<login>", every
    other field copied from the version the patient saw (`based_on_version`: a plan changed
    meanwhile is refused, as a stale staff edit is). Returns None when nothing changed."""
    given = data.given()
    for name, value in given.items():
        if len(value) > PATIENT_TEXT_MAX:
            raise InputError(f"must be at most {PATIENT_TEXT_MAX} characters", name)
    with transaction.atomic():
        patient = lock_patient(Patient.objects.get(pk=actor.patient_id))
        actor.require_own(patient.pk)
        current = (
            TreatmentPlan.objects.select_for_update()
            .filter(patient=patient, episode__status="active")
            .order_by("-version")
            .first()
        )
        if current is None:
            raise InputError("there is no current plan to edit", "plan")
        if not current.patient_may_edit:
            raise InputError("your care team has not opened this plan for your edits", "plan")
        if current.version != based_on_version:
            raise ConflictError("the plan was changed meanwhile; reload", "version")
        changed = [name for name, value in given.items() if getattr(current, name) != value]
        if not changed:
            return None
        values = {f.name: getattr(current, f.name) for f in fields(PlanInput)}
        values.update(given)
        plan = TreatmentPlan.objects.create(
            patient=patient, episode=current.episode, version=current.version + 1,
            reason="Edited by the patient in the portal (relapse plans)",
            created_by=actor.username, created_at=at, **values,
        )  # fmt: skip
        record_by(actor, at, AuditAction.UPDATE, "treatment_plan", plan.pk,
                  patient_mrn=patient.mrn,
                  detail=f"version {plan.version}: the patient changed {', '.join(changed)}")  # fmt: skip
    record_changed(patient, at=at)
    return plan
