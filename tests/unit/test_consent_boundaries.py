"""The Part 2 consent rule (clinical/consent.py) at its edges, word for word: the reason a clinician
or the disclosure page reads for each refusal, the day before, of and after a consent's signature
and end, the bounds of the §2.51 emergency window, and the refusals of an incomplete consent.

The scenario's consents (Alice Example, synthetic) come from test_consent.py."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest

from naltrack.clinical.consent import (
    PSYCHOTHERAPY_NOTE,
    Basis,
    Consent,
    ConsentScope,
    ConsentStatus,
    Decision,
    DisclosureRefused,
    ExpiryEvent,
    Purpose,
    Recipient,
    RecordKind,
    Refusal,
    Request,
    consent_problem,
    decide_disclosure,
    emergency_ends_at,
    labels_for,
    labels_of,
    status_of,
)
from naltrack.clinical.errors import InputError
from tests.unit.test_consent import (
    CONSENTS,
    COURT,
    ED,
    HARBOR,
    MEDS,
    NOTES,
    PLAN,
    PRIMARY_CARE,
    RIVERA,
    RIVERA_BY_NAME,
    THERAPIST_NOTES,
    TPO_CONSENT,
    request,
)

K = RecordKind
P = Purpose
D = date
REASON = "Unresponsive after a suspected overdose; ED needs current medications."


# ---- what the disclosure page says ---------------------------------------------------------

# recipient, record kinds, purpose, day, emergency reason -> (allowed, refusal, reason word for word)
# (The ids stay ASCII: `make mutation` hands pytest's node ids back to pytest in the same process,
# and there an id with an escaped non-ASCII character such as "\xa7" is not found.)
REASONS: list[tuple[str, Recipient, frozenset[RecordKind], Purpose, date, str, bool, Refusal | None, str]] = [
    ("one consent covers", RIVERA_BY_NAME, MEDS, P.TREATMENT, D(2026, 3, 10), "",
     True, None, "covered by consent 2"),
    ("notes and diagnoses: both consents, general first", HARBOR, NOTES | {K.ASSESSMENTS},
     P.TREATMENT, D(2026, 3, 10), "", True, None, "covered by consent 1 and 3"),
    ("the recipient, as typed but trimmed", Recipient("  Acme Logistics (employer) "),
     frozenset({K.EPISODES}), P.PATIENT_REQUEST, D(2026, 3, 10), "", False, Refusal.RECIPIENT,
     "consent 4 does not name Acme Logistics (employer) or a class it belongs to"),
    ("the purpose, in lower case", PLAN, MEDS, P.PATIENT_REQUEST, D(2026, 3, 10), "",
     False, Refusal.PURPOSE, "consent 1 does not cover the purpose at the request of the patient"),
    ("the missing records, in lower case and in order", RIVERA_BY_NAME,
     frozenset({K.DEMOGRAPHICS, K.MEDICATIONS, K.ASSESSMENTS}), P.TREATMENT, D(2026, 3, 10), "",
     False, Refusal.RECORDS,
     "consent 2 does not cover diagnoses and assessments, identity and contact details"),
    ("the day before the signature", ED, MEDS, P.TREATMENT, D(2026, 1, 4), "",
     False, Refusal.NOT_SIGNED_YET, "consent 1 was signed on 2026-01-05, after 2026-01-04"),
    ("the revocation day", PLAN, MEDS, P.PAYMENT, D(2026, 6, 1), "",
     False, Refusal.REVOKED, "consent 1 was revoked on 2026-06-01"),
    ("the expiry date", RIVERA, frozenset({K.OBSERVATIONS}), P.TREATMENT, D(2027, 1, 1), "",
     False, Refusal.EXPIRED, "consent 2 covers nothing from 2027-01-01: it expired"),
    ("the expiry event (discharge)", HARBOR, NOTES, P.TREATMENT, D(2026, 9, 15), "",
     False, Refusal.EXPIRED,
     "consent 3 covers nothing from 2026-09-15: its expiry event (end of treatment) happened"),
    ("the day after the expiry event", HARBOR, NOTES, P.TREATMENT, D(2026, 9, 16), "",
     False, Refusal.EXPIRED,
     "consent 3 covers nothing from 2026-09-15: its expiry event (end of treatment) happened"),
    ("emergency purpose, no emergency stated", ED, MEDS, P.EMERGENCY, D(2026, 3, 10), "",
     False, Refusal.NO_CONSENT, "no consent grants emergency treatment: state the emergency"),
    ("2.51: the stated emergency, trimmed", ED, MEDS, P.EMERGENCY, D(2026, 7, 1), f"  {REASON} ",
     True, None, f"medical emergency (42 CFR 2.51): {REASON}"),
    ("2.51 never releases counselling notes", ED, NOTES, P.EMERGENCY, D(2026, 7, 1), REASON,
     False, Refusal.EMERGENCY_NOTES,
     "counselling notes are not released under the medical-emergency exception"),
    ("2.51 is for medical personnel", COURT, MEDS, P.EMERGENCY, D(2026, 7, 1), REASON,
     False, Refusal.EMERGENCY_RECIPIENT,
     "the medical-emergency exception (42 CFR 2.51) is for medical personnel treating the patient"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("recipient", "kinds", "purpose", "day", "emergency", "allowed", "refusal", "reason"),
    [row[1:] for row in REASONS],
    ids=[row[0] for row in REASONS],
)
def test_the_reason_the_disclosure_page_shows(
    recipient: Recipient,
    kinds: frozenset[RecordKind],
    purpose: Purpose,
    day: date,
    emergency: str,
    allowed: bool,
    refusal: Refusal | None,
    reason: str,
) -> None:
    d = decide_disclosure(request(recipient, kinds, purpose, emergency), CONSENTS, day)
    assert (d.allowed, d.refusal, d.reason) == (allowed, refusal, reason)
    if not allowed or d.basis is Basis.EMERGENCY:
        assert d.consent_ids == ()


@pytest.mark.parametrize(
    ("consents", "kinds", "refusal", "reason"),
    [
        ((), MEDS, Refusal.NO_CONSENT, "no consent on file covers this disclosure"),
        ((TPO_CONSENT,), NOTES, Refusal.NOTES,
         "counselling notes need a consent of their own; none is on file"),
    ],
    ids=["no consent at all", "no counselling-notes consent"],
)  # fmt: skip
def test_a_refusal_with_nothing_on_file(
    consents: tuple[Consent, ...], kinds: frozenset[RecordKind], refusal: Refusal, reason: str
) -> None:
    d = decide_disclosure(request(ED, kinds, P.TREATMENT), consents, D(2026, 3, 10))
    assert (d.allowed, d.basis, d.consent_ids, d.refusal, d.reason) == (
        False, None, (), refusal, reason,
    )  # fmt: skip


def test_the_consent_that_gets_furthest_names_what_is_missing() -> None:
    """A newer consent that names the doctor but not the purpose, and an older one that covers
    the purpose but not the records: the older one gets further (whom, why, then what), so the
    page says which records are missing rather than that the purpose is."""
    newer = dataclasses.replace(
        PRIMARY_CARE, id=9, signed_on=D(2026, 2, 5), purposes=frozenset({P.PATIENT_REQUEST})
    )
    ask = request(RIVERA_BY_NAME, frozenset({K.ASSESSMENTS}), P.TREATMENT)
    for consents in ([newer, PRIMARY_CARE], [PRIMARY_CARE, newer]):
        d = decide_disclosure(ask, consents, D(2026, 3, 10))
        assert (d.refusal, d.reason) == (
            Refusal.RECORDS, "consent 2 does not cover diagnoses and assessments",
        )  # fmt: skip


@pytest.mark.parametrize(
    ("ask", "field", "message"),
    [
        (request(ED, frozenset(), P.TREATMENT), "record_kinds",
         "choose at least one kind of record"),
        (request(Recipient("  "), MEDS, P.TREATMENT), "recipient_name", "is required"),
        (Request(HARBOR, P.TREATMENT, NOTES, labels_for(MEDS)), "labels",
         "must include every label of the records asked for"),
    ],
    ids=["no records", "no recipient", "a label dropped"],
)  # fmt: skip
def test_a_malformed_request_is_refused_by_field(ask: Request, field: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        decide_disclosure(ask, CONSENTS, D(2026, 3, 10))
    assert (err.value.field, err.value.message) == (field, message)


def test_a_refused_disclosure_carries_its_reason() -> None:
    d = decide_disclosure(request(ED, MEDS, P.TREATMENT), CONSENTS, D(2026, 7, 1))
    refused = DisclosureRefused(d)
    assert (refused.field, refused.message) == (
        "recipient_name", "not disclosed: consent 1 was revoked on 2026-06-01",
    )  # fmt: skip
    assert refused.decision is d
    assert DisclosureRefused(Decision(False, None, (), None, "x"), "purpose").field == "purpose"


# ---- labels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kinds", "psychotherapy"),
    [([K.COUNSELLING_NOTES, K.MEDICATIONS], True), ([K.MEDICATIONS, K.COUNSELLING_NOTES], True),
     ([K.MEDICATIONS, K.EPISODES], False)],
)  # fmt: skip
def test_the_labels_of_several_records_are_the_union(
    kinds: list[RecordKind], psychotherapy: bool
) -> None:
    assert labels_for(kinds) == labels_of(K.MEDICATIONS) | (
        {PSYCHOTHERAPY_NOTE} if psychotherapy else set()
    )
    assert labels_for([]) == frozenset()


# ---- a consent's days: the day before, of and after ------------------------------------------

NO_END = dataclasses.replace(TPO_CONSENT, revoked_on=None)


@pytest.mark.parametrize(
    ("consent", "ends"),
    [
        (NO_END, None),
        (TPO_CONSENT, D(2026, 6, 1)),  # revoked
        (PRIMARY_CARE, D(2027, 1, 1)),  # its date
        (THERAPIST_NOTES, D(2026, 9, 15)),  # its event
        (dataclasses.replace(PRIMARY_CARE, revoked_on=D(2026, 5, 1)), D(2026, 5, 1)),  # earliest
    ],
    ids=["no end", "revoked", "expiry date", "expiry event", "revoked before its expiry"],
)
def test_the_first_day_a_consent_covers_nothing(consent: Consent, ends: date | None) -> None:
    assert consent.ends_on() == ends


# PRIMARY_CARE: signed 2026-02-01, expires 2027-01-01 (the first day it no longer covers).
@pytest.mark.parametrize(
    ("consent", "day", "in_force", "status"),
    [
        (PRIMARY_CARE, D(2026, 1, 31), False, ConsentStatus.NOT_YET_SIGNED),
        (PRIMARY_CARE, D(2026, 2, 1), True, ConsentStatus.IN_FORCE),
        (PRIMARY_CARE, D(2026, 2, 2), True, ConsentStatus.IN_FORCE),
        (PRIMARY_CARE, D(2026, 12, 31), True, ConsentStatus.IN_FORCE),
        (PRIMARY_CARE, D(2027, 1, 1), False, ConsentStatus.EXPIRED),
        (PRIMARY_CARE, D(2027, 1, 2), False, ConsentStatus.EXPIRED),
        (TPO_CONSENT, D(2026, 5, 31), True, ConsentStatus.IN_FORCE),
        (TPO_CONSENT, D(2026, 6, 1), False, ConsentStatus.REVOKED),
        (TPO_CONSENT, D(2026, 6, 2), False, ConsentStatus.REVOKED),
        (NO_END, D(2199, 12, 31), True, ConsentStatus.IN_FORCE),
        (NO_END, D(2026, 1, 4), False, ConsentStatus.NOT_YET_SIGNED),
    ],
)
def test_a_consent_is_in_force_from_its_signature_to_the_day_before_its_end(
    consent: Consent, day: date, in_force: bool, status: ConsentStatus
) -> None:
    assert consent.in_force(day) is in_force
    assert status_of(consent, day) is status


# ---- §2.51: the emergency window, 1 to 72 hours ------------------------------------------------

T0 = datetime(2026, 7, 1, 22, 0, tzinfo=UTC)


@pytest.mark.parametrize("hours", [1, 2, 71, 72])
def test_an_emergency_window_within_its_bounds(hours: int) -> None:
    assert emergency_ends_at(T0, hours) == T0 + timedelta(hours=hours)


@pytest.mark.parametrize("hours", [0, 73])
def test_an_emergency_window_outside_its_bounds_says_so(hours: int) -> None:
    with pytest.raises(InputError) as err:
        emergency_ends_at(T0, hours)
    assert (err.value.field, err.value.message) == ("emergency_hours", "must be 1-72 hours")


# ---- an incomplete consent (§2.31), word for word ---------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"recipients": frozenset()}, "recipient_names",
         "name at least one recipient or a class of recipients"),
        ({"purposes": frozenset()}, "purposes", "choose at least one purpose"),
        ({"purposes": frozenset({P.EMERGENCY})}, "purposes",
         "emergency treatment is not granted by consent (42 CFR 2.51 covers it)"),
        ({"record_kinds": frozenset()}, "record_kinds",
         "choose all SUD records or at least one kind of record"),
        ({"record_kinds": frozenset({K.MEDICATIONS, K.COUNSELLING_NOTES})}, "record_kinds",
         "counselling notes need a separate consent"),
        ({"scope": ConsentScope.COUNSELLING_NOTES}, "record_kinds",
         "a counselling-notes consent covers counselling notes only"),
        ({"expires_on": None}, "expires_on", "give an expiry date or an expiry event"),
        ({"expiry_event": ExpiryEvent.END_OF_TREATMENT}, "expiry_event",
         "give an expiry date or an expiry event, not both"),
        ({"expires_on": D(2026, 2, 1)}, "expires_on", "must be after the day it was signed"),
        ({"expires_on": None, "expiry_event": ExpiryEvent.NO_EXPIRY}, "expiry_event",
         "'none' is allowed only for a consent for treatment, payment and health-care operations"),
    ],
)  # fmt: skip
def test_what_an_incomplete_consent_form_says(
    changes: dict[str, object], field: str, message: str
) -> None:
    problem = consent_problem(dataclasses.replace(PRIMARY_CARE, **changes))  # type: ignore[arg-type]
    assert problem is not None
    assert (problem.field, problem.message) == (field, message)


def test_a_consent_expiring_the_day_after_its_signature_is_complete() -> None:
    assert consent_problem(dataclasses.replace(PRIMARY_CARE, expires_on=D(2026, 2, 2))) is None
