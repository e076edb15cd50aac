"""Implant insertions and removals (procedures, recorded by a prescriber). A removal ends the
implant's coverage on its day (clinical.coverage reads `removed_on`)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.mar import implant_covered_days
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.insurance.services import take_authorized_unit
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode, lock_patient, open_chart_of

from .facts import earlier_dose_in
from .gate import check_first_dose
from .mar import DoseRefused, NeedsConfirmation
from .models import Implant


def insert_implant(patient: Patient, *, inserted_on: date, product: str, dose_mg: int, lot: str, site: str,
                   actor: Actor, at: datetime, confirm_warnings: bool = False) -> Implant:  # fmt: skip
    """Record an insertion: a first dose of the episode is checked against the screening, and the
    implant's prior authorization as an injection's is (issue 15: a unit of the active approval is
    used in this transaction; without one, a warning to confirm or, by clinic setting, a
    refusal)."""
    actor.require(Action.RECORD_IMPLANT)
    if inserted_on > local_day(at):
        raise InputError("is in the future", "inserted_on")
    for name, value in (("product", product), ("lot", lot), ("site", site)):
        if not value.strip():
            raise InputError("is required", name)
    if not 1 <= dose_mg <= 5000:
        raise InputError("must be between 1 and 5000 mg", "dose_mg")
    policy = active_policy()
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        if not earlier_dose_in(episode):
            check_first_dose(episode, inserted_on, policy)
        paid = take_authorized_unit(patient, Formulation.IMPLANT, inserted_on, None,
                                    actor=actor, at=at)  # fmt: skip
        if paid.refusals:
            raise DoseRefused(paid.refusals)
        warnings = [w.message for w in paid.warnings]
        if warnings and not confirm_warnings:
            raise NeedsConfirmation(warnings, what="insertion")
        implant = Implant.objects.create(
            patient=patient, episode=episode, inserted_on=inserted_on, product=product.strip(),
            dose_mg=dose_mg, covered_days=implant_covered_days(policy), lot=lot.strip(),
            site=site.strip(), inserted_by=actor.username,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "implant",
            implant.pk,
            patient_mrn=patient.mrn,
            detail="inserted" + "".join(f"; confirmed: {w}" for w in warnings),
        )
    record_changed(patient, at=at)
    return implant


def remove_implant(implant_id: int, *, removed_on: date, reason: str, actor: Actor, at: datetime,
                   of: Patient | None = None) -> Implant:  # fmt: skip
    """Record a removal; `of` (the patient a page shows) refuses another patient's implant."""
    actor.require(Action.RECORD_IMPLANT)
    if not reason.strip():
        raise InputError("is required", "reason")
    open_chart_of(Implant, implant_id, actor=actor, at=at, of=of,
                  missing="no implant has this id", field="implant")  # fmt: skip
    with transaction.atomic():
        found = Implant.objects.filter(pk=implant_id, **({"patient": of} if of else {})).first()
        if found is None:
            raise NotFoundError("no implant has this id", "implant")
        lock_patient(found.patient)
        implant = Implant.objects.select_for_update().select_related("patient").get(pk=found.pk)
        if implant.removed_on is not None:
            raise ConflictError("this implant was already removed", "implant")
        if not implant.inserted_on <= removed_on <= local_day(at):
            raise InputError("must be between the insertion and today", "removed_on")
        implant.removed_on, implant.removal_reason, implant.removed_by = (
            removed_on,
            reason.strip(),
            actor.username,
        )
        implant.save()
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "implant",
            implant.pk,
            patient_mrn=implant.patient.mrn,
            detail="removed",
        )
    record_changed(implant.patient, at=at)
    return implant
