"""Screening use cases: gather the facts from the record, ask the core, store the result with the
policy version; a prescriber signs, naming what was reviewed with a note (the attestation), and
overriding a block needs a written reason (audited). A signature that would let a start go ahead
with a required fact missing is refused (the core's clinical.signoff)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.findings import Decision, Finding
from naltrack.clinical.screening import ScreeningResult, screen
from naltrack.clinical.screening_facts import parse_screening_facts
from naltrack.clinical.signoff import (
    MissingFact,
    attestation_items,
    check_signature,
)
from naltrack.clock import local_day
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Patient
from naltrack.patients.services import active_episode, lock_owner, lock_patient, open_chart_of

from .facts import ENTERED_FACTS, gather_facts, merge
from .models import DecisionChoice, ScreeningRecord

BLOCKING = (DecisionChoice.NOT_YET, DecisionChoice.CONTRAINDICATED)
MIN_OVERRIDE_REASON = 20  # characters: a sentence a reviewer can act on, not "ok"
MIN_NOTE = 10  # characters: the attestation's note says something, not "ok"


def stored_findings(rec: ScreeningRecord) -> tuple[Finding, ...]:
    """The findings of the stored result, as the core's values."""
    return rec.findings_of()


def missing_of(rec: ScreeningRecord) -> tuple[MissingFact, ...]:
    """The required facts this screening lacks (the core decides which: clinical.signoff)."""
    return rec.missing_facts


def items_to_review(rec: ScreeningRecord, *, overriding: bool = False) -> tuple[str, ...]:
    return attestation_items(stored_findings(rec), overriding=overriding)


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
    screening_id: int,
    *,
    actor: Actor,
    at: datetime,
    reviewed: Iterable[str] = (),
    note: str = "",
    override_reason: str = "",
) -> ScreeningRecord:
    """A prescriber signs, naming what was reviewed (`reviewed`: "facts" and finding codes; the
    core says which are needed) with a note. Signing a blocked screening with a reason overrides
    the block. Refused when the signature would allow a start with a required fact missing."""
    actor.require(Action.SIGN_SCREENING)
    reason = override_reason.strip()
    attested = sorted({str(r) for r in reviewed})
    note = note.strip()
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
        check_signature(
            stored_findings(rec), Decision(rec.decision), reviewed=attested, overriding=bool(reason)
        )
        if len(note) < MIN_NOTE:
            raise InputError(
                f"write a note on what you reviewed (at least {MIN_NOTE} characters)", "note"
            )
        rec.signed_by, rec.signed_at, rec.override_reason = actor.username, at, reason
        rec.reviewed, rec.attestation_note = attested, note
        rec.save(
            update_fields=[
                "signed_by",
                "signed_at",
                "override_reason",
                "reviewed",
                "attestation_note",
            ]
        )
        detail = "signed with override: " + reason if reason else "signed"
        record_by(
            actor,
            at,
            AuditAction.UPDATE,
            "screening",
            rec.pk,
            patient_mrn=rec.patient.mrn,
            detail=f"{detail}; reviewed {', '.join(attested)}; note: {note}"[:500],
        )
    return rec
