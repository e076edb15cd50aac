"""My consents in a real browser at 390 px (issue 10): the patient reads a consent, revokes it in
writing through the confirm step, and the page then shows it revoked; nothing is wider than the
phone. With NALTRACK_SCREENSHOTS=<dir> the pages are saved there to look at."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.clinical.consent import Recipient, RecipientClass
from naltrack.disclosure.models import Consent
from naltrack.disclosure.services import ConsentInput, disclose, record_consent
from naltrack.reminders.support import SupportInput, add_support_person
from tests.integration.conftest import COORDINATOR, NOW, NURSE, TODAY, make_patient
from tests.integration.portal_helpers import PORTAL_PASSWORD, give_portal_account

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("NALTRACK_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def test_a_patient_revokes_a_consent_on_a_phone(page: Any, browser: Any, live_server: Any) -> None:
    p = make_patient("MRN-0961")
    consent = record_consent(p, ConsentInput(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=5),
        recipient_names=("Dr. Ana Rivera",), recipient_classes=("health_plans",), purposes=("TREAT", "HPAYMT"),
        record_kinds=("medications", "observations"), expires_on=TODAY + timedelta(days=90),
    ), actor=NURSE, at=NOW)  # fmt: skip
    disclose(p, Recipient("Dr. Ana Rivera", RecipientClass.TREATING_PROVIDERS), "TREAT",
             {"medications"}, NURSE, NOW)  # fmt: skip
    add_support_person(p, SupportInput("Maria Example", "sister", "email", ("visit",),
                                       email="maria@example.org"), by=COORDINATOR, at=NOW)  # fmt: skip
    account = give_portal_account(p)

    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    patient = phone.new_page()
    patient.goto("/portal/sign-in/")
    patient.get_by_label("Email").fill(account.user.get_username())
    patient.get_by_label("Password").fill(PORTAL_PASSWORD)
    patient.get_by_role("button", name="Sign in").click()
    patient.get_by_role("link", name="My consents").click()
    card = patient.locator(f"#consent-{consent.pk}")
    assert "Active" in card.inner_text() and "to Dr. Ana Rivera" in card.inner_text()
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(patient, "consents-390.png")

    card.get_by_role("link", name="Revoke this consent").click()
    patient.get_by_role("button", name="Revoke this consent").click()
    assert "tick the box" in patient.get_by_role("alert").first.inner_text()
    patient.get_by_label("I revoke this consent.").check()
    patient.get_by_label("Why (you do not have to say)").fill("I changed doctors")
    assert patient.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    _shot(patient, "consent-revoke-390.png")
    patient.get_by_role("button", name="Revoke this consent").click()
    assert "Your consent is revoked." in patient.locator(".messages").inner_text()
    assert "Revoked" in patient.locator(f"#consent-{consent.pk}").inner_text()
    _shot(patient, "consents-revoked-390.png")
    assert Consent.objects.get(pk=consent.pk).revoked_on == TODAY
    phone.close()
