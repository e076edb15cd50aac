"""Treatment use cases, one module each: plans, orders, the MAR, implants, appointments and
discontinuation. This module only re-exports them so that existing imports keep working; new code
imports the module of its use case."""

from __future__ import annotations

# Appointments moved to naltrack.appointments (issue 9, part 7); re-exported here for now.
from naltrack.appointments.services import book_appointment, set_appointment_status

from .discontinuation import discontinue
from .implants import insert_implant, remove_implant
from .mar import (
    INJECTION_DOSE_MG,
    INJECTION_PRODUCT,
    AdministrationInput,
    DoseRefused,
    InjectionProposal,
    NeedsConfirmation,
    OrderToday,
    Recorded,
    authorize_injection_override,
    injection_decision,
    order_today,
    propose_injection,
    record_administration,
)
from .orders import sign_order
from .plans import MEDICATION_FIELDS, PlanInput, change_plan

__all__ = [
    "INJECTION_DOSE_MG",
    "INJECTION_PRODUCT",
    "MEDICATION_FIELDS",
    "AdministrationInput",
    "DoseRefused",
    "InjectionProposal",
    "NeedsConfirmation",
    "OrderToday",
    "PlanInput",
    "Recorded",
    "authorize_injection_override",
    "book_appointment",
    "change_plan",
    "discontinue",
    "injection_decision",
    "insert_implant",
    "order_today",
    "propose_injection",
    "record_administration",
    "remove_implant",
    "set_appointment_status",
    "sign_order",
]
