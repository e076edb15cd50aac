"""Naltrexone orders, signed by a prescriber; a new order stops the active one."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError
from naltrack.clinical.orders import OrderRequest, check_order
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode, lock_patient

from .models import Order, OrderStatus


def sign_order(patient: Patient, *, formulation: str, regimen: str, dose_mg: int,
               instructions: str = "", reason: str = "", actor: Actor, at: datetime) -> Order:  # fmt: skip
    """Sign an order the core allows for this formulation and regimen (clinical/orders.py:
    380 mg injections, the oral regimens' own doses, a prescriber's own oral schedule at the
    clinic's weekly total or with a written reason, implants inside the clinic's range); a refused
    order writes nothing. The reason, when given, is kept with the instructions."""
    actor.require(Action.SIGN_ORDER)
    episode = active_episode(patient)
    check_order(
        OrderRequest(formulation, regimen, dose_mg, episode.indications, reason), active_policy()
    )
    text = instructions.strip()
    if reason.strip():
        text = f"{text} (Reason: {reason.strip()})".strip()
    if len(text) > 500:
        raise InputError("with the reason must be at most 500 characters", "instructions")
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        Order.objects.filter(episode=episode, status=OrderStatus.ACTIVE).update(
            status=OrderStatus.STOPPED
        )
        order = Order.objects.create(
            patient=patient, episode=episode, formulation=formulation, regimen=regimen,
            dose_mg=dose_mg, instructions=text, signed_by=actor.username, signed_at=at,
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
