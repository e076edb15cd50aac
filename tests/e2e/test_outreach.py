"""Reaching patients at risk (issue 12) in a real browser: an outreach attempt logged inline from
Today's overdue row (htmx), and the row then shows it; a refused attempt keeps what was typed."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.outreach.models import OutreachAttempt
from naltrack.patients.models import Patient
from naltrack.reminders.support import SupportInput, add_support_person
from tests.e2e.conftest import sign_in
from tests.integration.conftest import NOW, NURSE, TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")  # a folder: save screenshots there too


def test_an_attempt_logged_from_today_shows_on_the_overdue_row(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    p = started_on_injection("MRN-0901", TODAY - timedelta(days=33))
    Patient.objects.filter(pk=p.pk).update(phone="555-0142")
    add_support_person(p, SupportInput("Rosa Example", "sister", "sms", ("missed_visit",), phone="555-0177"),
                       by=NURSE, at=NOW)  # fmt: skip
    sign_in(page, "cora.coordinator", PASSWORD)
    overdue = page.locator("section", has=page.get_by_role("heading", name="Injections overdue"))
    row = overdue.locator(
        "tr", has=page.get_by_role("link", name=f"{p.family_name}, {p.given_name}")
    )
    # How to reach the patient: their phone and the consented support person, as tel: links.
    assert (
        row.get_by_role("link", name="Call the patient: 555-0142").get_attribute("href")
        == "tel:5550142"
    )
    assert (
        row.get_by_role("link", name="Call Rosa Example: 555-0177").get_attribute("href")
        == "tel:5550177"
    )
    assert "Not reached yet: contact today" in row.inner_text()

    row.get_by_role("link", name="Log an attempt").click()
    row.get_by_label("How").select_option("call")
    row.get_by_label("Outcome").select_option("no_answer")
    row.get_by_label("Next attempt on").fill(str(TODAY - timedelta(days=1)))  # before the attempt
    row.get_by_label("Next step").fill("Call Rosa this afternoon")
    row.get_by_role("button", name="Log the attempt").click()
    row.locator(".field-error", has_text="is before the attempt").wait_for()  # beside its field
    assert row.get_by_label("Next step").input_value() == "Call Rosa this afternoon"  # kept
    assert not OutreachAttempt.objects.exists()

    row.get_by_label("Next attempt on").fill(str(TODAY + timedelta(days=1)))
    row.get_by_role("button", name="Log the attempt").click()
    row.get_by_text("Logged: phone call: no answer").wait_for()
    text = row.inner_text()
    assert "Last: Phone call: no answer · cora.coordinator" in text
    assert f"Not reached; next attempt {TODAY + timedelta(days=1)}" in text
    assert "Next: Call Rosa this afternoon" in text
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "today-outreach-logged.png"), full_page=True)

    page.reload()  # the same, read back from the database
    row = page.locator(
        "section", has=page.get_by_role("heading", name="Injections overdue")
    ).locator("tr", has=page.get_by_role("link", name=f"{p.family_name}, {p.given_name}"))
    assert "Last: Phone call: no answer · cora.coordinator" in row.inner_text()
    assert OutreachAttempt.objects.get().recorded_by == "cora.coordinator"
