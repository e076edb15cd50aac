"""A visit may have a time of day (issue 11: a reminder "names the clinic's short name, the day and
time"): booked on the page and through the API, shown where visits are listed, named in the
reminder and timed in the calendar feed (clinic time zone); a visit without one stays all-day."""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from icalendar import Calendar

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.appointments.models import Appointment
from naltrack.appointments.services import book_appointment
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.reminders.feeds import feed_url, new_feed
from naltrack.reminders.preferences import Choices, set_choices
from naltrack.reminders.worker import run_due

from .conftest import COORDINATOR, NOW, TODAY, at, login, make_patient
from .portal_helpers import give_portal_account, portal_client
from .reminder_fakes import Recording

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]
CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org"
)
VISIT_DAY = TODAY + timedelta(days=3)


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = CONFIG


def test_the_booking_page_takes_a_time_and_refuses_25_00_naming_the_field() -> None:
    p = make_patient("MRN-8801")
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    url = "/patients/MRN-8801/appointments/"
    book = {"form": "book", "book-kind": "counselling", "book-on": str(VISIT_DAY)}
    refused = coordinator.post(url, book | {"book-time": "25:00"})
    assert refused.status_code == 200 and "Time" in refused.content.decode()
    assert "Enter a valid time" in refused.content.decode()
    assert not Appointment.objects.filter(patient=p).exists()
    assert coordinator.post(url, book | {"book-time": "14:30"}).status_code == 302
    assert coordinator.post(url, book | {"book-time": ""}).status_code == 302
    assert sorted(Appointment.objects.filter(patient=p).values_list("time", flat=True),
                  key=str) == [time(14, 30), None]  # fmt: skip
    page = coordinator.get(url).content.decode()
    assert f"{VISIT_DAY:%Y-%m-%d} 14:30" in page


def test_the_api_takes_an_optional_time_and_refuses_a_bad_one_naming_it() -> None:
    make_patient("MRN-8802")
    create_staff("cora.api", "a-long-demo-password-1", Role.COORDINATOR)
    headers = {"Authorization": f"Bearer {create_token('cora.api', at=NOW)}"}
    c = Client()

    def post(body: dict[str, Any]) -> tuple[int, Any]:
        r = c.post("/api/patients/MRN-8802/appointments", data=json.dumps(body),
                   content_type="application/json", headers=headers)  # fmt: skip
        return r.status_code, r.json()

    body = {"kind": "lab", "on": VISIT_DAY.isoformat()}
    for bad in ("25:00", "9:00", "14:30:00", 930):
        status, answer = post(body | {"time": bad})
        assert status == 400 and answer["field"] == "time", (bad, answer)
    assert not Appointment.objects.exists()
    status, timed = post(body | {"time": "08:15"})
    assert status == 201 and timed["time"] == "08:15"
    status, untimed = post(body)  # the field is optional: older clients are unchanged
    assert status == 201 and untimed["time"] is None
    listed = c.get(f"/api/appointments?on={VISIT_DAY.isoformat()}", headers=headers).json()
    assert [a["time"] for a in listed["items"]] == ["08:15", None]


def test_the_reminder_names_the_day_and_the_time_in_english_and_spanish() -> None:
    due = at(VISIT_DAY - timedelta(days=1))
    sent = {}
    for mrn, language in (("MRN-8803", "en"), ("MRN-8804", "es")):
        p = make_patient(mrn)
        p.given_name, p.email = "Alice", f"{mrn.lower()}@example.org"
        p.save(update_fields=["given_name", "email"])
        set_choices(
            p, Choices(email_on=True, sms_on=True, language=language), by=COORDINATOR, at=NOW
        )
        p.phone = "+1 555 010 0001"
        p.save(update_fields=["phone"])
        book_appointment(p, kind="counselling", on=VISIT_DAY, time=time(14, 30),
                         actor=COORDINATOR, at=NOW)  # fmt: skip
    email, sms = Recording(), Recording()
    run_due({"email": email, "sms": sms}, now=lambda: due, config=CONFIG, worker="w1")
    for to, message, _headers in email.sent + sms.sent:
        sent[to] = message.body
        assert forbidden_words_in(message.body + message.subject) == []
    english = sent["mrn-8803@example.org"]
    assert f"{VISIT_DAY:%A} {VISIT_DAY.day} {VISIT_DAY:%B}" in english
    assert "It starts at 14:30." in english
    spanish = sent["mrn-8804@example.org"]
    assert "tiene una cita el" in spanish and "Comienza a las 14:30." in spanish
    texts = [m.body for _to, m, _h in sms.sent]
    assert len(texts) == 2 and all("14:30" in t for t in texts)


def test_the_calendar_event_is_timed_in_the_clinic_zone_or_all_day(settings: Any) -> None:
    p = make_patient("MRN-8805")
    settings.TIME_ZONE = "America/Chicago"  # what settings.py takes from NALTRACK_TIME_ZONE
    book_appointment(p, kind="lab", on=VISIT_DAY, time=time(9, 45), actor=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY + timedelta(days=2),
                     actor=COORDINATOR, at=NOW)  # fmt: skip
    token = new_feed(p, by=COORDINATOR, at=NOW)
    body = Client().get(feed_url(token).removeprefix(CONFIG.public_url)).content
    cal = Calendar.from_ical(body)
    starts = sorted((e.decoded("DTSTART") for e in cal.walk("VEVENT")), key=str)
    timed = next(s for s in starts if isinstance(s, datetime))
    assert timed == datetime.combine(VISIT_DAY, time(9, 45), tzinfo=ZoneInfo("America/Chicago"))
    assert timed.utcoffset() == timedelta(hours=-6)  # 09:45 in Chicago in late November
    assert "DTSTART;TZID=America/Chicago:" in body.decode()
    all_day = [s for s in starts if not isinstance(s, datetime)]
    assert all_day == [VISIT_DAY + timedelta(days=2)] and isinstance(all_day[0], date)
    assert cal.walk("VTIMEZONE")  # the clinic's zone travels with the file
    assert forbidden_words_in(body.decode().replace("\r\n ", "")) == []


def test_the_time_is_shown_on_today_the_chart_and_the_portal_in_the_patients_language() -> None:
    p = make_patient("MRN-8806")
    book_appointment(p, kind="lab", on=TODAY, time=time(15, 5), actor=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, time=time(16, 20), actor=COORDINATOR,
                     at=NOW)  # fmt: skip
    staff = login(Role.COORDINATOR, "cora.coordinator")
    assert "15:05" in staff.get("/today/").content.decode()
    assert "16:20" in staff.get("/patients/MRN-8806/appointments/").content.decode()
    english = portal_client(give_portal_account(p)).get("/portal/").content.decode()
    assert "at 3:05 p.m." in english
    q = make_patient("MRN-8807")
    book_appointment(q, kind="lab", on=VISIT_DAY, time=time(16, 20), actor=COORDINATOR, at=NOW)
    spanish = portal_client(give_portal_account(q, language="es")).get("/portal/")
    assert "a las 16:20" in spanish.content.decode()
