"""Screening use cases: gather the facts from the record, ask the core, store the result with the
policy version; a prescriber signs, and overriding a block needs a written reason (audited)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.screening import ScreeningResult, screen
from naltrack.clinical.screening_facts import parse_screening_facts
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode, lock_owner, lock_patient, open_chart_of

from .facts import ENTERED_FACTS, gather_facts, merge
from .models import DecisionChoice, ScreeningRecord

BLOCKING = (DecisionChoice.NOT_YET, DecisionChoice.CONTRAINDICATED)
MIN_OVERRIDE_REASON = 20  # characters: a sentence a reviewer can act on, not "ok"


def preview(
    patient: Patient, entered: dict[str, Any], *, formulation: str, as_of: date
) -> tuple[dict[str, Any], ScreeningResult]:
    """What the core says for the record plus the entered facts under the clinic's policy; writes
    nothing (the live form)."""
    unknown = set(entered) - set(ENTERED_FACTS)
    if unknown:
        raise InputError(f"unknown fact {sorted(unknown)[0]!r}", sorted(unknown)[0])
    episode = active_episode(patient)
    facts = merge(gather_facts(patient, episode, as_of=as_of, formulation=formulation), entered)
    return facts, screen(parse_screening_facts(facts), active_policy())


def run_screening(patient: Patient, entered: dict[str, Any], *, formulation: str, actor: Actor,
                  at: datetime) -> ScreeningRecord:  # fmt: skip
    """Screen on the clinic's day of `at` under the clinic's policy; the record keeps the policy
    version that produced the decision."""
    actor.require(Action.RUN_SCREENING)
    as_of = local_day(at)
    with transaction.atomic():
        # The facts are read with the patient locked: what the core decided on is what is stored.
        lock_patient(patient)
        facts, result = preview(patient, entered, formulation=formulation, as_of=as_of)
        rec = ScreeningRecord.objects.create(
            patient=patient, episode=active_episode(patient), as_of=as_of, formulation=formulation,
            facts=facts, result=result.as_dict(), decision=result.decision.value,
            earliest_start_date=result.earliest_start_date, policy_version=result.policy,
            created_by=actor.username, created_at=at,
        )  # fmt: skip
        record_by(
            actor,
            at,
            AuditAction.CREATE,
            "screening",
            rec.pk,
            patient_mrn=patient.mrn,
            detail=f"{rec.decision} ({rec.policy_version})",
        )
    record_changed(patient, at=at)
    return rec


def sign_screening(
    screening_id: int, *, actor: Actor, at: datetime, override_reason: str = ""
) -> ScreeningRecord:
    """A prescriber signs. Signing a blocked screening with a reason overrides the block."""
    actor.require(Action.SIGN_SCREENING)
    reason = override_reason.strip()
    open_chart_of(ScreeningRecord, screening_id, actor=actor, at=at,
                  missing="no screening has this id", field="screening")  # fmt: skip
    with transaction.atomic():
        lock_owner(ScreeningRecord, screening_id)
        rec = (
            ScreeningRecord.objects.select_for_update()
            .select_related("patient")
            .filter(pk=screening_id)
            .first()
        )
        if rec is None:
            raise NotFoundError("no screening has this id", "screening")
        if rec.signed:
            raise ConflictError(f"already signed by {rec.signed_by}", "screening")
        running = active_policy().version
        if rec.policy_version != running:
            # A signature vouches for a decision the clinic's current thresholds produced.
            raise InputError(
                f"this screening was decided under policy {rec.policy_version}; the clinic now "
                f"runs {running}: screen again before signing",
                "screening",
            )
        if reason:
            actor.require(Action.OVERRIDE_BLOCK)
            if rec.decision not in BLOCKING:
                raise InputError(
                    "only a not-yet or contraindicated result can be overridden", "override_reason"
                )
            if len(reason) < MIN_OVERRIDE_REASON:
                raise InputError(
                    f"write the clinical reason for overriding the block (at least {MIN_OVERRIDE_REASON} characters)",
                    "override_reason",
                )
        rec.signed_by, rec.signed_at, rec.override_reason = actor.username, at, reason
        rec.save(update_fields=["signed_by", "signed_at", "override_reason"])
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "screening",
            rec.pk,
            patient_mrn=rec.patient.mrn,
            detail="signed with override: " + reason if reason else "signed",
        )
    return rec
