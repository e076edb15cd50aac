"""The API against its own OpenAPI document (schemathesis, part of `make test`): for every operation,
requests generated from the document (its examples, its boundaries, then random ones) and sent with a
bearer token of each role in turn get no 5xx, no status the document does not declare, no response
that breaks its declared schema, and no 400 for a request the document says is valid (the document
declares the enums, lengths, patterns and day range the services enforce). Examples are bounded so
the run stays short.

The last check is left out only for the operations whose refusals depend on another field or on
the record as it stands, which no schema can state (listed below with the rule)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.wsgi import application
from tests.integration.conftest import NOW, TODAY, started_on_injection

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

ROLES = {
    "pat.prescriber": Role.PRESCRIBER,
    "nina.nurse": Role.NURSE,
    "cole.counselor": Role.COUNSELOR,
    "cora.coordinator": Role.COORDINATOR,
    "dana.director": Role.DIRECTOR,
}

# Operations whose refusals depend on another field, on today or on the record as it stands (the
# example patient's), which no schema can state: the rule each applies. On these, a schema-valid
# request may be refused with 400 naming the field; every other check still runs.
RULES_BEYOND_THE_SCHEMA = {
    "GET /api/reports/program": "the end is on or after the start, by today, within three years",
    "POST /api/patients": "a birth date in the past and under 120 years; a reminder channel needs its contact; the care team names active staff of each role",
    "PUT /api/patients/{mrn}/details": "a birth date in the past and under 120 years; a reminder channel needs its contact",
    "POST /api/patients/{mrn}/episodes": "the start is by today",
    "POST /api/merges/preview": "two different charts",
    "POST /api/merges": "two different charts; a reason of a few words",
    "POST /api/patients/{mrn}/assessments": "days by the assessment; the kind of opioid with its last use",
    "POST /api/patients/{mrn}/observations": "the data's items depend on the kind",
    "POST /api/patients/{mrn}/counselling": "held by today",
    "POST /api/patients/{mrn}/side-effects": "noted by today; the follow-up after it",
    "POST /api/side-effects/{effect_id}/follow-up": "between the day noted and today",
    "POST /api/medications/{entry_id}/stop": "between the start and today",
    "POST /api/patients/{mrn}/screenings": "the entered facts by today; a liver value with its upper limit",
    "POST /api/screenings/{screening_id}/sign": "every required item reviewed, with a note; no start with a required fact missing; only a blocked result is overridden, with a reason",
    "POST /api/patients/{mrn}/plans": "the regimen is one of the formulation's, and fits the episode",
    "POST /api/patients/{mrn}/orders": "the regimen is one of the formulation's; the dose is one the formulation and regimen allow (the core)",
    "POST /api/patients/{mrn}/administrations": "the core's timing, the episode's days, the lot's expiry, a first dose's urine screen, the active order",
    "POST /api/patients/{mrn}/injection-override": "written on today's date, for what the core refuses today",
    "POST /api/patients/{mrn}/implants": "inserted by today, after a signed screening; an active prior authorization or confirm_warnings",
    "POST /api/implants/{implant_id}/removal": "between the insertion and today",
    "POST /api/patients/{mrn}/appointments": "today or later, on a day the clinic is open and within its hours; an active clinician; a room in use",
    "POST /api/appointments/{appointment_id}/status": "a future visit cannot be kept or missed yet; a cancellation says why",
    "POST /api/appointments/{appointment_id}/reschedule": "today or later, on a day the clinic is open and within its hours; an active clinician; a room in use",
    "POST /api/appointments/{appointment_id}/cancel": "the reason is not blank",
    "POST /api/appointments/{appointment_id}/no-show": "a future visit cannot be missed yet",
    "POST /api/patients/{mrn}/appointments/next-injection": "an injection was given before",
    "GET /api/calendar": "the clinician names a staff member",
    "PUT /api/clinic-calendar/hours": "each day opens before it closes; open on one weekday at least, each listed once",
    "POST /api/clinic-calendar/holidays": "a day not yet a holiday; a name that is not blank",
    "POST /api/clinic-calendar/rooms": "a name not yet used and not blank",
    "POST /api/patients/{mrn}/discontinue": "between the episode's start and today",
    "POST /api/patients/{mrn}/consents": "42 CFR 2.31: a recipient, a purpose, the records, an expiry after the signing; signed by today",
    "POST /api/patients/{mrn}/consents/{consent_id}/revoke": "between the signing and today",
    "POST /api/patients/{mrn}/release": "an emergency is stated in a sentence (42 CFR 2.51)",
    "POST /api/intake/inquiries": "names not blank; a phone or an email, the one the preferred contact needs; a birth date in the past and under 120 years",
    "POST /api/intake/inquiries/{inquiry_id}/transition": "the step follows the inquiry's stage (the core); each step's own record: the payer and member id for insurance, an assessment day ahead, a reason to close",
    "POST /api/intake/inquiries/{inquiry_id}/convert": "once contacted, once; a birth date, a sex at birth and OUD or AUD known; the prescriber is active staff; a likely duplicate needs a reason",
    "GET /api/intake/report": "the end is on or after the start, by today",
    "POST /api/naloxone/stock": "a lot not yet expired, received in the last 14 days; a lot received again keeps its expiry",
    "POST /api/patients/{mrn}/naloxone": "a kit handed out names a usable lot with enough kits; 'has one' and 'declined' name none; in the last 14 days",
    "GET /api/reports/naloxone": "the day is by today",
    "POST /api/patients/{mrn}/medication-choices": "reasons not blank; an option the episode's indications and the clinic offer; buprenorphine or methadone with the program and a referral date between the episode's start and today, the others without",
    "POST /api/inventory/lots": "received by today; not expired on receipt; the patient's MRN names a patient",
    "POST /api/inventory/kits/{kit_id}/out-of-fridge": "a kit in the refrigerator and still usable; out since by now",
    "POST /api/inventory/kits/{kit_id}/back-in-fridge": "a kit out of the refrigerator and still usable",
    "POST /api/inventory/kits/{kit_id}/waste": "a kit in stock; the reason is not blank",
    "POST /api/patients/{mrn}/coverage": "insurance names the payer and the member id; the last day on or after the first",
    "POST /api/patients/{mrn}/benefits": "verified by today",
    "POST /api/patients/{mrn}/prior-authorizations": "submitted by today",
    "POST /api/patients/{mrn}/prior-authorizations/{pa_id}/transitions": "a status that may follow the current one (the core); an approval names at least 1 unit and its days, the last on or after the first; by today",
}


@pytest.fixture
def tokens(
    db: None, wsgi_keeps_the_test_connection: None, fixed_today: None
) -> itertools.cycle[str]:
    out = []
    for username, role in ROLES.items():
        create_staff(username, "a-long-demo-password-1", role)
        out.append(create_token(username, at=NOW))
    # The document's example MRN names a patient on treatment, so its records are read and written.
    started_on_injection("MRN-0001", TODAY - timedelta(days=28))
    return itertools.cycle(out)


@schema.parametrize()
@settings(max_examples=5, suppress_health_check=list(HealthCheck), deadline=None)
def test_api_conforms_to_its_document(case: Any, tokens: itertools.cycle[str]) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in RULES_BEYOND_THE_SCHEMA else []
    case.call_and_validate(
        headers={"Authorization": f"Bearer {next(tokens)}"}, excluded_checks=excluded
    )
