"""Consent and disclosure use cases: record and revoke consents, THE consent filter (`disclose`),
the accounting of disclosures and the director's review. Each owns its transaction, checks the
role and writes its audit event.

The one consent filter. Every channel that sends a patient's records out of the program calls
`disclose(...)` first and sends nothing when it raises: today the printed record summary and the
record export (chart/release.py, page and API). The channels still to come must call it too:
the FHIR API and Bulk export, CDS Hooks responses, and notices to a patient's support person
(later issues). `disclose` decides with the core's rule (clinical/consent.py), records the
Disclosure (the accounting) with the records' security labels, and returns the 42 CFR 2.32 notice
prohibiting re-disclosure, which the channel attaches to what it sends.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery

from naltrack.accounts.actors import PatientActor, Service
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical import consent as rule
from naltrack.clinical.consent import (
    GENERAL_RECORDS,
    NOTICE_SOURCE,
    PURPOSE_LABELS,
    RECIPIENT_CLASS_LABELS,
    RECORD_KIND_LABELS,
    REDISCLOSURE_NOTICE,
    Basis,
    ConsentScope,
    DisclosureRefused,
    ExpiryEvent,
    Label,
    Purpose,
    Recipient,
    RecipientClass,
    RecordKind,
    labels_for,
)
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clock import local_day
from naltrack.patients.models import BreakGlass, Episode, Patient
from naltrack.patients.services import lock_patient

from . import pdf
from .models import Channel, Consent, Disclosure, Emergency, SignerChoice

NAME_MAX = 200
NOTE_MAX = 1000
MIN_EMERGENCY_REASON = 15  # a sentence, not "urgent": the nature of the emergency (2.51(c)(4))


# ---- consents ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConsentInput:
    scope: str
    signed_by: str
    signer: str
    signed_on: date
    discloser: str = "This naltrexone treatment program"
    recipient_names: tuple[str, ...] = ()
    recipient_classes: tuple[str, ...] = ()
    purposes: tuple[str, ...] = ()
    all_records: bool = False
    record_kinds: tuple[str, ...] = ()
    expires_on: date | None = None
    expiry_event: str = ""


def _one_of(values: tuple[str, ...], allowed: type[StrEnum], field: str) -> list[str]:
    names = [m.value for m in allowed]
    bad = [v for v in values if v not in names]
    if bad:
        raise InputError(
            f"{bad[0]!r} is not one of {', '.join(n or '(none)' for n in names)}", field
        )
    return sorted(set(values))


def _text(value: str, field: str, *, required: bool = True, limit: int = NAME_MAX) -> str:
    value = value.strip()
    if required and not value:
        raise InputError("is required", field)
    if len(value) > limit:
        raise InputError(f"must be at most {limit} characters", field)
    return value


def _terms(c: Consent, discharges: list[date]) -> rule.Consent:
    """The rule's view of a stored consent. "End of treatment" happens on the first discharge from
    the program on or after the day it was signed."""
    event_on = None
    if c.expiry_event == ExpiryEvent.END_OF_TREATMENT:
        event_on = next((d for d in sorted(discharges) if d >= c.signed_on), None)
    return rule.Consent(
        id=c.pk, scope=ConsentScope(c.scope),
        recipients=frozenset(rule.recipient_key(n) for n in c.recipient_names),
        recipient_classes=frozenset(RecipientClass(v) for v in c.recipient_classes),
        purposes=frozenset(Purpose(v) for v in c.purposes),
        record_kinds=frozenset(RecordKind(v) for v in c.record_kinds), signed_on=c.signed_on,
        expires_on=c.expires_on, expiry_event=ExpiryEvent(c.expiry_event), event_on=event_on,
        revoked_on=c.revoked_on,
    )  # fmt: skip


def _discharges(patient: Patient) -> list[date]:
    return [d for d in patient.episodes.values_list("discharge_date", flat=True) if d is not None]


def record_consent(patient: Patient, data: ConsentInput, *, actor: Actor, at: datetime) -> Consent:
    """Record a signed consent with the elements of 42 CFR 2.31; refuse an incomplete one, naming
    the field, and write nothing."""
    actor.require(Action.RECORD_CONSENT)
    scope = ConsentScope(_one_of((data.scope,), ConsentScope, "scope")[0])
    if data.signer not in SignerChoice.values:
        raise InputError(f"must be one of {', '.join(SignerChoice.values)}", "signer")
    signed_by = _text(data.signed_by, "signed_by")
    discloser = _text(data.discloser, "discloser")
    if data.signed_on > local_day(at):
        raise InputError("is in the future", "signed_on")
    names = list(
        dict.fromkeys(_text(n, "recipient_names") for n in data.recipient_names if n.strip())
    )
    classes = _one_of(data.recipient_classes, RecipientClass, "recipient_classes")
    purposes = _one_of(data.purposes, Purpose, "purposes")
    kinds = _one_of(data.record_kinds, RecordKind, "record_kinds")
    if scope is ConsentScope.COUNSELLING_NOTES:
        kinds = [RecordKind.COUNSELLING_NOTES.value]
    elif data.all_records:
        kinds = sorted(k.value for k in GENERAL_RECORDS)
    expiry_event = _one_of((data.expiry_event,), ExpiryEvent, "expiry_event")[0]
    row = Consent(
        patient=patient, scope=scope.value, discloser=discloser, recipient_names=names,
        recipient_classes=classes, purposes=purposes,
        all_records=data.all_records and scope is ConsentScope.GENERAL, record_kinds=kinds,
        expires_on=data.expires_on, expiry_event=expiry_event, signed_by=signed_by,
        signer=data.signer, signed_on=data.signed_on, recorded_by=actor.username, recorded_at=at,
    )  # fmt: skip
    problem = rule.consent_problem(_terms(row, []))
    if problem is not None:
        raise problem
    with transaction.atomic():
        lock_patient(patient)
        row.save()
        record_by(actor, at, AuditAction.CREATE, "consent", row.pk, patient_mrn=patient.mrn,
                  detail=f"{scope.value} consent signed {row.signed_on} by {signer_label(row)}")  # fmt: skip
    return row


def _may(actor: Actor | PatientActor, patient: Patient, action: Action) -> None:
    """Staff need the role's action; a patient in the portal may act on their own record only
    (NotOwnRecord otherwise, which the portal answers with an audited 404)."""
    if isinstance(actor, PatientActor):
        actor.require_own(patient.pk)
    else:
        actor.require(action)


def signer_label(c: Consent) -> str:
    return c.signed_by if c.signer == SignerChoice.PATIENT else f"{c.signed_by} (representative)"


def revoke_consent(patient: Patient, consent_id: int, *, revoked_on: date, revoked_by: str,
                   note: str, actor: Actor | PatientActor, at: datetime) -> Consent:  # fmt: skip
    """Record the patient's written revocation: from `revoked_on` the consent covers nothing.
    Staff record it from the patient's writing; the patient may revoke their own consent in the
    portal (a PatientActor: the revocation is recorded and audited under the patient account)."""
    _may(actor, patient, Action.RECORD_CONSENT)
    revoked_by = _text(revoked_by, "revoked_by")
    note = _text(note, "note", limit=NOTE_MAX)
    if revoked_on > local_day(at):
        raise InputError("is in the future", "revoked_on")
    with transaction.atomic():
        lock_patient(patient)
        row = Consent.objects.filter(pk=consent_id, patient=patient).first()
        if row is None:
            raise NotFoundError("no consent of this patient has this id", "consent")
        if row.revoked_on is not None:
            raise ConflictError(f"this consent was already revoked on {row.revoked_on}", "consent")
        if revoked_on < row.signed_on:
            raise InputError(f"is before the consent was signed ({row.signed_on})", "revoked_on")
        row.revoked_on, row.revoked_by, row.revocation_note = revoked_on, revoked_by, note
        row.revocation_recorded_by, row.revocation_recorded_at = actor.username, at
        row.save()
        record_by(actor, at, AuditAction.UPDATE, "consent", row.pk, patient_mrn=patient.mrn,
                  detail=f"revoked in writing on {revoked_on} by {revoked_by}")  # fmt: skip
    return row


def list_consents(patient: Patient, *, actor: Actor, at: datetime) -> list[Consent]:
    actor.require(Action.VIEW_CONSENTS)
    with transaction.atomic():
        rows = list(Consent.objects.filter(patient=patient).order_by("-signed_on", "-id"))
        record_by(actor, at, AuditAction.READ, "consents", patient_mrn=patient.mrn)
    return rows


def consent_statuses(patient: Patient, rows: list[Consent], day: date) -> dict[int, str]:
    """Each consent's standing on `day` (in force, revoked, expired, by its date or its event)."""
    discharges = _discharges(patient)
    return {c.pk: rule.status_of(_terms(c, discharges), day).value for c in rows}


# ---- the consent filter -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Released:
    """A permitted disclosure: its accounting row, and what travels with the records."""

    disclosure: Disclosure
    notice: str  # the 42 CFR 2.32 statement prohibiting re-disclosure
    notice_source: str
    scope: str  # a clear explanation of the scope of the consent (2.32(b)), or the exception
    labels: tuple[Label, ...]


def active_emergency(patient: Patient, at: datetime) -> Emergency | None:
    """The emergency declared for this patient that is still active at `at` (the chart flags it)."""
    return next(
        (e for e in patient.emergencies.filter(ends_at__gt=at).order_by("-ends_at")
         if rule.emergency_active(e.ends_at, at)),
        None,
    )  # fmt: skip


def _scope(consents: list[Consent]) -> str:
    parts = []
    for c in consents:
        whom = "; ".join([*c.recipient_names, *(RECIPIENT_CLASS_LABELS[RecipientClass(v)] for v in c.recipient_classes)])  # fmt: skip
        what = "all SUD records except counselling notes" if c.all_records else ", ".join(c.record_kind_labels()).lower()  # fmt: skip
        until = (f"until {c.expires_on:%Y-%m-%d}" if c.expires_on else
                 "until the end of treatment" if c.expiry_event == ExpiryEvent.END_OF_TREATMENT else "no expiry")  # fmt: skip
        parts.append(
            f"Consent {c.pk}, signed {c.signed_on:%Y-%m-%d} by {signer_label(c)}: {what}; to {whom}; "
            f"for {', '.join(c.purpose_labels()).lower()}; {until}; revocable in writing at any time."
        )
    return " ".join(parts)


def consent_decisions(asks: Sequence[tuple[Patient, Recipient]], purpose: Purpose,
                      record_kinds: frozenset[RecordKind], day: date) -> list[rule.Decision]:  # fmt: skip
    """What the consent filter would decide on `day` for each (patient, recipient), disclosing
    nothing (no Disclosure row, no audit event): for a page that shows staff whether they may
    contact someone about the patient (outreach, issue 12). The same rule and the same consents
    as `disclose`, which still decides when records actually leave. One query however many (none
    when nothing is asked)."""
    if not asks:
        return []
    # "End of treatment" happens on the first discharge on or after the day the consent was
    # signed (`_terms`): read with each consent.
    first_discharge = (
        Episode.objects.filter(
            patient=OuterRef("patient"), discharge_date__gte=OuterRef("signed_on")
        )
        .order_by("discharge_date")
        .values("discharge_date")[:1]
    )
    stored: dict[int, list[Consent]] = defaultdict(list)
    for c in (
        Consent.objects.filter(patient_id__in={p.pk for p, _ in asks})
        .annotate(ended_on=Subquery(first_discharge))
        .order_by("id")
    ):
        stored[c.patient_id].append(c)
    out = []
    for patient, recipient in asks:
        request = rule.Request(recipient, purpose, record_kinds, labels_for(record_kinds))
        terms = [
            _terms(c, [d] if (d := getattr(c, "ended_on", None)) else [])
            for c in stored[patient.pk]
        ]
        out.append(rule.decide_disclosure(request, terms, day))
    return out


def disclose(
    patient: Patient,
    recipient: Recipient,
    purpose: Purpose | str,
    record_kinds: frozenset[RecordKind] | set[str] | list[str],
    actor: Actor | Service,
    at: datetime,
    emergency_reason: str | None = None,
    *,
    affiliation: str = "",
    channel: Channel = Channel.PRINTED_SUMMARY,
    notice_given: str = "",
) -> Released:
    """THE consent filter. Refused: raises DisclosureRefused with the reason (nothing leaves, the
    attempt is audited). Permitted: records the Disclosure (with the basis, the covering consents
    or the declared emergency, the labels) and returns the 2.32 notice to attach.

    `emergency_reason` declares a medical emergency (42 CFR 2.51; prescribers and nurses) when no
    consent covers the disclosure: it is active for EMERGENCY_HOURS, flagged on the chart, listed
    for the director, and further disclosures to the same medical personnel within it need no new
    declaration.

    `notice_given` says how the 2.32 notice went when the channel cannot carry its text (a support
    person's text message gives a link to it): kept on the Disclosure with the notice's source."""
    actor.require(Action.DISCLOSE_RECORDS)
    name = _text(recipient.name, "recipient_name")
    affiliation = _text(affiliation, "recipient_affiliation", required=False)
    purpose = Purpose(_one_of((str(purpose),), Purpose, "purpose")[0])
    kinds = frozenset(RecordKind(k) for k in _one_of(tuple(str(k) for k in record_kinds), RecordKind, "record_kinds"))  # fmt: skip
    if RecordKind.COUNSELLING_NOTES in kinds:
        # Whoever sends counselling notes must be able to read them (counselors, prescribers): in
        # the filter, so that no channel can forget it.
        actor.require(Action.VIEW_COUNSELLING_NOTES)
    reason = _text(emergency_reason or "", "emergency_reason", required=False, limit=NOTE_MAX)
    if reason:
        actor.require(Action.DECLARE_EMERGENCY)
        if len(reason) < MIN_EMERGENCY_REASON:
            raise InputError("describe the emergency in a sentence (42 CFR 2.51(c))", "emergency_reason")  # fmt: skip
    labels = labels_for(kinds)
    day = local_day(at)
    with transaction.atomic():
        lock_patient(patient)
        stored = list(Consent.objects.filter(patient=patient))
        discharges = _discharges(patient)
        terms = [_terms(c, discharges) for c in stored]
        ongoing = None
        if not reason:  # an emergency declared earlier for the same medical personnel, still active
            ongoing = next((e for e in patient.emergencies.filter(ends_at__gt=at).order_by("-declared_at")
                            if rule.recipient_key(e.recipient_name) == rule.recipient_key(name)
                            and rule.emergency_active(e.ends_at, at)), None)  # fmt: skip
        request = rule.Request(Recipient(name, recipient.recipient_class), purpose, kinds, labels,
                               emergency_reason=reason or (ongoing.reason if ongoing else ""))  # fmt: skip
        decision = rule.decide_disclosure(request, terms, day)
        if decision.allowed:
            return _release(patient, decision, stored, ongoing, reason, name, recipient, affiliation,
                            purpose, kinds, labels, channel, actor, at, notice_given)  # fmt: skip
    # Refused: nothing leaves; the attempt is audited in a transaction of its own.
    with transaction.atomic():
        record_by(actor, at, AuditAction.EXPORT, "disclosure_refused", patient_mrn=patient.mrn,
                  detail=f"to {name} ({purpose.value}): {decision.reason}")  # fmt: skip
    raise DisclosureRefused(decision)


def _release(patient: Patient, decision: rule.Decision, stored: list[Consent],
             ongoing: Emergency | None, reason: str, name: str, recipient: Recipient,
             affiliation: str, purpose: Purpose, kinds: frozenset[RecordKind],
             labels: frozenset[Label], channel: Channel, actor: Actor | Service, at: datetime,
             notice_given: str = "") -> Released:  # fmt: skip
    by_id = {c.pk: c for c in stored}
    covering = [by_id[i] for i in decision.consent_ids]
    general = next((c for c in covering if c.scope == ConsentScope.GENERAL), None)
    notes = next((c for c in covering if c.scope == ConsentScope.COUNSELLING_NOTES), None)
    emergency = None
    if decision.basis is Basis.EMERGENCY:
        emergency = ongoing
        if emergency is None:
            emergency = Emergency.objects.create(
                patient=patient, reason=reason, recipient_name=name,
                recipient_affiliation=affiliation, declared_by=actor.username, declared_at=at,
                ends_at=rule.emergency_ends_at(at),
            )  # fmt: skip
            record_by(actor, at, AuditAction.CREATE, "emergency", emergency.pk,
                      patient_mrn=patient.mrn, detail=f"42 CFR 2.51 declared for {name}: {reason}")  # fmt: skip
        scope = (f"Disclosed without consent under the medical-emergency exception (42 CFR 2.51) to "
                 f"{name}{f', {affiliation}' if affiliation else ''}: {emergency.reason}")  # fmt: skip
    else:
        scope = _scope(covering)
    ordered = sorted(labels)
    row = Disclosure.objects.create(
        patient=patient, recipient_name=name,
        recipient_class=recipient.recipient_class.value if recipient.recipient_class else "",
        recipient_affiliation=affiliation, purpose=purpose.value,
        record_kinds=sorted(k.value for k in kinds),
        labels=[{"system": lb.system, "code": lb.code, "display": lb.display} for lb in ordered],
        basis=decision.basis.value if decision.basis else "", consent=general, notes_consent=notes,
        emergency=emergency, channel=channel.value, disclosed_by=actor.username, disclosed_at=at,
        notice=(f"{NOTICE_SOURCE}; given {notice_given}" if notice_given else NOTICE_SOURCE)[:100],
    )  # fmt: skip
    record_by(actor, at, AuditAction.EXPORT, "disclosure", row.pk, patient_mrn=patient.mrn,
              detail=f"{channel.value} to {name} ({purpose.value}) under {decision.reason}")  # fmt: skip
    # The 2.32 notice goes with every disclosure; one made under 2.51 carries it too, since the
    # records stay Part 2 records in the recipient's hands.
    return Released(row, REDISCLOSURE_NOTICE, NOTICE_SOURCE, scope, tuple(ordered))


@dataclass(frozen=True, slots=True)
class OwnConsents:
    """What the patient reads about their own consents in the portal (issue 10)."""

    consents: list[Consent]  # newest first
    statuses: dict[int, str]  # consent id -> the core's status (rule.ConsentStatus value)
    disclosures: list[Disclosure]  # the accounting, newest first


def own_consents(actor: PatientActor, *, at: datetime) -> OwnConsents:
    """The patient's own consents with the core's status of each on `at`'s day, and the
    accounting of disclosures made from their record (42 CFR 2.24/2.25): the patient's read in
    the portal, not a staff action (the staff reads are `list_consents` and `accounting`). Both
    reads are audited under the patient account."""
    with transaction.atomic():
        patient = Patient.objects.get(pk=actor.patient_id)
        actor.require_own(patient.pk)
        rows = list(Consent.objects.filter(patient=patient).order_by("-signed_on", "-id"))
        made = list(_disclosures().filter(patient=patient))
        statuses = consent_statuses(patient, rows, local_day(at))
        record_by(actor, at, AuditAction.READ, "consents", patient_mrn=patient.mrn,
                  detail="the patient, in the portal")  # fmt: skip
        record_by(actor, at, AuditAction.READ, "disclosures", patient_mrn=patient.mrn,
                  detail="the patient, in the portal")  # fmt: skip
    return OwnConsents(rows, statuses, made)


# ---- the accounting and the director's review -------------------------------------------------


def accounting(patient: Patient, *, actor: Actor, at: datetime) -> list[Disclosure]:
    """The patient's accounting of disclosures, newest first (audited read)."""
    actor.require(Action.VIEW_DISCLOSURES)
    with transaction.atomic():
        rows = list(_disclosures().filter(patient=patient))
        record_by(actor, at, AuditAction.READ, "disclosures", patient_mrn=patient.mrn)
    return rows


def _disclosures() -> QuerySet[Disclosure]:
    return Disclosure.objects.select_related("patient", "consent", "notes_consent", "emergency").order_by("-disclosed_at", "-id")  # fmt: skip


# `kind`: "disclosure" (out of the program), or "break_glass" (staff outside the care team opened
# the chart; recipient and disclosed_by name the staff member, emergency the reason they gave).
CSV_COLUMNS = ("disclosed_at", "recipient", "recipient_affiliation", "purpose", "records",
               "basis", "consent", "emergency", "labels", "channel", "disclosed_by", "kind")  # fmt: skip


def _csv_row(d: Disclosure) -> list[str]:
    return [
        d.disclosed_at.isoformat(), d.recipient_name, d.recipient_affiliation,
        PURPOSE_LABELS[Purpose(d.purpose)], "; ".join(d.record_kind_labels()), d.get_basis_display(),
        " ".join(str(c.pk) for c in (d.consent, d.notes_consent) if c is not None),
        d.emergency.reason if d.emergency else "", d.label_codes(), d.get_channel_display(),
        d.disclosed_by, "disclosure",
    ]  # fmt: skip


def _glass_row(g: BreakGlass) -> list[str]:
    return [
        g.opened_at.isoformat(), g.username, "staff of this program, outside the care team",
        PURPOSE_LABELS[Purpose.TREATMENT], "The chart", "Break-the-glass (outside the care team)",
        "", g.reason, "", f"Chart opened, access until {g.ends_at.isoformat()}", g.username,
        "break_glass",
    ]  # fmt: skip


def _safe(cell: str) -> str:
    # A cell that a spreadsheet would run as a formula is quoted (CSV injection).
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def accounting_csv(patient: Patient, *, actor: Actor, at: datetime) -> str:
    """The accounting as CSV, audited as an export."""
    actor.require(Action.VIEW_DISCLOSURES)
    with transaction.atomic():
        rows = list(_disclosures().filter(patient=patient))
        accesses = chart_accesses(patient)
        record_by(actor, at, AuditAction.EXPORT, "disclosures_csv", patient_mrn=patient.mrn,
                  detail=f"{len(rows)} disclosures, {len(accesses)} break-the-glass")  # fmt: skip
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    dated = [(d.disclosed_at, _csv_row(d)) for d in rows] + [(g.opened_at, _glass_row(g)) for g in accesses]  # fmt: skip
    for _, row in sorted(dated, key=lambda r: r[0], reverse=True):
        w.writerow([_safe(c) for c in row])
    return out.getvalue()


def chart_accesses(patient: Patient) -> list[BreakGlass]:
    """The times staff outside the care team opened this chart (break-the-glass), newest first:
    part of the patient's accounting, read with it (the caller audits the read)."""
    return list(patient.break_glass.order_by("-opened_at", "-id"))


def accounting_pdf(patient: Patient, *, actor: Actor, at: datetime) -> bytes:
    """The accounting as a PDF (disclosures, then chart opened outside the care team), audited as
    an export."""
    actor.require(Action.VIEW_DISCLOSURES)
    with transaction.atomic():
        rows = list(_disclosures().filter(patient=patient))
        accesses = chart_accesses(patient)
        record_by(actor, at, AuditAction.EXPORT, "disclosures_pdf", patient_mrn=patient.mrn,
                  detail=f"{len(rows)} disclosures, {len(accesses)} break-the-glass")  # fmt: skip
    return pdf.accounting_pdf(pdf.Header(patient, at, actor.username), rows, accesses)


@dataclass(frozen=True, slots=True)
class Review:
    disclosures: list[Disclosure]
    emergencies: list[Emergency]
    break_glass: list[BreakGlass]


REVIEW_LIMIT = 500


def review(*, actor: Actor, at: datetime, since: date | None = None) -> Review:
    """Every disclosure, every declared emergency and every chart opened outside the care team
    (newest first, from `since`), for the director's review; the read is audited with the
    patients it showed."""
    actor.require(Action.REVIEW_DISCLOSURES)
    rows = _disclosures()
    emergencies = Emergency.objects.select_related("patient").order_by("-declared_at", "-id")
    glass = BreakGlass.objects.select_related("patient").order_by("-opened_at", "-id")
    if since is not None:
        rows = rows.filter(disclosed_at__date__gte=since)
        emergencies = emergencies.filter(declared_at__date__gte=since)
        glass = glass.filter(opened_at__date__gte=since)
    with transaction.atomic():
        shown = Review(list(rows[:REVIEW_LIMIT]), list(emergencies[:REVIEW_LIMIT]),
                       list(glass[:REVIEW_LIMIT]))  # fmt: skip
        seen = (
            [d.patient.mrn for d in shown.disclosures]
            + [e.patient.mrn for e in shown.emergencies]
            + [g.patient.mrn for g in shown.break_glass]
        )
        mrns = " ".join(dict.fromkeys(seen))
        record_by(actor, at, AuditAction.READ, "disclosure_review",
                  detail=f"since {since or 'the start'}: {mrns}")  # fmt: skip
    return shown


__all__ = [
    "CSV_COLUMNS",
    "RECORD_KIND_LABELS",
    "ConsentInput",
    "DisclosureRefused",
    "Released",
    "accounting",
    "accounting_csv",
    "accounting_pdf",
    "active_emergency",
    "chart_accesses",
    "consent_statuses",
    "disclose",
    "list_consents",
    "own_consents",
    "record_consent",
    "review",
    "revoke_consent",
]
