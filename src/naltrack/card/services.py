"""The wallet card and the procedures letter: gather the patient's facts, ask the core
(naltrack.clinical.wallet) what they say, freeze that as the card's content, and answer the card's
verification link. Every read and every card or letter made is audited; a card made replaces the
earlier cards' links (their page says a newer card exists)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from django.db import transaction
from django.db.models import Min

from naltrack import clock
from naltrack.accounts.actors import Actor, PatientActor
from naltrack.accounts.roles import Action
from naltrack.alerts.snapshot import episode_of
from naltrack.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record, record_by
from naltrack.clinic import active_policy, clinic_info
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Formulation
from naltrack.clinical.wallet import (
    CardFacts,
    NoCard,
    ProcedureKind,
    ProcedureLetter,
    procedure_letter,
    wallet_card,
)
from naltrack.patients.models import EpisodeStatus, Patient
from naltrack.reminders.models import Preference
from naltrack.treatment.models import Administration, AdministrationStatus, Implant, TreatmentPlan

from .models import CardLink

LANGUAGES = ("en", "es")


def patient_language(patient: Patient) -> str:
    """The language the patient reads: the portal keeps the reminders' language equal to the
    portal account's (portal/services.py), so the card reads it there without importing the
    portal (which sits above the card). English when the patient never chose."""
    chosen = Preference.objects.filter(patient=patient).values_list("language", flat=True).first()
    return chosen if chosen in LANGUAGES else "en"


# The verification page's audit actor: whoever scanned the card is not signed in.
VERIFIER = "card-verification"


Acting = Actor | PatientActor


def _may_read(actor: Acting, patient: Patient) -> None:
    """Staff with the chart's role (the page opened the chart through the audited, care-team
    checked read), or the patient themselves in the portal: their own record only."""
    if isinstance(actor, PatientActor):
        actor.require_own(patient.pk)
    else:
        actor.require(Action.VIEW_CHART)


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise InputError(f"must be one of {', '.join(LANGUAGES)}", "language")
    return language


def card_facts(patient: Patient, on: date) -> CardFacts:
    """The facts the card and the letter are decided from: the current plan's formulation, the
    last dose given of it, the next booked injection, whether treatment stopped."""
    episode = episode_of(patient)
    stopped = episode is None or episode.status != EpisodeStatus.ACTIVE
    plan = TreatmentPlan.of_episode(episode)
    if plan is None:
        return CardFacts(None, treatment_stopped=stopped)
    form = Formulation(plan.formulation)
    last_on: date | None = None
    mg: float | None = None
    covered: int | None = None
    removed: date | None = None
    if form is Formulation.IMPLANT:
        implant = (
            Implant.objects.filter(patient=patient, inserted_on__lte=on)
            .order_by("-inserted_on", "-id")
            .first()
        )
        if implant is not None:
            last_on, covered, removed = (
                implant.inserted_on,
                implant.covered_days,
                implant.removed_on,
            )
    else:
        dose = (
            Administration.objects.filter(
                patient=patient, formulation=form.value, status=AdministrationStatus.GIVEN,
                given_on__lte=on,
            ).order_by("-given_on", "-id").first()
        )  # fmt: skip
        if dose is not None:
            last_on, mg = dose.given_on, dose.dose_mg
    booked = Appointment.objects.filter(
        patient=patient, kind=AppointmentKind.INJECTION, status=AppointmentStatus.BOOKED,
        on__gte=on,
    ).aggregate(first=Min("on"))["first"]  # fmt: skip
    return CardFacts(
        form, last_dose_on=last_on, last_dose_mg=float(mg) if mg else None,
        implant_covered_days=covered, implant_removed_on=removed, next_injection_booked=booked,
        treatment_stopped=stopped,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class CardResult:
    """What the card states (its frozen content), or why there is no card."""

    content: dict[str, Any] | None
    refused: NoCard | None = None


def _content(patient: Patient, on: date, language: str) -> CardResult:
    decision = wallet_card(card_facts(patient, on), on, active_policy())
    if decision.card is None:
        return CardResult(None, decision.refused)
    card = decision.card
    contact = clinic_info()
    content: dict[str, Any] = {
        "name": f"{patient.given_name} {patient.family_name}",
        "formulation": card.formulation.value,
        "statements": [s.as_dict() for s in card.statements],
        "emergency_contact": {
            "name": patient.support_person_name,
            "phone": patient.support_person_phone,
        },
        "clinic": {"name": contact.name, "phone": contact.phone},
        "issued_on": card.issued_on.isoformat(),
        "valid_until": card.valid_until.isoformat(),
        "language": language,
        "policy": card.policy,
    }
    return CardResult(content)


def read_card(patient: Patient, *, actor: Acting, at: datetime, language: str) -> CardResult:
    """What a card made now would state (the card page, the phone page): audited as a read."""
    _may_read(actor, patient)
    _check_language(language)
    with transaction.atomic():
        result = _content(patient, clock.local_day(at), language)
        record_by(actor, at, AuditAction.READ, "wallet_card", patient.pk, patient_mrn=patient.mrn,
                  detail=f"card {'shown' if result.content else 'refused: ' + str(result.refused)}")  # fmt: skip
    return result


@dataclass(frozen=True, slots=True)
class IssuedCard:
    content: dict[str, Any]
    token: str  # shown once, in the QR code; only its hash is kept
    link: CardLink


def _what_it_states(content: dict[str, Any]) -> tuple[object, ...]:
    keys = ("name", "formulation", "statements", "emergency_contact", "clinic", "language")
    return tuple(repr(content.get(k)) for k in keys)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_card(
    patient: Patient, *, actor: Acting, at: datetime, language: str
) -> IssuedCard | NoCard:
    """Make a card (for a PDF): its content frozen with a new verification link, the patient's
    earlier links marked replaced, audited as an export."""
    _may_read(actor, patient)
    _check_language(language)
    with transaction.atomic():
        result = _content(patient, clock.local_day(at), language)
        if result.content is None:
            assert result.refused is not None
            record_by(actor, at, AuditAction.READ, "wallet_card", patient.pk,
                      patient_mrn=patient.mrn, detail=f"card refused: {result.refused}")  # fmt: skip
            return result.refused
        token = secrets.token_urlsafe(32)
        # A card whose statements differ from this one's is out of date: its page says so. One
        # that states the same (the same card printed again, or shown on the phone) stays valid.
        same = _what_it_states(result.content)
        stale = [link.pk for link in CardLink.objects.filter(patient=patient, replaced_at__isnull=True)
                 if _what_it_states(link.content) != same]  # fmt: skip
        CardLink.objects.filter(pk__in=stale).update(replaced_at=at)
        link = CardLink.objects.create(
            patient=patient, token_hash=token_hash(token), issued_at=at, issued_by=actor.username,
            valid_until=date.fromisoformat(result.content["valid_until"]), language=language,
            content=result.content,
        )  # fmt: skip
        record_by(actor, at, AuditAction.EXPORT, "wallet_card", link.pk, patient_mrn=patient.mrn,
                  detail=f"card made ({language}), check page until {link.valid_until}")  # fmt: skip
    return IssuedCard(result.content, token, link)


class Check(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    REPLACED = "replaced"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Verification:
    status: Check
    content: dict[str, Any] | None = None  # only for a valid card: what the card states
    valid_until: date | None = None
    language: str = "en"


def verify(token: str, *, at: datetime, remote_addr: str | None) -> Verification:
    """The card's QR link: a valid card's own content; an expired or replaced card says only
    that (no content); an unknown token says nothing about anyone. Each answer is audited."""
    if not token or len(token) > 100:
        return Verification(Check.UNKNOWN)
    with transaction.atomic():
        link = (
            CardLink.objects.select_related("patient").filter(token_hash=token_hash(token)).first()
        )
        if link is None:
            record(at=at, actor=VERIFIER, action=AuditAction.READ, object_type="wallet_card_check",
                   remote_addr=remote_addr, detail="unknown card link")  # fmt: skip
            return Verification(Check.UNKNOWN)
        if link.replaced_at is not None:
            status = Check.REPLACED
        elif clock.local_day(at) > link.valid_until:
            status = Check.EXPIRED
        else:
            status = Check.VALID
        record(at=at, actor=VERIFIER, action=AuditAction.READ, object_type="wallet_card_check",
               object_id=str(link.pk), patient_mrn=link.patient.mrn, remote_addr=remote_addr,
               detail=f"card link {status}")  # fmt: skip
    return Verification(
        status, link.content if status is Check.VALID else None, link.valid_until, link.language
    )


@dataclass(frozen=True, slots=True)
class LetterResult:
    letter: ProcedureLetter | None
    refused: NoCard | None
    name: str
    clinic: dict[str, str]
    language: str


def make_letter(
    patient: Patient,
    *,
    actor: Acting,
    at: datetime,
    language: str,
    kind: ProcedureKind = ProcedureKind.SURGERY,
    procedure_on: date | None = None,
) -> LetterResult:
    """The letter for a surgeon or dentist, decided by the core; audited as an export. A
    procedure date before today is refused naming `procedure_on`."""
    _may_read(actor, patient)
    _check_language(language)
    today = clock.local_day(at)
    with transaction.atomic():
        out = procedure_letter(
            card_facts(patient, today), today, active_policy(), kind=kind,
            procedure_on=procedure_on,
        )  # fmt: skip
        letter = out if isinstance(out, ProcedureLetter) else None
        refused = out if isinstance(out, NoCard) else None
        record_by(actor, at, AuditAction.EXPORT, "procedure_letter", patient.pk,
                  patient_mrn=patient.mrn,
                  detail=f"{kind} letter ({language})" + (f", procedure {procedure_on}" if procedure_on else "")
                  + (f"; refused: {refused}" if refused else ""))  # fmt: skip
    contact = clinic_info()
    return LetterResult(
        letter, refused, f"{patient.given_name} {patient.family_name}",
        {"name": contact.name, "phone": contact.phone}, language,
    )  # fmt: skip
