"""The patient's reminder pages in a real browser at 390 px (issue 11): the patient turns on text
reminders with quiet hours, makes a calendar link, and adds a support person who may get visit
reminders only; the nurse sees the reminders and the notice on the chart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.appointments.services import book_appointment
from naltrack.patients.models import Patient
from naltrack.reminders.models import Reminder, SupportConsent
from tests.e2e.conftest import sign_in
from tests.integration.conftest import COORDINATOR, NOW, TODAY, make_patient
from tests.integration.portal_helpers import PORTAL_PASSWORD, give_portal_account

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def test_a_patient_sets_reminders_and_adds_a_support_person_on_a_phone(
    page: Any, browser: Any, live_server: Any
) -> None:
    p = make_patient("MRN-0951")
    Patient.objects.filter(pk=p.pk).update(email="rosa@example.org", phone="+1 555 010 0009")
    book_appointment(p, kind="counselling", on=TODAY + timedelta(days=3), actor=COORDINATOR, at=NOW)
    account = give_portal_account(p)

    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    patient = phone.new_page()
    patient.goto("/portal/sign-in/")
    patient.get_by_label("Email").fill(account.user.get_username())
    patient.get_by_label("Password").fill(PORTAL_PASSWORD)
    patient.get_by_role("button", name="Sign in").click()
    patient.goto("/portal/reminders/")
    patient.get_by_label("Text me at +1 555 010 0009").check()
    patient.get_by_label("From").fill("21:00")
    patient.get_by_label("Until").fill("08:00")
    patient.get_by_role("button", name="Save", exact=True).click()
    assert "Your reminder choices are saved." in patient.locator(".messages").inner_text()
    patient.get_by_role("button", name="Make a calendar link").click()
    assert "/r/calendar/" in patient.get_by_label("Your calendar link").input_value()
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    patient.get_by_role("link", name="Support people").click()
    patient.get_by_label("Their name").fill("Maria Example")
    patient.get_by_label("Who they are to you (for example: sister, friend)").fill("sister")
    patient.get_by_label("Their email").fill("maria@example.org")
    patient.locator("#add-support").get_by_label("Reminders of my visits").check()
    patient.get_by_role("button", name="Save and agree").click()
    assert "Maria Example" in patient.get_by_role("heading", level=2).first.inner_text()
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    consent = SupportConsent.objects.get()
    assert consent.notices == ["visit"] and consent.consent.signed_on == TODAY
    assert Reminder.objects.filter(patient=p, kind="support_notice", status="pending").count() == 1

    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE)
    sign_in(page, "nina.nurse", "a-long-demo-password-1")
    page.goto(f"/patients/{p.mrn}/")
    section = page.locator("section[aria-labelledby=h-reminders]").inner_text()
    assert "by text: on" in section and "quiet 21:00\u201308:00" in section
    assert "visit reminders to Maria Example (sister)" in section
