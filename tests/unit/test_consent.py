"""The Part 2 consent rule (clinical/consent.py) replayed on a consent scenario of the kind the HL7
consent-management work publishes (the FHIR Consent examples "notThis"/"notOrg"/"Out", and the
42 CFR Part 2 consent directive example `contract-example-42cfr-part2`, Michigan MDHHS-5515): one
synthetic patient, several recipients and purposes, labelled records, a revocation mid-way and an
expiry event. The table is recipient x records x purpose x day -> allowed (on which consents) or
refused (and why), with the day before, of and after each boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from naltrack.clinical.consent import (
    GENERAL_RECORDS,
    PART2,
    PSYCHOTHERAPY_NOTE,
    RESTRICTED,
    SUD,
    TPO,
    Basis,
    Consent,
    ConsentScope,
    ConsentStatus,
    ExpiryEvent,
    Purpose,
    Recipient,
    RecipientClass,
    RecordKind,
    Refusal,
    Request,
    consent_problem,
    decide_disclosure,
    emergency_active,
    emergency_ends_at,
    labels_for,
    labels_of,
    recipient_key,
    status_of,
)
from naltrack.clinical.errors import InputError

K = RecordKind
P = Purpose
TREATING = RecipientClass.TREATING_PROVIDERS

# The scenario. Alice Example (synthetic) signs, over 2026:
TPO_CONSENT = Consent(  # 1: the single consent for treatment, payment and operations ...
    id=1, scope=ConsentScope.GENERAL, recipients=frozenset(),
    recipient_classes=frozenset(RecipientClass), purposes=TPO, record_kinds=GENERAL_RECORDS,
    signed_on=date(2026, 1, 5), expiry_event=ExpiryEvent.NO_EXPIRY,
    revoked_on=date(2026, 6, 1),  # ... which she revokes in writing on 1 June
)  # fmt: skip
PRIMARY_CARE = Consent(  # 2: her primary-care doctor, medications and labs only, until the year ends
    id=2, scope=ConsentScope.GENERAL, recipients=frozenset({recipient_key("Dr. Ana Rivera")}),
    recipient_classes=frozenset(), purposes=frozenset({P.TREATMENT}),
    record_kinds=frozenset({K.MEDICATIONS, K.OBSERVATIONS}), signed_on=date(2026, 2, 1),
    expires_on=date(2027, 1, 1),
)  # fmt: skip
THERAPIST_NOTES = Consent(  # 3: counselling notes to her family therapist, until treatment ends
    id=3, scope=ConsentScope.COUNSELLING_NOTES, recipients=frozenset({recipient_key("Harbor Family Therapy")}),
    recipient_classes=frozenset(), purposes=frozenset({P.TREATMENT}),
    record_kinds=frozenset({K.COUNSELLING_NOTES}), signed_on=date(2026, 3, 1),
    expiry_event=ExpiryEvent.END_OF_TREATMENT, event_on=date(2026, 9, 15),  # discharged 15 Sept
)  # fmt: skip
PROBATION = Consent(  # 4: attendance to her probation officer, at her request, until April
    id=4, scope=ConsentScope.GENERAL, recipients=frozenset({recipient_key("Riverside County Probation")}),
    recipient_classes=frozenset(), purposes=frozenset({P.PATIENT_REQUEST}),
    record_kinds=frozenset({K.EPISODES, K.APPOINTMENTS}), signed_on=date(2026, 2, 10),
    expires_on=date(2026, 4, 1),
)  # fmt: skip
CONSENTS = (TPO_CONSENT, PRIMARY_CARE, THERAPIST_NOTES, PROBATION)

ED = Recipient("Mercy Hospital Emergency Department", TREATING)
PLAN = Recipient("Blue Shield Health Plan", RecipientClass.HEALTH_PLANS)
RIVERA = Recipient("Dr. Ana  RIVERA", TREATING)  # spacing and case as someone typed it
RIVERA_BY_NAME = Recipient("Dr. Ana Rivera")  # no class given: only a consent naming her covers
HARBOR = Recipient("Harbor Family Therapy", TREATING)
COURT = Recipient("Riverside County Probation")
EMPLOYER = Recipient("Acme Logistics (employer)")
NOTES = frozenset({K.COUNSELLING_NOTES})
MEDS = frozenset({K.MEDICATIONS})
D = date

# recipient, record kinds, purpose, day -> consents that cover (allowed) or the refusal
SCENARIO: list[tuple[str, Recipient, frozenset[RecordKind], Purpose, date, tuple[int, ...] | Refusal]] = [
    ("before anything is signed", ED, MEDS, P.TREATMENT, D(2026, 1, 4), Refusal.NOT_SIGNED_YET),
    ("TPO consent: treating provider, day signed", ED, MEDS, P.TREATMENT, D(2026, 1, 5), (1,)),
    ("TPO consent: health plan, payment", PLAN, frozenset({K.EPISODES, K.MEDICATIONS}), P.PAYMENT, D(2026, 3, 10), (1,)),
    ("TPO consent: the day before its revocation", PLAN, frozenset({K.EPISODES}), P.PAYMENT, D(2026, 5, 31), (1,)),
    ("revoked: nothing from the revocation day", PLAN, frozenset({K.EPISODES}), P.PAYMENT, D(2026, 6, 1), Refusal.REVOKED),
    ("revoked: nor after", ED, MEDS, P.TREATMENT, D(2026, 7, 1), Refusal.REVOKED),
    ("TPO consent is not for research", PLAN, MEDS, P.RESEARCH, D(2026, 3, 10), Refusal.PURPOSE),
    ("TPO consent never covers counselling notes", ED, NOTES, P.TREATMENT, D(2026, 3, 10), Refusal.RECIPIENT),
    ("named doctor before her own consent: the TPO consent", RIVERA, MEDS, P.TREATMENT, D(2026, 1, 31), (1,)),
    ("named doctor after the revocation: her own consent", RIVERA, MEDS, P.TREATMENT, D(2026, 7, 1), (2,)),
    ("named doctor: diagnoses after the revocation", RIVERA, frozenset({K.ASSESSMENTS}), P.TREATMENT, D(2026, 7, 1), Refusal.REVOKED),
    ("named doctor by name alone: diagnoses are not in her consent", RIVERA_BY_NAME, frozenset({K.ASSESSMENTS}), P.TREATMENT, D(2026, 3, 10), Refusal.RECORDS),
    ("named doctor by name alone: medications", RIVERA_BY_NAME, MEDS, P.TREATMENT, D(2026, 3, 10), (2,)),
    ("named doctor: the last day of her consent", RIVERA, frozenset({K.OBSERVATIONS}), P.TREATMENT, D(2026, 12, 31), (2,)),
    ("named doctor: the expiry day", RIVERA, frozenset({K.OBSERVATIONS}), P.TREATMENT, D(2027, 1, 1), Refusal.EXPIRED),
    ("therapist: counselling notes on their own consent", HARBOR, NOTES, P.TREATMENT, D(2026, 3, 10), (3,)),
    ("therapist: notes and diagnoses need both consents", HARBOR, NOTES | {K.ASSESSMENTS}, P.TREATMENT, D(2026, 3, 10), (1, 3)),
    ("therapist: diagnoses after the revocation", HARBOR, NOTES | {K.ASSESSMENTS}, P.TREATMENT, D(2026, 7, 1), Refusal.REVOKED),
    ("therapist: the day before discharge", HARBOR, NOTES, P.TREATMENT, D(2026, 9, 14), (3,)),
    ("therapist: end of treatment ends the notes consent", HARBOR, NOTES, P.TREATMENT, D(2026, 9, 15), Refusal.EXPIRED),
    ("health plan asks for counselling notes", PLAN, NOTES, P.PAYMENT, D(2026, 3, 10), Refusal.RECIPIENT),
    ("probation: attendance at her request", COURT, frozenset({K.APPOINTMENTS}), P.PATIENT_REQUEST, D(2026, 3, 31), (4,)),
    ("probation: the expiry day", COURT, frozenset({K.APPOINTMENTS}), P.PATIENT_REQUEST, D(2026, 4, 1), Refusal.EXPIRED),
    ("probation: diagnoses were never consented", COURT, frozenset({K.ASSESSMENTS}), P.PATIENT_REQUEST, D(2026, 3, 10), Refusal.RECORDS),
    ("probation: not for treatment", COURT, frozenset({K.APPOINTMENTS}), P.TREATMENT, D(2026, 3, 10), Refusal.PURPOSE),
    ("employer: named nowhere", EMPLOYER, frozenset({K.EPISODES}), P.PATIENT_REQUEST, D(2026, 3, 10), Refusal.RECIPIENT),
]  # fmt: skip


def request(recipient: Recipient, kinds: frozenset[RecordKind], purpose: Purpose, reason: str = "") -> Request:  # fmt: skip
    return Request(recipient, purpose, kinds, labels_for(kinds), emergency_reason=reason)


@pytest.mark.parametrize(
    ("recipient", "kinds", "purpose", "day", "expected"),
    [row[1:] for row in SCENARIO],
    ids=[row[0] for row in SCENARIO],
)
def test_the_consent_scenario(
    recipient: Recipient,
    kinds: frozenset[RecordKind],
    purpose: Purpose,
    day: date,
    expected: tuple[int, ...] | Refusal,
) -> None:
    decision = decide_disclosure(request(recipient, kinds, purpose), CONSENTS, day)
    if isinstance(expected, Refusal):
        assert not decision.allowed
        assert decision.refusal is expected, decision.reason
        assert decision.reason and decision.consent_ids == ()
    else:
        assert decision.allowed, decision.reason
        assert decision.basis is Basis.CONSENT
        assert decision.consent_ids == expected


def test_a_refusal_names_the_revocation() -> None:
    d = decide_disclosure(request(ED, MEDS, P.TREATMENT), CONSENTS, D(2026, 7, 1))
    assert d.reason == "consent 1 was revoked on 2026-06-01"


def test_no_consent_at_all_is_refused_with_a_reason() -> None:
    d = decide_disclosure(request(ED, MEDS, P.TREATMENT), [], D(2026, 3, 10))
    assert (d.allowed, d.refusal) == (False, Refusal.NO_CONSENT)
    assert "no consent" in d.reason


def test_notes_without_any_notes_consent_say_they_need_their_own() -> None:
    d = decide_disclosure(request(ED, NOTES, P.TREATMENT), [TPO_CONSENT], D(2026, 3, 10))
    assert d.refusal is Refusal.NOTES
    assert "consent of their own" in d.reason


@pytest.mark.parametrize(
    ("consent", "day", "status"),
    [
        (TPO_CONSENT, D(2026, 1, 4), ConsentStatus.NOT_YET_SIGNED),
        (TPO_CONSENT, D(2026, 5, 31), ConsentStatus.IN_FORCE),
        (TPO_CONSENT, D(2026, 6, 1), ConsentStatus.REVOKED),
        (THERAPIST_NOTES, D(2026, 9, 14), ConsentStatus.IN_FORCE),
        (THERAPIST_NOTES, D(2026, 9, 15), ConsentStatus.EXPIRED),
        (PRIMARY_CARE, D(2027, 1, 1), ConsentStatus.EXPIRED),
    ],
)
def test_where_a_consent_stands(consent: Consent, day: date, status: ConsentStatus) -> None:
    assert status_of(consent, day) is status


# ---- §2.51 medical emergency -----------------------------------------------------------------

AFTER_REVOCATION = D(2026, 7, 1)
REASON = "Unresponsive after a suspected overdose; ED needs current medications."


def test_emergency_discloses_to_medical_personnel_without_consent() -> None:
    d = decide_disclosure(request(ED, MEDS, P.EMERGENCY, REASON), CONSENTS, AFTER_REVOCATION)
    assert (d.allowed, d.basis, d.consent_ids) == (True, Basis.EMERGENCY, ())
    assert REASON in d.reason and "2.51" in d.reason


def test_emergency_for_treatment_purpose_also_falls_back_to_the_exception() -> None:
    d = decide_disclosure(request(ED, MEDS, P.TREATMENT, REASON), CONSENTS, AFTER_REVOCATION)
    assert d.basis is Basis.EMERGENCY


def test_a_covering_consent_is_preferred_to_the_exception() -> None:
    d = decide_disclosure(request(ED, MEDS, P.TREATMENT, REASON), CONSENTS, D(2026, 3, 10))
    assert (d.basis, d.consent_ids) == (Basis.CONSENT, (1,))


def test_emergency_purpose_without_a_reason_is_refused() -> None:
    d = decide_disclosure(request(ED, MEDS, P.EMERGENCY, "  "), CONSENTS, D(2026, 3, 10))
    assert not d.allowed
    assert "state the emergency" in d.reason


def test_emergency_never_releases_counselling_notes() -> None:
    d = decide_disclosure(request(ED, NOTES, P.EMERGENCY, REASON), CONSENTS, AFTER_REVOCATION)
    assert (d.allowed, d.refusal) == (False, Refusal.EMERGENCY_NOTES)


def test_emergency_is_for_medical_personnel_only() -> None:
    d = decide_disclosure(request(EMPLOYER, MEDS, P.EMERGENCY, REASON), CONSENTS, AFTER_REVOCATION)
    assert (d.allowed, d.refusal) == (False, Refusal.EMERGENCY_RECIPIENT)


T0 = datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("hours", "at", "active"),
    [
        (24, T0 + timedelta(hours=23, minutes=59), True),
        (24, T0 + timedelta(hours=24), False),
        (4, T0 + timedelta(hours=3), True),
        (4, T0 + timedelta(hours=4, seconds=1), False),
    ],
)
def test_an_emergency_is_time_limited(hours: int, at: datetime, active: bool) -> None:
    assert emergency_active(emergency_ends_at(T0, hours), at) is active


@pytest.mark.parametrize("hours", [0, 73])
def test_the_emergency_window_is_bounded(hours: int) -> None:
    with pytest.raises(InputError) as e:
        emergency_ends_at(T0, hours)
    assert e.value.field == "emergency_hours"


# ---- labels ------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(RecordKind))
def test_every_record_of_the_program_is_labelled_part_2(kind: RecordKind) -> None:
    codes = {label.code for label in labels_of(kind)}
    assert {"R", "42CFRPart2", "SUD", "NORDSCLCD"} <= codes
    assert ("PSYTHPN" in codes) is (kind is RecordKind.COUNSELLING_NOTES)


def test_label_systems_are_hl7s() -> None:
    assert RESTRICTED.system == "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
    assert PART2.system == SUD.system == PSYCHOTHERAPY_NOTE.system
    assert PART2.system == "http://terminology.hl7.org/CodeSystem/v3-ActCode"


def test_a_channel_cannot_drop_a_label() -> None:
    stripped = Request(HARBOR, P.TREATMENT, NOTES, labels_for(MEDS))  # no PSYTHPN
    with pytest.raises(InputError) as e:
        decide_disclosure(stripped, CONSENTS, D(2026, 3, 10))
    assert e.value.field == "labels"


def test_a_request_names_records_and_a_recipient() -> None:
    with pytest.raises(InputError) as e:
        decide_disclosure(request(ED, frozenset(), P.TREATMENT), CONSENTS, D(2026, 3, 10))
    assert e.value.field == "record_kinds"
    with pytest.raises(InputError) as e:
        decide_disclosure(request(Recipient(" "), MEDS, P.TREATMENT), CONSENTS, D(2026, 3, 10))
    assert e.value.field == "recipient_name"


# ---- a consent is complete (§2.31) ---------------------------------------------------------


def consent(**changes: object) -> Consent:
    from dataclasses import replace

    return replace(PRIMARY_CARE, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recipients": frozenset()}, "recipient_names"),
        ({"purposes": frozenset()}, "purposes"),
        ({"purposes": frozenset({P.EMERGENCY})}, "purposes"),
        ({"record_kinds": frozenset()}, "record_kinds"),
        ({"record_kinds": frozenset({K.MEDICATIONS, K.COUNSELLING_NOTES})}, "record_kinds"),
        ({"scope": ConsentScope.COUNSELLING_NOTES}, "record_kinds"),
        ({"expires_on": None}, "expires_on"),
        ({"expiry_event": ExpiryEvent.END_OF_TREATMENT}, "expiry_event"),
        ({"expires_on": date(2026, 2, 1)}, "expires_on"),
        (
            {
                "expires_on": None,
                "expiry_event": ExpiryEvent.NO_EXPIRY,
                "purposes": frozenset({P.PATIENT_REQUEST}),
            },
            "expiry_event",
        ),
    ],
)
def test_an_incomplete_consent_names_its_field(changes: dict[str, object], field: str) -> None:
    problem = consent_problem(consent(**changes))
    assert problem is not None and problem.field == field


@pytest.mark.parametrize("c", CONSENTS, ids=lambda c: str(c.id))
def test_the_scenarios_consents_are_complete(c: Consent) -> None:
    assert consent_problem(c) is None


def test_expiry_none_is_for_the_single_tpo_consent() -> None:
    assert consent_problem(TPO_CONSENT) is None
    treatment_only = consent(expires_on=None, expiry_event=ExpiryEvent.NO_EXPIRY)
    assert consent_problem(treatment_only) is not None
    assert consent_problem(consent(expires_on=None, expiry_event=ExpiryEvent.NO_EXPIRY,
                                   purposes=TPO)) is None  # fmt: skip
