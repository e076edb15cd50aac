"""Ending an episode of treatment: when and why it stopped."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import InputError
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.patients.services import active_episode, lock_patient

from .models import Discontinuation, Order, OrderStatus, StopReasonChoice


def discontinue(patient: Patient, *, reason: str, on: date, lost_to_follow_up: bool = False,
                stop_reason: str = "", actor: Actor, at: datetime) -> Episode:  # fmt: skip
    """End the episode: record when and why (a coded `stop_reason` and the words), stop orders,
    cancel booked visits, and open the post-treatment overdose-risk alert (VIVITROL label 5.1;
    Part A A6). Without a code, `lost_to_follow_up` codes it as such, else it is "other"."""
    actor.require(Action.DISCONTINUE_TREATMENT)
    if not reason.strip():
        raise InputError("say why treatment stops", "reason")
    code = stop_reason or (
        StopReasonChoice.LOST_TO_FOLLOW_UP if lost_to_follow_up else StopReasonChoice.OTHER
    )
    if code not in StopReasonChoice.values:
        raise InputError(f"must be one of {', '.join(StopReasonChoice.values)}", "stop_reason")
    lost = lost_to_follow_up or code == StopReasonChoice.LOST_TO_FOLLOW_UP
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        if not episode.start_date <= on <= local_day(at):
            raise InputError("must be between the episode start and today", "on")
        episode.status = EpisodeStatus.LOST_TO_FOLLOW_UP if lost else EpisodeStatus.DISCHARGED
        episode.discharge_date, episode.discharge_reason = on, reason.strip()[:500]
        episode.save()
        Discontinuation.objects.create(
            episode=episode, stopped_on=on, reason=code, note=reason.strip()[:500],
            recorded_by=actor.username, recorded_at=at,
        )  # fmt: skip
        Order.objects.filter(episode=episode, status=OrderStatus.ACTIVE).update(
            status=OrderStatus.STOPPED
        )
        Appointment.objects.filter(
            patient=patient, status=AppointmentStatus.BOOKED, on__gte=on
        ).update(status=AppointmentStatus.CANCELLED)
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "episode",
            episode.pk,
            patient_mrn=patient.mrn,
            detail=f"discontinued ({code}): {reason.strip()}"[:500],
        )
    record_changed(patient, at=at)
    return episode
