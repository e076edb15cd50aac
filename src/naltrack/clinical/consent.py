"""May the program disclose these records to this recipient for this purpose today? 42 CFR Part 2
(as amended by the 2024 final rule, 89 FR 12472) decided as a pure function: no Django, no clock.

- A consent (§2.31) names the patient, who may disclose, the recipients (by name, or a class such as
  "my treating providers"), the purposes (the single consent for treatment, payment and health-care
  operations is one of them), what may be disclosed (all SUD records, or a limited set of record
  kinds), its expiry (a date, or an event such as the end of treatment; "none" only for the single
  TPO consent), and who signed it on which day. It may be revoked in writing at any time (§2.31(a)):
  a revoked consent covers nothing from the day of its revocation, an expired one nothing from its
  expiry day or the day its expiry event happened.
- Counselling notes (psychotherapy-like, labelled PSYTHPN) are never covered by a general consent:
  they need a consent of their own, which covers nothing else.
- Medical emergency (§2.51): without a covering consent, records may go to medical personnel to
  meet a bona fide emergency in which the patient's consent cannot be obtained, with the nature of
  the emergency stated. The program documents it at once (the Disclosure row). Counselling notes are
  not released under the exception.
- Every record that comes from the SUD program carries its security labels (`labels_of`): the HL7
  confidentiality code R (restricted), the privacy-law policy 42CFRPart2, the sensitivity SUD and
  the obligation NORDSCLCD (no redisclosure without consent); counselling notes also PSYTHPN. Codes
  from HL7 v3 Confidentiality and ActCode (terminology.hl7.org), as used by DS4P/FHIR meta.security.

`decide_disclosure` is the one rule. The disclosure service (naltrack.disclosure.services.disclose)
is the one place that applies it before any record leaves the program.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from .errors import InputError

# ---- vocabulary -------------------------------------------------------------------------------


class RecordKind(StrEnum):
    """What may be disclosed, in a specific and meaningful fashion (§2.31(a)(3))."""

    DEMOGRAPHICS = "demographics"  # name, birth date, contact details
    EPISODES = "episodes"  # admission to and discharge from the program
    ASSESSMENTS = "assessments"  # diagnoses: DSM-5 criteria, substances, goals
    MEDICATIONS = "medications"  # naltrexone plan, orders and doses; medication list; allergies
    SCREENINGS = "screenings"  # eligibility screenings for a start
    OBSERVATIONS = "observations"  # labs, urine drug screens, scales (PHQ-9, COWS, craving)
    APPOINTMENTS = "appointments"
    COUNSELLING_NOTES = "counselling_notes"  # psychotherapy-like: a consent of their own


RECORD_KIND_LABELS: dict[RecordKind, str] = {
    RecordKind.DEMOGRAPHICS: "Identity and contact details",
    RecordKind.EPISODES: "Admission and discharge",
    RecordKind.ASSESSMENTS: "Diagnoses and assessments",
    RecordKind.MEDICATIONS: "Medications, doses and allergies",
    RecordKind.SCREENINGS: "Screenings for a start",
    RecordKind.OBSERVATIONS: "Lab results, urine drug screens and scales",
    RecordKind.APPOINTMENTS: "Appointments",
    RecordKind.COUNSELLING_NOTES: "Counselling notes",
}

GENERAL_RECORDS = frozenset(RecordKind) - {RecordKind.COUNSELLING_NOTES}


class Purpose(StrEnum):
    """Purposes of use, HL7 v3 ActReason codes."""

    TREATMENT = "TREAT"
    PAYMENT = "HPAYMT"
    OPERATIONS = "HOPERAT"
    PATIENT_REQUEST = "PATRQT"
    RESEARCH = "HRESCH"
    EMERGENCY = "ETREAT"  # only under §2.51, never a purpose a consent grants


PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.TREATMENT: "Treatment",
    Purpose.PAYMENT: "Payment",
    Purpose.OPERATIONS: "Health-care operations",
    Purpose.PATIENT_REQUEST: "At the request of the patient",
    Purpose.RESEARCH: "Research",
    Purpose.EMERGENCY: "Emergency treatment (§2.51)",
}

# The single consent for all future uses and disclosures for treatment, payment and health-care
# operations (§2.31(a)(4)(i), 2024 rule).
TPO = frozenset({Purpose.TREATMENT, Purpose.PAYMENT, Purpose.OPERATIONS})


class RecipientClass(StrEnum):
    """Classes of recipients a consent may name instead of a person (§2.31(a)(4)(i))."""

    TREATING_PROVIDERS = "treating_providers"
    HEALTH_PLANS = "health_plans"  # health plans and third-party payers
    PROGRAM_OPERATIONS = "program_operations"  # people helping to operate this program


RECIPIENT_CLASS_LABELS: dict[RecipientClass, str] = {
    RecipientClass.TREATING_PROVIDERS: "My treating providers",
    RecipientClass.HEALTH_PLANS: "Health plans and third-party payers",
    RecipientClass.PROGRAM_OPERATIONS: "People helping to operate this program",
}


class ConsentScope(StrEnum):
    GENERAL = "general"  # any record kinds but counselling notes
    COUNSELLING_NOTES = "counselling_notes"  # counselling notes only


class ExpiryEvent(StrEnum):
    ON_DATE = ""  # an expiry date is given instead
    END_OF_TREATMENT = "end_of_treatment"  # the patient's discharge from the program
    NO_EXPIRY = "none"  # "none": allowed for the single TPO consent only (§2.31(a)(6), 2024)


# ---- security labels -------------------------------------------------------------------------

CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"


@dataclass(frozen=True, slots=True, order=True)
class Label:
    """A security label as FHIR meta.security carries it: system, code, display."""

    system: str
    code: str
    display: str


RESTRICTED = Label(CONFIDENTIALITY, "R", "restricted")
PART2 = Label(ACT_CODE, "42CFRPart2", "42 CFR Part2")
SUD = Label(ACT_CODE, "SUD", "substance use disorder information sensitivity")
NO_REDISCLOSURE = Label(ACT_CODE, "NORDSCLCD", "no redisclosure without consent directive")
PSYCHOTHERAPY_NOTE = Label(ACT_CODE, "PSYTHPN", "psychotherapy note information sensitivity")

_PROGRAM_LABELS = frozenset({RESTRICTED, PART2, SUD, NO_REDISCLOSURE})


def labels_of(kind: RecordKind) -> frozenset[Label]:
    """The labels of a record of this kind. Every record of naltrack comes from the SUD program,
    so every one is restricted and protected by Part 2; counselling notes are also psychotherapy
    notes. The one function every channel and every Disclosure row takes its labels from."""
    if kind is RecordKind.COUNSELLING_NOTES:
        return _PROGRAM_LABELS | {PSYCHOTHERAPY_NOTE}
    return _PROGRAM_LABELS


def labels_for(kinds: Iterable[RecordKind]) -> frozenset[Label]:
    out: frozenset[Label] = frozenset()
    for kind in kinds:
        out |= labels_of(kind)
    return out


# ---- the notice that travels with every permitted disclosure ---------------------------------

# §2.32(a)(1) as amended by the 2024 final rule (89 FR 12472), statement 1, word for word.
REDISCLOSURE_NOTICE = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or testimony "
    "that describes the information contained in this record, in any civil, criminal, "
    "administrative, or legislative proceedings by any Federal, State, or local authority, against "
    "the patient, unless authorized by the consent of the patient, except as provided at 42 CFR "
    "2.12(c)(5) or as authorized by a court in accordance with 42 CFR 2.64 or 2.65. In addition, "
    "the Federal rules prohibit you from making any other use or disclosure of this record unless "
    "at least one of the following applies: (i) Further use or disclosure is expressly permitted "
    "by the written consent of the individual whose information is being disclosed in this record "
    "or as otherwise permitted by 42 CFR part 2. (ii) You are a covered entity or business "
    "associate and have received the record for treatment, payment, or health care operations, or "
    "(iii) You have received the record from a covered entity or business associate as permitted "
    "by 45 CFR part 164, subparts A and E. A general authorization for the release of medical or "
    "other information is NOT sufficient to meet the required elements of written consent to "
    "further use or redisclose the record (see 42 CFR 2.31)."
)
NOTICE_SOURCE = "42 CFR 2.32(a)(1) (2024 rule, statement 1)"


# ---- consents, requests, decisions -----------------------------------------------------------


def recipient_key(name: str) -> str:
    """Names compare without case and runs of spaces: "Dr. Ana  Rivera" is "dr. ana rivera"."""
    return re.sub(r"\s+", " ", name).strip().casefold()


@dataclass(frozen=True, slots=True)
class Consent:
    """A written consent as the rule needs it (the record keeps the rest of §2.31: the patient,
    who may disclose, the signature)."""

    id: int
    scope: ConsentScope
    recipients: frozenset[str]  # named persons or entities (recipient_key)
    recipient_classes: frozenset[RecipientClass]
    purposes: frozenset[Purpose]
    record_kinds: frozenset[RecordKind]  # GENERAL_RECORDS: "all my SUD records"
    signed_on: date
    expires_on: date | None = None  # the first day it no longer covers
    expiry_event: ExpiryEvent = ExpiryEvent.ON_DATE
    event_on: date | None = None  # the day the expiry event happened, once it has
    revoked_on: date | None = None

    def ends_on(self) -> date | None:
        """The first day this consent covers nothing (revocation, expiry or its event)."""
        ends = [d for d in (self.revoked_on, self.expires_on, self.event_on) if d is not None]
        return min(ends) if ends else None

    def in_force(self, day: date) -> bool:
        ends = self.ends_on()
        return self.signed_on <= day and (ends is None or day < ends)


@dataclass(frozen=True, slots=True)
class Recipient:
    name: str
    recipient_class: RecipientClass | None = None  # the class it belongs to, when it does


@dataclass(frozen=True, slots=True)
class Request:
    """A disclosure asked of the program: to whom, why, what, with the records' labels. An
    emergency reason invokes §2.51 when no consent covers the request."""

    recipient: Recipient
    purpose: Purpose
    record_kinds: frozenset[RecordKind]
    labels: frozenset[Label]
    emergency_reason: str = ""


class ConsentStatus(StrEnum):
    NOT_YET_SIGNED = "not yet signed"
    IN_FORCE = "in force"
    REVOKED = "revoked"
    EXPIRED = "expired"  # its date, or its event (end of treatment)


def status_of(consent: Consent, day: date) -> ConsentStatus:
    """Where a consent stands on `day`, as the pages and the API show it."""
    if consent.revoked_on is not None and consent.revoked_on <= day:
        return ConsentStatus.REVOKED
    ends = consent.ends_on()
    if ends is not None and ends <= day:
        return ConsentStatus.EXPIRED
    if consent.signed_on > day:
        return ConsentStatus.NOT_YET_SIGNED
    return ConsentStatus.IN_FORCE


class Basis(StrEnum):
    CONSENT = "consent"
    EMERGENCY = "medical_emergency"  # §2.51


class Refusal(StrEnum):
    NO_CONSENT = "no_consent"
    NOT_SIGNED_YET = "not_signed_yet"
    REVOKED = "revoked"
    EXPIRED = "expired"
    RECIPIENT = "recipient_not_covered"
    PURPOSE = "purpose_not_covered"
    RECORDS = "records_not_covered"
    NOTES = "counselling_notes_need_their_own_consent"
    EMERGENCY_NOTES = "emergency_excludes_counselling_notes"
    EMERGENCY_RECIPIENT = "emergency_needs_medical_personnel"


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    basis: Basis | None
    consent_ids: tuple[int, ...]  # the covering consents (general, then counselling notes)
    refusal: Refusal | None
    reason: str


# Break-the-glass (§2.51): how long a declared emergency lets staff keep disclosing to the same
# medical personnel without declaring it again. A clinic setting; 24 hours by default, so that
# the treating team of one emergency visit is covered while it lasts and no longer.
EMERGENCY_HOURS = 24


def emergency_ends_at(declared_at: datetime, hours: int = EMERGENCY_HOURS) -> datetime:
    if not 1 <= hours <= 72:
        raise InputError("must be 1-72 hours", "emergency_hours")
    return declared_at + timedelta(hours=hours)


def emergency_active(ends_at: datetime, at: datetime) -> bool:
    return at < ends_at


def _why_not(
    consent: Consent, request: Request, kinds: frozenset[RecordKind], day: date
) -> tuple[int, Refusal, str]:
    """How far this consent gets towards covering the request (more is further; 5 covers), and
    why it stops. Whom, why and what come first, then the days: a consent that would cover but
    was revoked says so, rather than another consent that names someone else."""
    r = request.recipient
    if recipient_key(r.name) not in consent.recipients and (
        r.recipient_class is None or r.recipient_class not in consent.recipient_classes
    ):
        who = r.name.strip()
        return (
            1,
            Refusal.RECIPIENT,
            f"consent {consent.id} does not name {who} or a class it belongs to",
        )
    if request.purpose not in consent.purposes:
        what = PURPOSE_LABELS[request.purpose].lower()
        return 2, Refusal.PURPOSE, f"consent {consent.id} does not cover the purpose {what}"
    missing = kinds - consent.record_kinds
    if missing:
        names = ", ".join(RECORD_KIND_LABELS[k].lower() for k in sorted(missing))
        return 3, Refusal.RECORDS, f"consent {consent.id} does not cover {names}"
    if consent.signed_on > day:
        signed = consent.signed_on
        return (
            4,
            Refusal.NOT_SIGNED_YET,
            f"consent {consent.id} was signed on {signed}, after {day}",
        )
    if consent.revoked_on is not None and consent.revoked_on <= day:
        return 4, Refusal.REVOKED, f"consent {consent.id} was revoked on {consent.revoked_on}"
    ends = consent.ends_on()
    if ends is not None and ends <= day:
        why = (
            "its expiry event (end of treatment) happened"
            if ends == consent.event_on
            else "it expired"
        )
        return 4, Refusal.EXPIRED, f"consent {consent.id} covers nothing from {ends}: {why}"
    return 5, Refusal.NO_CONSENT, ""


def _cover(consents: list[Consent], request: Request, kinds: frozenset[RecordKind], day: date) -> tuple[Consent | None, Refusal, str]:  # fmt: skip
    best: tuple[int, Refusal, str] = (-1, Refusal.NO_CONSENT, "")
    for consent in sorted(consents, key=lambda c: (c.signed_on, c.id), reverse=True):
        found = _why_not(consent, request, kinds, day)
        if found[0] == 5:
            return consent, Refusal.NO_CONSENT, ""
        if found[0] > best[0]:
            best = found
    return None, best[1], best[2]


def decide_disclosure(request: Request, consents: Iterable[Consent], day: date) -> Decision:
    """Allowed with the consent(s) that cover the request on `day`, or under the §2.51 emergency
    exception; otherwise refused with the reason. Records labelled PSYTHPN (counselling notes)
    need a counselling-notes consent; the others a general consent; both when both are asked."""
    if not request.record_kinds:
        raise InputError("choose at least one kind of record", "record_kinds")
    if not request.recipient.name.strip():
        raise InputError("is required", "recipient_name")
    if not labels_for(request.record_kinds) <= request.labels:
        # A channel passes the records' labels through; it cannot drop one to widen what goes out.
        raise InputError("must include every label of the records asked for", "labels")
    notes = frozenset(k for k in request.record_kinds if PSYCHOTHERAPY_NOTE in labels_of(k))
    general = request.record_kinds - notes
    by_scope = {scope: [c for c in consents if c.scope is scope] for scope in ConsentScope}
    covering: list[int] = []
    refusal: tuple[Refusal, str] | None = None
    if general and request.purpose is not Purpose.EMERGENCY:
        found, why, reason = _cover(by_scope[ConsentScope.GENERAL], request, general, day)
        if found is None:
            refusal = (why, reason or "no consent on file covers this disclosure")
        else:
            covering.append(found.id)
    if notes and refusal is None and request.purpose is not Purpose.EMERGENCY:
        found, why, reason = _cover(by_scope[ConsentScope.COUNSELLING_NOTES], request, notes, day)
        if found is None:
            if not by_scope[ConsentScope.COUNSELLING_NOTES]:
                why, reason = (
                    Refusal.NOTES,
                    "counselling notes need a consent of their own; none is on file",
                )
            refusal = (why, reason)
        else:
            covering.append(found.id)
    if request.purpose is Purpose.EMERGENCY and refusal is None:
        refusal = (Refusal.NO_CONSENT, "no consent grants emergency treatment: state the emergency")
    if refusal is None:
        return Decision(True, Basis.CONSENT, tuple(covering), None, "covered by consent " + " and ".join(map(str, covering)))  # fmt: skip
    if not request.emergency_reason.strip():
        return Decision(False, None, (), refusal[0], refusal[1])
    # §2.51: medical personnel, a bona fide emergency, and never counselling notes.
    if notes:
        return Decision(False, None, (), Refusal.EMERGENCY_NOTES,
                        "counselling notes are not released under the medical-emergency exception")  # fmt: skip
    if request.recipient.recipient_class is not RecipientClass.TREATING_PROVIDERS:
        return Decision(False, None, (), Refusal.EMERGENCY_RECIPIENT,
                        "the medical-emergency exception (42 CFR 2.51) is for medical personnel treating the patient")  # fmt: skip
    return Decision(True, Basis.EMERGENCY, (), None, f"medical emergency (42 CFR 2.51): {request.emergency_reason.strip()}")  # fmt: skip


class DisclosureRefused(InputError):
    """The consent filter refused a disclosure: the reason names what is missing. The API answers
    403 (the record may not leave the program); pages show it beside the form."""

    def __init__(self, decision: Decision, field: str = "recipient_name") -> None:
        super().__init__(f"not disclosed: {decision.reason}", field)
        self.decision = decision


def consent_problem(consent: Consent) -> InputError | None:
    """What makes a consent incomplete under §2.31 (None when it is complete). Fields named as in
    the forms and the API."""
    if not consent.recipients and not consent.recipient_classes:
        return InputError("name at least one recipient or a class of recipients", "recipient_names")
    if not consent.purposes:
        return InputError("choose at least one purpose", "purposes")
    if Purpose.EMERGENCY in consent.purposes:
        return InputError(
            "emergency treatment is not granted by consent (42 CFR 2.51 covers it)", "purposes"
        )
    if not consent.record_kinds:
        return InputError("choose all SUD records or at least one kind of record", "record_kinds")
    if (
        consent.scope is ConsentScope.GENERAL
        and RecordKind.COUNSELLING_NOTES in consent.record_kinds
    ):
        return InputError("counselling notes need a separate consent", "record_kinds")
    if consent.scope is ConsentScope.COUNSELLING_NOTES and consent.record_kinds != {
        RecordKind.COUNSELLING_NOTES
    }:
        return InputError(
            "a counselling-notes consent covers counselling notes only", "record_kinds"
        )
    if consent.expires_on is None and consent.expiry_event is ExpiryEvent.ON_DATE:
        return InputError("give an expiry date or an expiry event", "expires_on")
    if consent.expires_on is not None and consent.expiry_event is not ExpiryEvent.ON_DATE:
        return InputError("give an expiry date or an expiry event, not both", "expiry_event")
    if consent.expires_on is not None and consent.expires_on <= consent.signed_on:
        return InputError("must be after the day it was signed", "expires_on")
    if consent.expiry_event is ExpiryEvent.NO_EXPIRY and consent.purposes != TPO:
        return InputError("'none' is allowed only for a consent for treatment, payment and health-care operations", "expiry_event")  # fmt: skip
    return None
