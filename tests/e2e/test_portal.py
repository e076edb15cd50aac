"""The patient portal in a real browser at 390 px (issue 11): a nurse invites the patient from the
chart; the patient types the code on a phone, sets a password and sees the next injection and the
protection status on Home, and the plan; nothing is wider than the phone's screen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from tests.e2e.conftest import sign_in
from tests.integration.conftest import TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
PATIENT_PASSWORD = "sunny-porch-and-coffee-4"
PHONE = {"width": 390, "height": 844}


def test_a_patient_invited_from_the_chart_sees_the_next_injection_on_a_phone(
    page: Any, browser: Any, live_server: Any
) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0901", TODAY - timedelta(days=10))
    sign_in(page, "nina.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/")
    page.get_by_role("link", name="Patient portal invitation").click()
    page.get_by_label("Patient's email (they will sign in with it)").fill(
        "test.patient@example.org"
    )
    page.get_by_role("button", name="Send the invitation").click()
    code = page.locator("#invite-code").inner_text()
    assert len(code) == 9  # ABCD-EFGH

    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    patient = phone.new_page()
    patient.goto("/portal/invite/")
    patient.get_by_label("Invitation code", exact=True).fill(code)
    patient.get_by_role("button", name="Continue").click()
    patient.get_by_label("New password", exact=True).fill(PATIENT_PASSWORD)
    patient.get_by_label("Type the password again").fill(PATIENT_PASSWORD)
    patient.get_by_role("button", name="Save and sign in").click()

    assert patient.get_by_role("heading", level=1).inner_text() == f"Hello, {p.given_name}"
    protection = patient.locator("#protection").inner_text()
    last = TODAY - timedelta(days=10)
    assert "You are protected now." in protection
    assert f"Your last injection was on {last.day} {last:%B}" in protection
    until = last + timedelta(days=28)
    assert f"until about {until.day} {until:%B}" in protection
    nxt = patient.locator("#next-injection").inner_text()
    earliest = last + timedelta(days=21)
    assert f"{earliest:%A} {earliest.day} {earliest:%B}" in nxt
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    patient.get_by_role("navigation", name="Portal").get_by_role("link", name="My plan").click()
    assert patient.get_by_role("heading", level=1).inner_text() == "My plan"
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.close()
