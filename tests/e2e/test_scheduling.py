"""Scheduling in a real browser (issue 12): a holiday set on the calendar settings page moves the
next injection the MAR books to the open day before it; a visit is cancelled from the calendar,
which refuses a cancellation without a reason and keeps the page in place (htmx)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.appointments.models import Appointment
from naltrack.appointments.services import book_appointment
from tests.e2e.conftest import sign_in
from tests.integration.conftest import COORDINATOR, NOW, TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = Path("/work/wt/shots/schedule")


def shot(page: Any, name: str) -> None:
    if SHOTS.is_dir():  # screenshots for the engineer who looks at them; nothing depends on them
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_injection_is_auto_booked_past_a_holiday(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0851", TODAY - timedelta(days=28))
    Appointment.objects.filter(patient=p).delete()  # the visit booked a month ago is not the point
    due = TODAY + timedelta(days=28)  # Saturday 19 December 2026

    sign_in(page, "cora.coordinator", PASSWORD)
    page.get_by_role("link", name="Calendar").click()
    page.get_by_role("link", name="Opening hours, holidays, rooms").click()
    form = page.get_by_role("form", name="Add a holiday")
    form.get_by_label("Day", exact=True).fill(due.isoformat())
    form.get_by_role("textbox", name="Name").fill("Staff training day")
    form.get_by_role("button", name="Add the holiday").click()
    assert (
        "Closed on Saturday 19 December 2026 (Staff training day)."
        in page.locator(".messages").inner_text()
    )
    shot(page, "calendar-settings")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "nina.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/mar/")
    page.get_by_label("Given at").fill(f"{TODAY}T09:05")
    page.get_by_label("Lot number").fill("LOT-E2E")
    page.get_by_label("Lot expiry").fill(str(TODAY + timedelta(days=120)))
    page.get_by_label("Overdose reversal agent (naloxone) discussed").check()
    page.get_by_role("button", name="Record").click()
    said = page.locator(".messages").inner_text()
    assert "Next injection booked for Friday 18 December 2026." in said
    assert "is closed (the clinic is closed on 2026-12-19 (Staff training day))" in said
    page.get_by_role("link", name="Calendar").click()
    page.goto(f"/calendar/?view=week&day={due.isoformat()}")
    friday = page.get_by_role("region", name="Fri 18 Dec")
    assert "Injection" in friday.inner_text() and p.family_name in friday.inner_text()
    saturday = page.get_by_role("region", name="Sat 19 Dec")
    assert "Closed: Staff training day" in saturday.inner_text()
    shot(page, "calendar-week-holiday")


def test_a_visit_is_cancelled_from_the_calendar_with_a_reason(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    p = started_on_injection("MRN-0852", TODAY - timedelta(days=3))
    monday = TODAY + timedelta(days=2)
    book_appointment(p, kind="counselling", on=monday, actor=COORDINATOR, at=NOW,
                     time=time(10, 30))  # fmt: skip
    sign_in(page, "cora.coordinator", PASSWORD)
    page.goto(f"/calendar/?view=day&day={monday.isoformat()}")
    visit = page.get_by_role(
        "article", name=f"Counselling, {p.given_name} {p.family_name}, {monday.isoformat()}"
    )
    visit.locator("summary", has_text="Cancel").click()
    visit.get_by_role("button", name="Cancel the visit").click()  # no reason
    visit = page.get_by_role(
        "article", name=f"Counselling, {p.given_name} {p.family_name}, {monday.isoformat()}"
    )
    expect(visit).to_contain_text("This field is required.")  # swapped in by htmx: waits for it
    shot(page, "calendar-cancel-refused")
    visit.get_by_label("Reason for cancelling").fill("Patient has a job interview")
    visit.get_by_role("button", name="Cancel the visit").click()
    expect(page.locator(".messages")).to_contain_text("Patient has a job interview")
    visit = page.get_by_role(
        "article", name=f"Counselling, {p.given_name} {p.family_name}, {monday.isoformat()}"
    )
    assert "Reason: Patient has a job interview" in visit.inner_text()
    assert "cancelled" in visit.inner_text()
    assert (
        Appointment.objects.get(patient=p, kind="counselling").cancel_reason
        == "Patient has a job interview"
    )
    shot(page, "calendar-day-cancelled")
