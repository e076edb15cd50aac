"""My plan: the current treatment plan in the patient's words, and the patient's edits of the
relapse-prevention plan (decided and versioned by treatment/plans.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from naltrack.accounts.actors import PatientActor
from naltrack.treatment.models import TreatmentPlan
from naltrack.treatment.plans import RelapsePreventionInput, patient_edits_relapse_plan

from .services import audit_read, own_patient
from .words import FORMULATION_WORDS, regimen_words, support_words


@dataclass(frozen=True, slots=True)
class PlanView:
    """The current plan in the patient's words."""

    plan: TreatmentPlan | None
    medicine: str
    schedule: str
    months: int
    supports: list[str]

    @property
    def editable(self) -> bool:
        return self.plan is not None and self.plan.patient_may_edit


def read_plan(actor: PatientActor, *, at: datetime) -> PlanView:
    with transaction.atomic():
        patient = own_patient(actor)
        plan = TreatmentPlan.current(patient)
        audit_read(actor, at, "portal_plan", f"version {plan.version}" if plan else "no plan")
    if plan is None:
        return PlanView(None, "", "", 0, [])
    return PlanView(
        plan=plan,
        medicine=str(FORMULATION_WORDS.get(plan.formulation, "")),
        schedule=regimen_words(plan.regimen),
        months=max(1, round(plan.planned_duration_days / 30)),
        supports=support_words(list(plan.psychosocial)),
    )


def edit_relapse_plan(
    actor: PatientActor, data: RelapsePreventionInput, *, based_on_version: int, at: datetime
) -> TreatmentPlan | None:
    """The patient's edit of their relapse-prevention plan (treatment/plans.py decides)."""
    return patient_edits_relapse_plan(data, based_on_version=based_on_version, actor=actor, at=at)
