"""Journeys in a real browser (issue 3): the three the issue names, and a registration."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.counselling.services import record_session
from tests.e2e.conftest import sign_in
from tests.integration.conftest import (
    COUNSELOR,
    TODAY,
    at,
    make_patient,
    make_ready,
    started_on_injection,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"


def test_a_nurse_records_a_due_injection_and_the_patient_leaves_the_due_list(page: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0801", TODAY - timedelta(days=28))
    sign_in(page, "nina.nurse", PASSWORD)
    due = page.locator("section", has=page.get_by_role("heading", name="Injections due"))
    due.get_by_role("link", name=p.family_name + ", " + p.given_name).click()
    page.get_by_role("link", name="Record a dose").click()
    assert page.get_by_label("Injection site").input_value() == "right"  # alternates from the left
    page.get_by_label("Given at").fill(f"{TODAY}T00:05")
    page.get_by_label("Lot number").fill("LOT-E2E")
    page.get_by_label("Lot expiry").fill(str(TODAY + timedelta(days=120)))
    page.get_by_label("Overdose reversal agent (naloxone) discussed").check()
    page.get_by_role("button", name="Record").click()
    next_day = TODAY + timedelta(days=28)
    assert (
        f"Next injection booked for {next_day:%A %d %B %Y}"
        in page.locator(".messages").inner_text()
    )
    assert next_day.isoformat() in page.locator("dl").inner_text()  # Next due in the header
    page.get_by_role("link", name="Today", exact=True).click()
    due = page.locator("section", has=page.get_by_role("heading", name="Injections due"))
    assert "No injection is due" in due.inner_text()


def test_a_prescriber_screens_a_patient_4_days_after_last_use_and_sees_not_yet_with_the_date(
    page: Any,
) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    p = make_patient("MRN-0802")
    make_ready(p, TODAY, last_use_days=30)
    sign_in(page, "pat.prescriber", PASSWORD)
    page.goto(f"/patients/{p.mrn}/screen/")
    page.get_by_label("Kind of opioid last used").select_option("short_acting")
    page.get_by_label("Last opioid use").fill(str(TODAY - timedelta(days=4)))
    earliest = TODAY + timedelta(days=3)  # 7 opioid-free days after short-acting use (Part A A1)
    decision = page.locator("#findings .decision")
    decision.filter(
        has_text=f"Not yet: earliest start {earliest}"
    ).wait_for()  # live (HTMX), before saving
    page.get_by_role("button", name="Save this screening").click()
    page.wait_for_url("**/screenings/*/")
    assert f"Not yet: earliest start {earliest}" in page.locator(".decision").inner_text()
    assert "OPIOID_FREE_INTERVAL" in page.content()


def test_a_coordinator_cannot_open_counselling_notes(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    p = make_patient("MRN-0803")
    record_session(p, held_on=TODAY, kind="individual", attendance="attended", note="Private synthetic note",
                   actor=COUNSELOR, at=at(TODAY))  # fmt: skip
    sign_in(page, "cora.coordinator", PASSWORD)
    page.goto(f"/patients/{p.mrn}/")
    assert page.get_by_role("link", name="Counselling notes").count() == 0
    response = page.goto(f"/patients/{p.mrn}/counselling/")
    assert response.status == 403
    assert "Private synthetic note" not in page.content()
    assert "Not available to your role" in page.content()


def test_a_coordinator_registers_a_patient_and_books_the_first_visit(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    sign_in(page, "cora.coordinator", PASSWORD)
    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("Given name").fill("Robin")
    page.get_by_label("Family name").fill("Sample")
    page.get_by_label("Birth date").fill("1990-03-04")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Reminders by").select_option("sms")
    page.get_by_label("Opioid use disorder (OUD)").check()
    # the care team: the prescriber who will start treatment opens the chart without breaking
    # the glass (issue 10)
    page.get_by_label("Prescriber (care team)").select_option("pat.prescriber")
    page.get_by_role("button", name="Register and open the episode").click()
    # text reminders need a phone: the message sits beside the field and nothing was registered
    assert "text reminders need a phone number" in page.locator(".field-error").inner_text()
    page.get_by_label("Phone", exact=True).fill("+1 555 0100")
    page.get_by_role("button", name="Register and open the episode").click()
    # naltrack assigns the MRN (issue 12): the clinic's prefix, a serial and a check digit
    assert re.search(
        r"Registered Sample, Robin with MRN NT-\d{6}-\d;", page.locator(".messages").inner_text()
    )
    page.get_by_role("link", name="Book or update appointments").click()
    page.get_by_label("Visit", exact=True).select_option("induction")
    page.get_by_label("Day", exact=True).fill(str(TODAY + timedelta(days=3)))
    page.get_by_role("button", name="Book", exact=True).click()
    assert (
        f"induction on {TODAY + timedelta(days=3):%A %d %B %Y}"
        in page.locator(".messages").inner_text()
    )
    upcoming = page.locator("section", has=page.get_by_role("heading", name="Upcoming"))
    assert "Induction" in upcoming.inner_text()


def test_a_nurse_outside_the_care_team_breaks_the_glass_and_the_chart_says_so(
    page: Any, settings: Any
) -> None:
    import dataclasses

    from naltrack.patients.careteam import add_to_care_team
    from tests.integration.conftest import COORDINATOR

    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    create_staff("lou.nurse", PASSWORD, Role.NURSE)
    p = make_patient("MRN-0805")
    add_to_care_team(p, "nina.nurse", actor=COORDINATOR, at=at(TODAY))
    sign_in(page, "lou.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/")
    assert page.get_by_role("heading", name=f"Break the glass: {p.family_name}, {p.given_name}").is_visible()  # fmt: skip
    page.get_by_label("Why must you open this chart?").fill("urgent")
    page.get_by_role("button", name="Break the glass and open the chart").click()
    assert "say why in a sentence" in page.locator(".field-error").inner_text()
    page.get_by_label("Why must you open this chart?").fill("Covering the evening clinic; the patient is here now.")  # fmt: skip
    page.get_by_role("button", name="Break the glass and open the chart").click()
    assert page.get_by_role("heading", name=f"{p.family_name}, {p.given_name}").is_visible()
    assert (
        "Opened outside the care team (break-the-glass) by lou.nurse"
        in page.locator("main").inner_text()
    )
