"""The medication choice aid's use cases: gather the patient's facts into the core's ChoiceFacts,
show the core's comparison, and record the choice made (with a referral out for buprenorphine or
methadone, which ends the episode as a transfer: an outcome, not a dropout)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinic import active_policy
from naltrack.clinical.choice import (
    OPTION_TITLES,
    REFERRAL_OPTIONS,
    ChoiceAid,
    ChoiceFacts,
    LastScreening,
    Option,
    Topic,
    compare,
    options_for,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.screening_facts import parse_screening_facts
from naltrack.clinical.vocab import Formulation, StopReason
from naltrack.clock import local_day
from naltrack.insurance.services import coverage_words
from naltrack.patients.hooks import record_changed
from naltrack.patients.models import Episode, EpisodeStatus, Patient
from naltrack.patients.services import active_episode, lock_patient
from naltrack.screening.facts import ENTERED_FACTS, gather_facts
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.discontinuation import discontinue

from .models import MedicationChoice

MAX_REASONS = 2000
MAX_PROGRAM = 200


def current_episode(patient: Patient) -> Episode | None:
    """The active episode, else the latest one (a patient referred out keeps the aid readable)."""
    return patient.episodes.filter(status=EpisodeStatus.ACTIVE).first() or patient.episodes.first()


def gather_choice_facts(patient: Patient, episode: Episode, on: date) -> ChoiceFacts:
    """The record's facts on `on` (screening/facts.py, as a screening reads them), plus the facts a
    prescriber entered on the latest screening (pregnancy, liver disease, planned surgery, ...)
    where the record holds nothing newer; and that screening's answer."""
    gathered = gather_facts(patient, episode, as_of=on, formulation=Formulation.ORAL.value)
    last = ScreeningRecord.objects.filter(patient=patient, as_of__lte=on).order_by(
        "-as_of", "-created_at", "-id").first()  # fmt: skip
    facts: dict[str, Any] = {}
    if last is not None:
        facts = {k: last.facts[k] for k in ENTERED_FACTS if last.facts.get(k) is not None}
    liver = facts.get("liver")
    facts |= gathered
    if isinstance(liver, dict) and isinstance(gathered.get("liver"), dict):
        facts["liver"] = liver | gathered["liver"]
    screening = parse_screening_facts(facts)
    summary = (
        LastScreening(last.as_of, Formulation(last.formulation), last.decision, last.earliest_start_date)
        if last is not None
        else None
    )  # fmt: skip
    return ChoiceFacts(screening, summary, coverage=coverage_words(patient, on))


@dataclass(frozen=True)
class AidView:
    patient: Patient
    episode: Episode
    aid: ChoiceAid
    choices: list[MedicationChoice]


def read_aid(patient: Patient, *, actor: Actor, at: datetime) -> AidView:
    """The comparison for this patient today (the page's read of the record is audited by
    read_patient; this notes what was shown)."""
    actor.require(Action.VIEW_CHOICE_AID)
    episode = current_episode(patient)
    if episode is None:
        raise InputError("the patient has no episode of care", "patient")
    aid = compare(gather_choice_facts(patient, episode, local_day(at)), active_policy())
    record_by(actor, at, AuditAction.READ, "medication_choice_aid", episode.pk,
              patient_mrn=patient.mrn, detail="choice aid shown")  # fmt: skip
    return AidView(patient, episode, aid, choices_of(patient))


def choices_of(patient: Patient) -> list[MedicationChoice]:
    return list(MedicationChoice.objects.filter(patient=patient).select_related("episode"))


@dataclass(frozen=True)
class ChoiceInput:
    option: str
    reasons: str
    priorities: tuple[str, ...] = ()
    referral_program: str = ""
    referral_on: date | None = None


def record_choice(patient: Patient, data: ChoiceInput, *, actor: Actor, at: datetime) -> MedicationChoice:  # fmt: skip
    """Record the choice on the active episode. Buprenorphine or methadone needs the program the
    patient is referred to and the date: the episode then ends as a transfer ("referred to ...")
    through the discontinuation use case, in the same transaction."""
    actor.require(Action.RECORD_MEDICATION_CHOICE)
    policy = active_policy()
    reasons = data.reasons.strip()
    program = data.referral_program.strip()
    if not reasons:
        raise InputError("say why this medication was chosen", "reasons")
    if len(reasons) > MAX_REASONS:
        raise InputError(f"at most {MAX_REASONS} characters", "reasons")
    bad = [p for p in data.priorities if p not in Topic.__members__.values()]
    if bad:
        raise InputError(f"not a topic of the aid: {', '.join(bad)}", "priorities")
    with transaction.atomic():
        lock_patient(patient)
        episode = active_episode(patient)
        offered = options_for(episode.indications, policy)
        if data.option not in offered:
            raise InputError(f"must be one of {', '.join(o.value for o in offered)}", "option")
        option = Option(data.option)
        if option in REFERRAL_OPTIONS:
            if not program:
                raise InputError(f"name the {option.value} program the patient is referred to", "referral_program")  # fmt: skip
            if len(program) > MAX_PROGRAM:
                raise InputError(f"at most {MAX_PROGRAM} characters", "referral_program")
            if data.referral_on is None:
                raise InputError("give the date of the referral", "referral_on")
            if not episode.start_date <= data.referral_on <= local_day(at):
                raise InputError("must be between the episode start and today", "referral_on")
        elif program or data.referral_on is not None:
            raise InputError("a referral out is for buprenorphine or methadone only", "referral_program")  # fmt: skip
        choice = MedicationChoice.objects.create(
            patient=patient, episode=episode, option=option.value, reasons=reasons,
            priorities=list(dict.fromkeys(data.priorities)), referral_program=program,
            referral_on=data.referral_on if option in REFERRAL_OPTIONS else None,
            policy_version=policy.version, decided_by=actor.username, decided_at=at,
        )  # fmt: skip
        record_by(actor, at, AuditAction.CREATE, "medication_choice", choice.pk,
                  patient_mrn=patient.mrn, detail=f"chose {option.value}"[:500])  # fmt: skip
        if option in REFERRAL_OPTIONS:
            assert data.referral_on is not None
            discontinue(
                patient, reason=referral_words(choice), on=data.referral_on,
                stop_reason=StopReason.TRANSFER.value, actor=actor, at=at,
            )  # fmt: skip
    record_changed(patient, at=at)
    return choice


def referral_words(choice: MedicationChoice) -> str:
    """The episode's discharge reason for a referral out."""
    title = OPTION_TITLES[Option(choice.option)].lower()
    return f"Referred to {choice.referral_program} for {title}"


def describe(choice: MedicationChoice) -> str:
    """One line for the plan page and the chart's history."""
    title = OPTION_TITLES[Option(choice.option)]
    out = f"{title} chosen: {choice.reasons}"
    if choice.referral_program:
        out += f" Referred to {choice.referral_program} on {choice.referral_on:%Y-%m-%d}."
    return out
