"""My consents: the patient's consents in plain words (who may receive what, why, until when, and
where each stands by the core's status), the disclosures made under each (the accounting of
disclosures, 42 CFR 2.24/2.25), and the patient's own written revocation (42 CFR 2.31(a)(5)),
which is the revocation use case staff use (disclosure.services.revoke_consent), recorded and
audited under the patient account. A support person's consent is withdrawn the way the Support
page withdraws it (reminders.support.withdraw_consent: pending notices are cancelled too)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from naltrack.accounts.actors import PatientActor
from naltrack.clinical.consent import ConsentScope, ConsentStatus, ExpiryEvent
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.clock import local_day
from naltrack.disclosure.models import Consent, Disclosure
from naltrack.disclosure.services import own_consents, revoke_consent
from naltrack.reminders.models import SupportConsent
from naltrack.reminders.support import withdraw_consent

from .services import own_patient
from .words import (
    SUPPORT_NOTICE_WORDS,
    consent_status_words,
    purpose_words,
    recipient_class_words,
    record_kind_words,
)

REASON_MAX = 500  # the patient's optional reason (it is kept with the revocation)


@dataclass(frozen=True, slots=True)
class SharedLine:
    """One disclosure in the patient's words: when, to whom, what and why."""

    disclosure: Disclosure
    what: str
    why: str


def _shared(d: Disclosure) -> SharedLine:
    return SharedLine(d, "; ".join(record_kind_words(k) for k in d.record_kinds), purpose_words(d.purpose))  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConsentRow:
    """One consent in the patient's words."""

    consent: Consent
    status: str  # ConsentStatus value (the core's answer)
    status_words: str
    whom: list[str]
    what: list[str]
    why: list[str]
    until: str
    support_person: str  # the support person's name, for a support-person consent
    support_notices: list[str]  # what that person is sent, in the patient's words
    disclosures: list[SharedLine] = field(default_factory=list)

    @property
    def active(self) -> bool:
        return self.status == ConsentStatus.IN_FORCE.value

    @property
    def revocable(self) -> bool:
        """In force or not yet in force, and not revoked: the patient may revoke it."""
        return self.consent.revoked_on is None and self.status in (
            ConsentStatus.IN_FORCE.value,
            ConsentStatus.NOT_YET_SIGNED.value,
        )


@dataclass(frozen=True, slots=True)
class ConsentsView:
    consents: list[ConsentRow]
    other_disclosures: list[SharedLine]  # made without consent (a medical emergency, 2.51)


def _until(c: Consent) -> str:
    if c.expires_on is not None:
        return _("Until %(day)s (it ends that day)") % {"day": _day(c.expires_on)}
    if c.expiry_event == ExpiryEvent.END_OF_TREATMENT:
        return _("Until my treatment at this program ends")
    return _("No end date. I can revoke it at any time.")


def _day(d: date) -> str:
    return date_format(d, "j F Y")


def _whom(c: Consent) -> list[str]:
    return [*c.recipient_names, *(recipient_class_words(v) for v in c.recipient_classes)]


def _what(c: Consent) -> list[str]:
    if c.scope == ConsentScope.COUNSELLING_NOTES:
        return [record_kind_words("counselling_notes")]
    if c.all_records:
        return [_("All my treatment records, except counseling notes")]
    return [record_kind_words(k) for k in c.record_kinds]


def _person_name(given: SupportConsent | None) -> str:
    return given.support_person.name if given else ""


def _notices(given: SupportConsent | None) -> list[str]:
    return [str(SUPPORT_NOTICE_WORDS.get(n, n)) for n in given.notices] if given else []


def read_consents(actor: PatientActor, *, at: datetime) -> ConsentsView:
    """The patient's consents and the disclosures made under each (the disclosure service's
    audited read, as the patient)."""
    with transaction.atomic():
        found = own_consents(actor, at=at)
        consents, made, statuses = found.consents, found.disclosures, found.statuses
        # the consents the patient gave for a support person's messages (issue 11)
        support = {
            given.consent_id: given
            for given in SupportConsent.objects.filter(consent__in=consents).select_related(
                "support_person"
            )
        }
        rows = []
        for c in consents:
            under = [_shared(d) for d in made if c.pk in (d.consent_id, d.notes_consent_id)]
            status = statuses[c.pk]
            rows.append(
                ConsentRow(
                    consent=c,
                    status=status,
                    status_words=consent_status_words(status),
                    whom=_whom(c),
                    what=_what(c),
                    why=[purpose_words(p) for p in c.purposes],
                    until=_until(c),
                    support_person=_person_name(support.get(c.pk)),
                    support_notices=_notices(support.get(c.pk)),
                    disclosures=under,
                )
            )
        others = [_shared(d) for d in made if d.consent_id is None and d.notes_consent_id is None]
    return ConsentsView(rows, others)


def one_consent(actor: PatientActor, consent_id: int, *, at: datetime) -> ConsentRow | None:
    """One of the patient's consents for the confirm step. Another patient's consent raises
    NotOwnRecord (the portal answers 404 and audits it); an unknown id gives None."""
    row = Consent.objects.filter(pk=consent_id).first()
    if row is None:
        return None
    actor.require_own(row.patient_id)
    return next((r for r in read_consents(actor, at=at).consents if r.consent.pk == consent_id), None)  # fmt: skip


def revoke_own_consent(
    actor: PatientActor, consent_id: int, *, confirmed: bool, reason: str, at: datetime
) -> Consent:
    """The patient's written revocation: `confirmed` is the patient's statement that they revoke
    it (the checkbox), `reason` optional. From today the consent covers nothing."""
    row = Consent.objects.filter(pk=consent_id).first()
    if row is None:
        raise InputError("no such consent", "consent")
    actor.require_own(row.patient_id)
    if not confirmed:
        raise InputError("tick the box to say that you revoke this consent", "confirm")
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise InputError(f"must be at most {REASON_MAX} characters", "reason")
    if row.revoked_on is not None:
        raise ConflictError(f"this consent was already revoked on {row.revoked_on}", "consent")
    patient = own_patient(actor)
    support = SupportConsent.objects.filter(consent=row).first()
    if support is not None and support.withdrawn_at is None:
        withdraw_consent(patient, support.support_person_id, by=actor, at=at,
                         note=reason or "the patient revoked it in the portal")  # fmt: skip
        row.refresh_from_db()
        return row
    return revoke_consent(
        patient, consent_id, revoked_on=local_day(at),
        revoked_by=f"{patient.given_name} {patient.family_name}",
        note=reason or "revoked by the patient in the portal", actor=actor, at=at,
    )  # fmt: skip
