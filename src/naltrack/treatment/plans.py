"""Treatment plans: one version per change, each with its reason."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from django.db import IntegrityError, transaction

from naltrack.accounts.actors import PatientActor, PermissionRefused
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
from .words import formulation_label


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
# The action each part of the plan needs (accounts/roles.py): the medication (formulation, regimen,
# planned duration) is the prescriber's; the goals, the psychosocial components, the
# relapse-prevention and relapse-management plans, the discontinuation plan and the portal flag
# are any plan editor's (the counselor's too). The editor shows a part the actor may not change
# read-only, and change_plan refuses a change to it whatever sent it.
FIELD_ACTIONS: dict[str, Action] = {
    f.name: Action.EDIT_PLAN_MEDICATION if f.name in MEDICATION_FIELDS else Action.EDIT_PLAN
    for f in fields(PlanInput)
}

# Each part's name as the editor, the chart and the plan history show it.
FIELD_LABELS: dict[str, str] = {
    "formulation": "Formulation",
    "regimen": "Regimen",
    "goals": "Goals",
    "psychosocial": "Psychosocial components",
    "triggers": "Relapse prevention: triggers",
    "warning_signs": "Relapse prevention: warning signs",
    "coping_strategies": "Relapse prevention: coping strategies",
    "support_contacts": "Relapse prevention: people to call",
    "relapse_management": "Relapse management: what happens after a lapse",
    "planned_duration_days": "Planned duration (days)",
    "discontinuation_plan": "Discontinuation plan",
    "patient_may_edit": "The patient may edit the relapse plans in the portal",
}


def read_only_fields(actor: Actor) -> tuple[str, ...]:
    """The parts of the plan `actor` may read but not change, in the plan's order."""
    return tuple(name for name, action in FIELD_ACTIONS.items() if not actor.can(action))


class PlanFieldRefused(PermissionRefused):
    """A change to a part of the plan the actor's role may not change (`field`, the first of
    them): refused, nothing written. The API answers 403 naming the field; the editor shows the
    message beside it and keeps what was typed."""

    def __init__(self, actor: Actor, action: Action, names: list[str]) -> None:
        super().__init__(actor, action)
        role = actor.role.label.lower() if actor.role else "no role"
        parts = ", ".join(FIELD_LABELS[name].lower() for name in names)
        self.field = names[0]
        self.message = (
            f"a {role} may not change the {parts}; only a prescriber changes the medication"
        )
        self.args = (self.message,)

    def __str__(self) -> str:
        return self.message


def _plan_value(source: PlanInput | TreatmentPlan, name: str) -> object:
    value = getattr(source, name)
    return list(value) if name == "psychosocial" else value


def refused_changes(actor: Actor, previous: TreatmentPlan | None, data: PlanInput) -> list[str]:
    """The parts `data` changes from `previous` (every medication part when there is no plan yet:
    the first version sets the medication) that `actor` may not change."""
    return [
        name
        for name, action in FIELD_ACTIONS.items()
        if not actor.can(action)
        and (
            (previous is None and name in MEDICATION_FIELDS)
            or (previous is not None and _plan_value(previous, name) != _plan_value(data, name))
        )
    ]


def _validate_plan(data: PlanInput, episode: Episode) -> None:
    if data.formulation not in FormulationChoice.values:
        raise InputError(f"must be one of {', '.join(FormulationChoice.values)}", "formulation")
    regimen = regimens().get(data.regimen)
    if regimen is None:
        raise InputError("is not a known regimen", "regimen")
    if regimen.formulation.value != data.formulation:
        raise InputError(
            f"is a regimen for {formulation_label(regimen.formulation.value).lower()}, not "
            f"{formulation_label(data.formulation).lower()}",
            "regimen",
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
    patient: Patient,
    data: PlanInput,
    *,
    reason: str,
    actor: Actor,
    at: datetime,
    based_on_version: int | None = None,
) -> TreatmentPlan:
    """Write the next version of the episode's plan. The first version and every change need a
    reason; only a prescriber changes the medication (formulation, regimen, duration): a change to
    a part the actor may not change is refused naming it (PlanFieldRefused), nothing written.

    `based_on_version`: the version the editor showed (0: there was none). When another version
    was saved since, the save is refused (ConflictError on "based_on_version"), so that one
    person's edit does not silently undo another's; None skips the check (the demo)."""
    actor.require(Action.EDIT_PLAN)
    if not reason.strip():
        raise InputError("say why the plan is written or changed", "reason")
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        previous = (
            TreatmentPlan.objects.select_for_update()
            .filter(episode=episode)
            .order_by("-version")
            .first()
        )
        current_version = previous.version if previous else 0
        if based_on_version is not None and based_on_version != current_version:
            raise ConflictError(
                f"someone else saved version {current_version} of this plan after you opened "
                f"version {based_on_version}; nothing was saved. Reload the plan and make your "
                "change again",
                "based_on_version",
            )
        refused = refused_changes(actor, previous, data)
        if refused:  # before the values are checked: a part the role may not change at all
            raise PlanFieldRefused(actor, FIELD_ACTIONS[refused[0]], refused)
        _validate_plan(data, episode)
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
