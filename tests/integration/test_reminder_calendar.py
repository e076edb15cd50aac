"""The calendar subscription (issue 11): a secret URL serving the patient's visits as .ics with
neutral titles, read back with the icalendar library; revocable, and replaced links die."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from naltrack.appointments.services import book_appointment, set_appointment_status
from naltrack.audit.models import AuditEvent
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.reminders.feeds import feed_url, new_feed, revoke_feeds
from naltrack.reminders.models import CalendarFeed
from naltrack.reminders.preferences import Choices, set_choices

from .conftest import COORDINATOR, NOW, TODAY, make_patient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]
CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org"
)


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = CONFIG


def fetch(c: Client, token: str) -> Any:
    return c.get(feed_url(token).removeprefix(CONFIG.public_url))


def events(body: bytes) -> list[tuple[str, date]]:
    cal = Calendar.from_ical(body)
    return sorted((str(e["SUMMARY"]), e.decoded("DTSTART")) for e in cal.walk("VEVENT"))


def test_the_feed_lists_booked_visits_with_neutral_titles() -> None:
    p = make_patient("MRN-0401")
    first, second = TODAY + timedelta(days=3), TODAY + timedelta(days=10)
    book_appointment(
        p, kind="injection", on=first, note="naltrexone injection", actor=COORDINATOR, at=NOW
    )
    gone = book_appointment(p, kind="lab", on=second, actor=COORDINATOR, at=NOW)
    book_appointment(
        p, kind="counselling", on=second + timedelta(days=1), actor=COORDINATOR, at=NOW
    )
    set_appointment_status(gone.pk, "cancelled", reason="Patient asked", actor=COORDINATOR, at=NOW)
    token = new_feed(p, by=COORDINATOR, at=NOW)
    assert (
        len(token) == 64 and not CalendarFeed.objects.filter(token_sha256=token).exists()
    )  # hashed
    response = fetch(Client(), token)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(response.content)
    assert str(cal["X-WR-CALNAME"]) == "Eastside Health"
    assert events(response.content) == [
        ("Visit - Eastside Health", first),
        ("Visit - Eastside Health", second + timedelta(days=1)),
    ]
    # Nothing in the file names the medicine, the injection, a test or the program: not the
    # titles, not the note on the booking, not the identifiers.
    text = response.content.decode()
    assert forbidden_words_in(text.replace("\r\n ", "")) == []
    assert "MRN-0401" not in text and "Patient" not in text
    assert AuditEvent.objects.filter(
        actor="reminders:calendar", patient_mrn=p.mrn, action="read"
    ).exists()


def test_the_feed_speaks_the_patients_language() -> None:
    p = make_patient("MRN-0402")
    set_choices(p, Choices(email_on=False, sms_on=False, language="es"), by=COORDINATOR, at=NOW)
    book_appointment(p, kind="lab", on=TODAY + timedelta(days=2), actor=COORDINATOR, at=NOW)
    body = fetch(Client(), new_feed(p, by=COORDINATOR, at=NOW)).content
    assert events(body) == [("Cita - Eastside Health", TODAY + timedelta(days=2))]


def test_a_revoked_or_replaced_link_answers_404() -> None:
    p = make_patient("MRN-0403")
    c = Client()
    old = new_feed(p, by=COORDINATOR, at=NOW)
    new = new_feed(p, by=COORDINATOR, at=NOW + timedelta(minutes=1))
    assert fetch(c, old).status_code == 404
    assert fetch(c, new).status_code == 200
    assert revoke_feeds(p, by=COORDINATOR, at=NOW + timedelta(minutes=2)) == 1
    assert fetch(c, new).status_code == 404
    assert c.get("/r/calendar/not-a-token.ics").status_code == 404
    assert AuditEvent.objects.filter(
        object_type="calendar_feed", action="update", patient_mrn=p.mrn
    ).exists()


def test_a_link_of_one_patient_shows_only_that_patients_visits() -> None:
    alice, bob = make_patient("MRN-0404"), make_patient("MRN-0405")
    book_appointment(alice, kind="lab", on=TODAY + timedelta(days=1), actor=COORDINATOR, at=NOW)
    book_appointment(bob, kind="lab", on=TODAY + timedelta(days=5), actor=COORDINATOR, at=NOW)
    body = fetch(Client(), new_feed(alice, by=COORDINATOR, at=NOW)).content
    assert [d for _, d in events(body)] == [TODAY + timedelta(days=1)]
