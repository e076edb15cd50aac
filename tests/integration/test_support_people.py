"""Support people (issue 11): the patient names someone and chooses exactly which notices they
get; the consent is recorded with its date and withdrawn at once; every notice goes through the
one consent filter (disclosure.services.disclose) and is recorded as a disclosure; nothing is sent
without a current consent."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from naltrack.appointments.services import book_appointment, set_appointment_status
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.disclosure.models import Disclosure
from naltrack.disclosure.services import revoke_consent
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.reminders.models import Reminder, SupportConsent
from naltrack.reminders.planning import plan_reminders
from naltrack.reminders.support import (
    SupportInput,
    add_support_person,
    change_notices,
    withdraw_consent,
)
from naltrack.reminders.worker import run_due
from naltrack.treatment.mar import injection_decision
from naltrack.treatment.plans import PlanInput, change_plan

from .conftest import COORDINATOR, NOW, PRESCRIBER, TODAY, at, started_on_injection
from .reminder_fakes import Recording

pytestmark = pytest.mark.django_db

CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org"
)
VISIT_DAY = TODAY + timedelta(days=3)
DUE = at(VISIT_DAY - timedelta(days=1))
MARIA = SupportInput(name="Maria Example", relationship="sister", channel="email",
                     email="maria@example.org", notices=("visit", "missed_visit"))  # fmt: skip


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = CONFIG


def patient(mrn: str = "MRN-0601") -> Patient:
    return register_patient(
        PatientInput(mrn=mrn, given_name="Rosa", family_name="Example", birth_date=datetime(1990, 1, 1).date(),
                     sex_at_birth="female"),  # no reminders of her own
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip


def send(when: datetime) -> tuple[Recording, dict[str, int]]:
    email = Recording()
    counts = run_due({"email": email, "sms": Recording()}, now=lambda: when, config=CONFIG).counts
    return email, counts


def test_naming_a_support_person_records_a_dated_consent_for_exactly_those_notices() -> None:
    p = patient()
    person = add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    given = SupportConsent.objects.get(support_person=person)
    assert given.notices == ["missed_visit", "visit"] and given.given_at == NOW
    consent = given.consent  # the 42 CFR 2.31 record the consent filter reads
    assert (consent.signed_on, consent.recipient_names, consent.purposes) == (
        TODAY,
        ["Maria Example"],
        ["PATRQT"],
    )
    assert sorted(consent.record_kinds) == ["appointments", "demographics"]
    assert consent.expiry_event == "end_of_treatment" and consent.revoked_on is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": " "}, "name"),
        ({"relationship": ""}, "relationship"),
        ({"channel": "pigeon"}, "channel"),
        ({"email": "not-an-address"}, "email"),
        ({"channel": "sms", "phone": "call me"}, "phone"),
        ({"notices": ()}, "notices"),
        ({"notices": ("everything",)}, "notices"),
    ],
)
def test_bad_input_names_the_field_and_records_nothing(change: dict[str, Any], field: str) -> None:
    import dataclasses

    p = patient()
    with pytest.raises(InputError) as err:
        add_support_person(p, dataclasses.replace(MARIA, **change), by=COORDINATOR, at=NOW)
    assert err.value.field == field
    assert not SupportConsent.objects.exists() and not p.consents.exists()


def test_a_visit_notice_goes_through_the_consent_filter_and_is_a_disclosure() -> None:
    p = patient()
    person = add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    row = Reminder.objects.get(patient=p)
    assert (row.kind, row.notice, row.support_person_id, row.due_at) == (
        "support_notice",
        "visit",
        person.pk,
        DUE,
    )
    email, counts = send(DUE)
    assert counts == {"sent": 1}
    to, message, headers = email.sent[0]
    assert to == "maria@example.org" and headers == {}
    assert "Hello Maria Example" in message.body and "Rosa" in message.body
    assert "Example" not in message.body.replace("Maria Example", "")  # the patient's surname stays
    assert forbidden_words_in(message.subject + message.body) == []
    disclosure = Disclosure.objects.get(patient=p)
    assert (disclosure.recipient_name, disclosure.recipient_affiliation, disclosure.purpose) == (
        "Maria Example",
        "sister",
        "PATRQT",
    )
    assert (disclosure.channel, disclosure.basis, disclosure.disclosed_by) == (
        "support_notice",
        "consent",
        "reminders:support-notices",
    )
    assert disclosure.consent == SupportConsent.objects.get(support_person=person).consent
    assert disclosure.disclosed_at == DUE
    row.refresh_from_db()
    assert row.disclosure == disclosure and row.status == "sent"


def test_only_the_notices_chosen_are_sent() -> None:
    p = patient()
    add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    only_visits = add_support_person(
        p, SupportInput(name="Leo Example", relationship="friend", channel="sms", phone="+1 555 010 0077",
                        notices=("visit",)), by=COORDINATOR, at=NOW)  # fmt: skip
    appt = book_appointment(p, kind="lab", on=TODAY, actor=COORDINATOR, at=NOW)
    set_appointment_status(appt.pk, "missed", actor=COORDINATOR, at=NOW)
    missed = Reminder.objects.filter(patient=p, notice="missed_visit")
    assert [r.support_person.name for r in missed] == ["Maria Example"]  # type: ignore[union-attr]
    assert not Reminder.objects.filter(support_person=only_visits, notice="missed_visit").exists()
    email, counts = send(NOW)
    assert counts == {"sent": 1}
    assert "missed a visit on Saturday 21 November" in email.sent[0][1].body


def test_withdrawing_consent_stops_notices_at_once() -> None:
    p = patient()
    person = add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    assert withdraw_consent(p, person.pk, by=COORDINATOR, at=NOW + timedelta(minutes=5)) == 1
    assert Reminder.objects.get(patient=p).status == "cancelled"
    given = SupportConsent.objects.get(support_person=person)
    assert given.withdrawn_at == NOW + timedelta(minutes=5) and given.consent.revoked_on == TODAY
    email, counts = send(DUE)
    assert counts == {} and email.sent == []
    # A new visit brings no notice either.
    book_appointment(p, kind="lab", on=VISIT_DAY + timedelta(days=1), actor=COORDINATOR, at=NOW)
    assert not Reminder.objects.filter(patient=p, status="pending").exists()
    assert not Disclosure.objects.filter(patient=p).exists()


def test_changing_the_notices_gives_a_new_dated_consent() -> None:
    p = patient()
    person = add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    later = NOW + timedelta(hours=1)
    given = change_notices(p, person.pk, ("missed_visit",), by=COORDINATOR, at=later)
    assert given is not None and given.notices == ["missed_visit"] and given.given_at == later
    assert SupportConsent.objects.filter(support_person=person).count() == 2
    assert Reminder.objects.get(patient=p).status == "cancelled"  # visit notices no longer chosen


def test_nothing_is_sent_without_a_current_consent_the_filter_refuses() -> None:
    """Staff record the patient's written revocation of the 2.31 consent itself: the notice
    already planned is refused by the one consent filter, nothing is sent, the refusal audited."""
    p = patient()
    person = add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    consent = SupportConsent.objects.get(support_person=person).consent
    revoke_consent(p, consent.pk, revoked_on=TODAY, revoked_by="Rosa Example", note="in writing",
                   actor=COORDINATOR, at=NOW)  # fmt: skip
    email, counts = send(DUE)
    assert counts == {"failed": 1} and email.sent == []
    row = Reminder.objects.get(patient=p)
    assert row.last_error.startswith("not disclosed:") and "revoked" in row.last_error
    assert not Disclosure.objects.filter(patient=p).exists()
    assert AuditEvent.objects.filter(object_type="disclosure_refused", patient_mrn=p.mrn).exists()


def test_an_overdue_injection_is_told_as_an_overdue_visit_on_the_cores_days() -> None:
    p = started_on_injection("MRN-0602", TODAY - timedelta(days=40))
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection"), reason="plan",
                actor=PRESCRIBER, at=NOW)  # fmt: skip
    decision = injection_decision(p, TODAY)  # the core's days
    assert decision.overdue_from is not None and decision.overdue_from <= TODAY
    add_support_person(p, SupportInput(name="Maria Example", relationship="sister", channel="email",
                                       email="maria@example.org", notices=("overdue",)), by=COORDINATOR, at=NOW)  # fmt: skip
    row = Reminder.objects.get(patient=p, notice="overdue")
    assert row.about_day == decision.due_on
    email, counts = send(NOW)
    assert counts == {"sent": 1}, Reminder.objects.get(pk=row.pk).last_error
    body = email.sent[0][1].body
    assert (
        "next visit was due by" in body and forbidden_words_in(body.replace("Test", "")) == []
    )  # the builder names her "Test"
    assert plan_reminders(p, at=NOW + timedelta(hours=1)).created == 0  # told once per due day


def test_a_notice_retried_after_a_failure_is_one_disclosure() -> None:
    from .reminder_fakes import down

    p = patient()
    add_support_person(p, MARIA, by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    email = Recording(fail=[down()])
    transports = {"email": email, "sms": Recording()}
    assert run_due(transports, now=lambda: DUE, config=CONFIG).counts == {"pending": 1}
    later = DUE + timedelta(minutes=5)
    assert run_due(transports, now=lambda: later, config=CONFIG).counts == {"sent": 1}
    assert Disclosure.objects.filter(patient=p).count() == 1
    assert Reminder.objects.get(patient=p).disclosure == Disclosure.objects.get(patient=p)
