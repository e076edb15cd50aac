"""Naltrexone orders, signed by a prescriber; a new order stops the active one."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import InputError
from naltrack.clinical.regimens import regimens
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode, lock_patient

from .models import Order, OrderStatus


def sign_order(patient: Patient, *, formulation: str, regimen: str, dose_mg: int,
               instructions: str = "", actor: Actor, at: datetime) -> Order:  # fmt: skip
    actor.require(Action.SIGN_ORDER)
    reg = regimens().get(regimen)
    if reg is None:
        raise InputError("is not a known regimen", "regimen")
    if reg.formulation.value != formulation:
        raise InputError(f"is a regimen for {reg.formulation.value}, not {formulation}", "regimen")
    if not 1 <= dose_mg <= 2000:
        raise InputError("must be between 1 and 2000 mg", "dose_mg")
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        Order.objects.filter(episode=episode, status=OrderStatus.ACTIVE).update(
            status=OrderStatus.STOPPED
        )
        order = Order.objects.create(
            patient=patient, episode=episode, formulation=formulation, regimen=regimen,
            dose_mg=dose_mg, instructions=instructions.strip(), signed_by=actor.username, signed_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "order",
            order.pk,
            patient_mrn=patient.mrn,
            detail=f"{regimen} {dose_mg} mg",
        )
    return order
