"""A notice to a support person is a consented disclosure: it carries the notice prohibiting
re-disclosure (42 CFR 2.32) by a link to a public page, in a neutral line that tells a lock screen
nothing about the program, and the Disclosure records that the notice was given by link."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from html import unescape
from typing import Any

import pytest
from django.test import Client

from naltrack.appointments.services import book_appointment
from naltrack.clinical.consent import NOTICE_SOURCE, REDISCLOSURE_NOTICE
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.disclosure.models import Disclosure
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.reminders.preferences import Choices, set_choices
from naltrack.reminders.support import SupportInput, add_support_person
from naltrack.reminders.worker import run_due

from .conftest import COORDINATOR, NOW, TODAY, at
from .reminder_fakes import Recording

pytestmark = pytest.mark.django_db

CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org"
)
VISIT_DAY = TODAY + timedelta(days=3)
DUE = at(VISIT_DAY - timedelta(days=1))
LINK = "https://eastside.example.org/r/notice/"


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = CONFIG


def patient(mrn: str, language: str) -> Patient:
    p = register_patient(
        PatientInput(mrn=mrn, given_name="Rosa", family_name="Example", birth_date=datetime(1990, 1, 1).date(),
                     sex_at_birth="female"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip
    set_choices(p, Choices(email_on=False, sms_on=False, language=language), by=COORDINATOR, at=NOW)
    return p


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_notice_links_to_the_2_32_notice_and_names_no_forbidden_word(language: str) -> None:
    email_p, sms_p = patient("MRN-8811", language), patient("MRN-8812", language)
    add_support_person(email_p, SupportInput(name="Maria Example", relationship="sister", channel="email",
                       email="maria@example.org", notices=("visit",)), by=COORDINATOR, at=NOW)  # fmt: skip
    add_support_person(sms_p, SupportInput(name="Juan Example", relationship="brother", channel="sms",
                       phone="+1 555 010 0002", notices=("visit",)), by=COORDINATOR, at=NOW)  # fmt: skip
    for p in (email_p, sms_p):
        book_appointment(p, kind="counselling", on=VISIT_DAY, time=time(11, 15),
                         actor=COORDINATOR, at=NOW)  # fmt: skip
    email, sms = Recording(), Recording()
    assert run_due({"email": email, "sms": sms}, now=lambda: DUE, config=CONFIG).counts == {
        "sent": 2
    }
    link = LINK + ("?lang=es" if language == "es" else "")
    line = {
        "en": "Please do not share this message: ",
        "es": "Por favor, no comparta este mensaje: ",
    }
    for _to, message, _headers in email.sent + sms.sent:
        assert line[language] + link in message.body
        assert "11:15" in message.body  # the visit's time of day
        checked = message.subject + message.body.replace("Maria Example", "").replace(
            "Juan Example", ""
        )
        assert forbidden_words_in(checked) == []
        assert "42 CFR" not in message.body and "confidential" not in message.body.lower()
    for d in Disclosure.objects.filter(patient__in=(email_p, sms_p)):
        assert d.notice == f"{NOTICE_SOURCE}; given by link /r/notice/"
    assert Disclosure.objects.filter(patient__in=(email_p, sms_p)).count() == 2


def test_the_public_page_shows_the_whole_2_32_notice_in_the_readers_language() -> None:
    page = Client().get("/r/notice/")
    assert page.status_code == 200
    html = unescape(page.content.decode())
    assert REDISCLOSURE_NOTICE in html and NOTICE_SOURCE in html
    assert "About the messages we send" in html and "Eastside Health" in html
    spanish = unescape(Client().get("/r/notice/?lang=es").content.decode())
    assert "Sobre los mensajes que enviamos" in spanish and REDISCLOSURE_NOTICE in spanish
    assert Client().get("/r/notice/?lang=xx").status_code == 200  # an unknown language: English
    assert Client().post("/r/notice/").status_code == 405
