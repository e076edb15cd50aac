"""Book the next injection from the record: the day after the last injection given that the core
picks from the clinic's calendar (clinical/calendar.py), for the "Book next injection" button and
the API. Recording an injection on the MAR books it the same way (mar.py)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from naltrack.appointments.services import NextInjection, place_next_injection
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.clinical.vocab import Formulation
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import lock_patient

from .models import Administration, AdministrationStatus


def book_next_injection(patient: Patient, *, actor: Actor, at: datetime) -> NextInjection:
    """Book the injection after the last one given, on the core's day. Refused when no injection
    was given yet (the first is booked by hand, after screening), when one is already booked ahead,
    and when no day of the window is open (the message says which days were looked at)."""
    actor.require(Action.MANAGE_APPOINTMENTS)
    today = local_day(at)
    with transaction.atomic():
        lock_patient(patient)
        last = (
            Administration.objects.filter(
                patient=patient,
                formulation=Formulation.XR_INJECTION,
                status=AdministrationStatus.GIVEN,
            )
            .order_by("-given_on", "-pk")
            .first()
        )
        if last is None:
            raise InputError(
                "no injection has been given yet: book the first injection by hand, once the "
                "screening is signed", "patient",
            )  # fmt: skip
        ahead = Appointment.objects.filter(patient=patient, kind=AppointmentKind.INJECTION,
                                           status=AppointmentStatus.BOOKED, on__gte=today).first()  # fmt: skip
        if ahead is not None:
            raise ConflictError(
                f"an injection visit is already booked on {ahead.on.isoformat()}: move it from "
                "the calendar instead", "patient",
            )  # fmt: skip
        placed = place_next_injection(
            patient, last_injection=last.given_on, today=today, policy=active_policy(),
            booked_by=actor.username, at=at, note="booked as the next injection",
        )  # fmt: skip
        if placed.appointment is None:  # no open day in the window: a person decides
            raise ConflictError(placed.booking.message, "on")
        record_by(actor, at, AuditAction.CREATE, "appointment", placed.appointment.pk,
                  patient_mrn=patient.mrn,
                  detail=f"injection {placed.appointment.on} (next injection)")  # fmt: skip
    record_changed(patient, at=at)
    return placed
