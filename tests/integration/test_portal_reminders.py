"""The portal's reminders page (issue 11): the patient chooses channels and quiet hours, sees an
address a provider refused, makes a calendar link (shown once) and turns it off; the portal's
language is the reminders' language; every read and write is the patient's own, audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.appointments.services import book_appointment
from naltrack.audit.models import AuditEvent
from naltrack.config import ReminderConfig
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.portal.services import set_language
from naltrack.reminders.models import CalendarFeed, Preference, Reminder

from .conftest import COORDINATOR, NOW, fixed_today  # noqa: F401
from .portal_helpers import give_portal_account, portal_actor, portal_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = ReminderConfig(clinic_short_name="Eastside Health",
                                        public_url="https://eastside.example.org")  # fmt: skip


def patient(mrn: str = "MRN-0501") -> Patient:
    return register_patient(
        PatientInput(mrn=mrn, given_name="Rosa", family_name="Example", birth_date=NOW.date() - timedelta(days=12000),
                     sex_at_birth="female", email="rosa@example.org", phone="+1 555 010 0009",
                     preferred_reminder_channel="email"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip


def test_the_patient_chooses_channels_and_quiet_hours() -> None:
    p = patient()
    book_appointment(p, kind="lab", on=NOW.date() + timedelta(days=4), actor=COORDINATOR, at=NOW)
    c = portal_client(give_portal_account(p))
    page = c.get("/portal/reminders/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Email me at rosa@example.org" in html and "Text me at +1 555 010 0009" in html
    answer = c.post(
        "/portal/reminders/", {"sms_on": "on", "quiet_from": "21:00", "quiet_until": "08:00"}
    )
    assert answer.status_code == 302
    pref = Preference.objects.get(patient=p)
    assert (pref.email_on, pref.sms_on, str(pref.quiet_from), str(pref.quiet_until)) == (
        False,
        True,
        "21:00:00",
        "08:00:00",
    )
    # The visit already booked gets its text reminder at once; its email reminder is cancelled.
    assert dict(Reminder.objects.filter(patient=p).values_list("channel", "status")) == {
        "email": "cancelled",
        "sms": "pending",
    }
    assert AuditEvent.objects.filter(actor="patient:mrn-0501@example.org", object_type="reminder_preference",
                                     action="update").exists()  # fmt: skip
    assert AuditEvent.objects.filter(actor="patient:mrn-0501@example.org", object_type="reminder_preference",
                                     action="read").exists()  # fmt: skip


def test_a_bad_time_is_refused_naming_the_field_and_nothing_changes() -> None:
    p = patient()
    c = portal_client(give_portal_account(p))
    answer = c.post(
        "/portal/reminders/", {"email_on": "on", "quiet_from": "9pm", "quiet_until": "08:00"}
    )
    assert answer.status_code == 400
    assert b'name="quiet_from" id="id_quiet_from" value="9pm" aria-invalid="true"' in answer.content
    assert not Preference.objects.filter(patient=p, quiet_until__isnull=False).exists()


def test_a_refused_address_is_shown_to_the_patient() -> None:
    p = patient()
    account = give_portal_account(p)
    Preference.objects.filter(patient=p).update(email_problem="550 mailbox unavailable")
    html = portal_client(account).get("/portal/reminders/").content.decode()
    assert "could not be delivered" in html


def test_the_calendar_link_is_shown_once_and_can_be_turned_off() -> None:
    p = patient()
    c = portal_client(give_portal_account(p))
    assert c.post("/portal/reminders/calendar/").status_code == 302
    first = c.get("/portal/reminders/").content.decode()
    link = first.split('id="id_feed" readonly value="', 1)[1].split('"', 1)[0]
    assert link.startswith("https://eastside.example.org/r/calendar/") and link.endswith(".ics")
    assert link not in c.get("/portal/reminders/").content.decode()  # shown once
    path = link.removeprefix("https://eastside.example.org")
    assert Client().get(path).status_code == 200
    assert c.post("/portal/reminders/calendar/revoke/").status_code == 302
    assert Client().get(path).status_code == 404
    assert CalendarFeed.objects.get(patient=p).revoked_by == "patient:mrn-0501@example.org"


def test_the_portals_language_is_the_reminders_language() -> None:
    p = patient()
    account = give_portal_account(p, language="es")
    assert Preference.objects.get(patient=p).language == "es"
    set_language(portal_actor(account), "en", at=NOW)
    assert Preference.objects.get(patient=p).language == "en"


def test_staff_cannot_use_the_patients_reminder_page() -> None:
    from naltrack.accounts.roles import Role

    from .conftest import login

    nurse = login(Role.NURSE, "nina.nurse")
    assert nurse.get("/portal/reminders/").status_code == 403
    assert nurse.post("/portal/reminders/calendar/").status_code == 403


def test_the_page_is_in_spanish_for_a_spanish_speaking_patient() -> None:
    p = patient()
    html = (
        portal_client(give_portal_account(p, language="es"))
        .get("/portal/reminders/")
        .content.decode()
    )
    assert "¿Cómo quiere que le recordemos sus citas?" in html
    assert "Enviarme un correo a rosa@example.org" in html


# ---- support people ---------------------------------------------------------------------------


def test_the_patient_names_a_support_person_changes_and_withdraws_consent() -> None:
    from naltrack.disclosure.models import Consent
    from naltrack.reminders.models import SupportConsent, SupportPerson

    p = patient()
    book_appointment(p, kind="lab", on=NOW.date() + timedelta(days=4), actor=COORDINATOR, at=NOW)
    c = portal_client(give_portal_account(p))
    assert c.get("/portal/support/").status_code == 200
    refused = c.post("/portal/support/", {"name": "Maria", "relationship": "sister", "channel": "email",
                                          "email": "maria@example.org"})  # fmt: skip
    assert refused.status_code == 400 and b"choose at least one kind of notice" in refused.content
    assert not SupportPerson.objects.exists()
    added = c.post("/portal/support/", {"name": "Maria", "relationship": "sister", "channel": "email",
                                        "email": "maria@example.org", "notices": ["visit"]})  # fmt: skip
    assert added.status_code == 302
    person = SupportPerson.objects.get(patient=p)
    consent = SupportConsent.objects.get(support_person=person)
    assert consent.given_by == "patient:mrn-0501@example.org"
    assert Consent.objects.get(patient=p).recorded_by == "patient:mrn-0501@example.org"
    assert Reminder.objects.filter(support_person=person, status="pending").count() == 1
    page = c.get("/portal/support/").content.decode()
    assert "Maria" in page and "You agreed on" in page
    c.post(f"/portal/support/{person.pk}/", {"action": "withdraw"})
    assert not Reminder.objects.filter(support_person=person, status="pending").exists()
    assert Consent.objects.get(patient=p).revoked_on is not None
    assert "Nothing is sent to this person now." in c.get("/portal/support/").content.decode()


def test_a_patient_cannot_touch_another_patients_support_person() -> None:
    from naltrack.reminders.models import SupportPerson
    from naltrack.reminders.support import SupportInput, add_support_person

    mine, theirs = patient(), patient("MRN-0502")
    other = add_support_person(theirs, SupportInput("Leo", "friend", "email", ("visit",), email="leo@example.org"),
                               by=COORDINATOR, at=NOW)  # fmt: skip
    c = portal_client(give_portal_account(mine))
    assert c.post(f"/portal/support/{other.pk}/", {"action": "withdraw"}).status_code == 404
    assert SupportPerson.objects.get(pk=other.pk).consents.get().withdrawn_at is None


def test_the_support_page_is_in_spanish_for_a_spanish_speaking_patient() -> None:
    html = (
        portal_client(give_portal_account(patient(), language="es"))
        .get("/portal/support/")
        .content.decode()
    )
    assert "Agregar una persona de apoyo" in html and "Un mensaje si falto a una cita" in html
