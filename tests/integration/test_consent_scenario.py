"""A consent scenario of the kind the HL7 consent-management projects publish (FHIR Consent
examples, the 42 CFR Part 2 consent directive `contract-example-42cfr-part2`, the DS4P/LEAP
consent test scripts), replayed through the one consent filter with the staff who ask: one
synthetic patient, several recipients and purposes, labelled records, and the written revocation
of her single TPO consent mid-way. Each row is actor x recipient x records x purpose ->
allowed (on which consent or exception, carrying which labels) or refused (by the consent rule,
with its reason, or by the actor's role), in order; the accounting at the end holds exactly the
allowed rows. tests/unit/test_consent.py holds the rule's own day-by-day table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from naltrack.accounts.services import Actor, PermissionRefused
from naltrack.audit.models import AuditEvent
from naltrack.clinical.consent import (
    REDISCLOSURE_NOTICE,
    DisclosureRefused,
    Recipient,
    RecipientClass,
    Refusal,
)
from naltrack.counselling.services import record_session
from naltrack.disclosure.models import Consent, Disclosure
from naltrack.disclosure.services import (
    ConsentInput,
    accounting,
    disclose,
    record_consent,
    revoke_consent,
)
from naltrack.patients.models import Patient
from tests.integration.conftest import (
    COORDINATOR,
    COUNSELOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    make_patient,
)

pytestmark = pytest.mark.django_db

ED = Recipient("Mercy Hospital Emergency Department", RecipientClass.TREATING_PROVIDERS)
PLAN = Recipient("Blue Shield Health Plan", RecipientClass.HEALTH_PLANS)
RIVERA = Recipient("Dr. Ana Rivera")
HARBOR = Recipient("Harbor Family Therapy", RecipientClass.TREATING_PROVIDERS)
EMPLOYER = Recipient("Acme Logistics (employer)")
OVERDOSE = "Unresponsive after a suspected overdose; the ED needs current medications."
PROGRAM = {"R", "42CFRPart2", "SUD", "NORDSCLCD"}
NOTES = PROGRAM | {"PSYTHPN"}
DAY1, DAY2 = NOW, NOW + timedelta(days=1)  # the TPO consent is revoked between them


@dataclass(frozen=True)
class Row:
    why: str
    actor: Actor
    recipient: Recipient
    records: tuple[str, ...]
    purpose: str
    expected: str | Refusal | type[PermissionRefused]  # "TPO", "RIVERA", "NOTES", "EMERGENCY"
    emergency: str = ""


BEFORE = [
    Row("nurse to the ED: treatment, under the TPO consent", NURSE, ED, ("medications",), "TREAT", "TPO"),
    Row("prescriber to the health plan: payment", PRESCRIBER, PLAN, ("episodes", "medications"), "HPAYMT", "TPO"),
    Row("counselor to the family therapist: notes on their own consent", COUNSELOR, HARBOR, ("counselling_notes",), "TREAT", "NOTES"),
    Row("coordinator sends no clinical record", COORDINATOR, ED, ("medications",), "TREAT", PermissionRefused),
    Row("nurse cannot send notes she cannot read", NURSE, HARBOR, ("counselling_notes",), "TREAT", PermissionRefused),
    Row("health plan asks for counselling notes", PRESCRIBER, PLAN, ("counselling_notes",), "HPAYMT", Refusal.RECIPIENT),
    Row("TPO consent is not for research", PRESCRIBER, PLAN, ("medications",), "HRESCH", Refusal.PURPOSE),
    Row("employer is named nowhere", PRESCRIBER, EMPLOYER, ("episodes",), "PATRQT", Refusal.RECIPIENT),
]  # fmt: skip
AFTER = [
    Row("the ED after the revocation", NURSE, ED, ("medications",), "TREAT", Refusal.REVOKED),
    Row("the health plan after the revocation", PRESCRIBER, PLAN, ("episodes",), "HPAYMT", Refusal.REVOKED),
    Row("the named doctor: medications, her own consent", NURSE, RIVERA, ("medications",), "TREAT", "RIVERA"),
    Row("the named doctor: diagnoses are not in her consent", PRESCRIBER, RIVERA, ("assessments",), "TREAT", Refusal.RECORDS),
    Row("the family therapist: notes still covered", COUNSELOR, HARBOR, ("counselling_notes",), "TREAT", "NOTES"),
    Row("an overdose: the nurse declares the emergency", NURSE, ED, ("medications",), "ETREAT", "EMERGENCY", OVERDOSE),
    Row("the same ED within the emergency: no new declaration", PRESCRIBER, ED, ("medications", "assessments"), "TREAT", "EMERGENCY"),
    Row("a counselor cannot declare an emergency", COUNSELOR, ED, ("medications",), "ETREAT", PermissionRefused, OVERDOSE),
    Row("never counselling notes in an emergency", PRESCRIBER, ED, ("counselling_notes",), "ETREAT", Refusal.EMERGENCY_NOTES, OVERDOSE),
]  # fmt: skip


def signed(p: Patient, **values: Any) -> Consent:
    base: dict[str, Any] = dict(scope="general", signed_by="Alice Example", signer="patient",
                                signed_on=TODAY - timedelta(days=30))  # fmt: skip
    return record_consent(p, ConsentInput(**(base | values)), actor=NURSE, at=DAY1 - timedelta(days=30))  # fmt: skip


def replay(p: Patient, rows: list[Row], at: datetime, consents: dict[str, int]) -> list[str]:
    """Each row through the filter; returns the recipients of the allowed rows, in order."""
    allowed = []
    for row in rows:
        before = Disclosure.objects.count()
        try:
            released = disclose(p, row.recipient, row.purpose, set(row.records), row.actor, at,
                                row.emergency or None)  # fmt: skip
        except DisclosureRefused as refused:
            assert refused.decision.refusal is row.expected, (row.why, refused.decision.reason)
            assert refused.decision.reason, row.why
            assert Disclosure.objects.count() == before, row.why
            continue
        except PermissionRefused:
            assert row.expected is PermissionRefused, row.why
            assert Disclosure.objects.count() == before, row.why
            continue
        d = released.disclosure
        assert isinstance(row.expected, str) and not isinstance(row.expected, Refusal), row.why
        if row.expected == "EMERGENCY":
            assert d.basis == "medical_emergency" and d.emergency is not None, row.why
            assert d.emergency.reason == OVERDOSE
        else:
            ids = [c.pk for c in (d.consent, d.notes_consent) if c is not None]
            assert d.basis == "consent" and ids == [consents[row.expected]], row.why
        codes = {lb["code"] for lb in d.labels}
        assert codes == (NOTES if "counselling_notes" in row.records else PROGRAM), row.why
        assert released.notice == REDISCLOSURE_NOTICE
        allowed.append(row.recipient.name)
    return allowed


def test_the_scenario_through_the_filter_with_a_revocation_mid_way() -> None:
    p = make_patient("MRN-0990")
    record_session(p, held_on=TODAY - timedelta(days=2), kind="individual", attendance="attended",
                   note="Discussed cravings.", actor=COUNSELOR, at=DAY1 - timedelta(days=2))  # fmt: skip
    consents = {
        "TPO": signed(p, recipient_classes=tuple(c.value for c in RecipientClass),
                      purposes=("TREAT", "HPAYMT", "HOPERAT"), all_records=True, expiry_event="none").pk,
        "RIVERA": signed(p, recipient_names=("Dr. Ana Rivera",), purposes=("TREAT",),
                         record_kinds=("medications", "observations"), expires_on=TODAY + timedelta(days=90)).pk,
        "NOTES": signed(p, scope="counselling_notes", recipient_names=("Harbor Family Therapy",),
                        purposes=("TREAT",), expiry_event="end_of_treatment").pk,
    }  # fmt: skip
    first = replay(p, BEFORE, DAY1, consents)
    revoke_consent(p, consents["TPO"], revoked_on=DAY2.date(), revoked_by="Alice Example",
                   note="Letter of revocation, filed", actor=COORDINATOR, at=DAY2)  # fmt: skip
    then = replay(p, AFTER, DAY2 + timedelta(hours=1), consents)
    assert first == [ED.name, PLAN.name, HARBOR.name]
    assert then == [RIVERA.name, HARBOR.name, ED.name, ED.name]
    # The accounting holds exactly the allowed rows, newest first; the refusals by the rule are
    # in the audit trail with their reasons (a role's refusal is refused before the filter).
    listed = accounting(p, actor=COORDINATOR, at=DAY2 + timedelta(hours=2))
    assert [d.recipient_name for d in reversed(listed)] == first + then
    refused = AuditEvent.objects.filter(object_type="disclosure_refused", patient_mrn="MRN-0990")
    by_rule = [r for r in BEFORE + AFTER if isinstance(r.expected, Refusal)]
    assert refused.count() == len(by_rule)
