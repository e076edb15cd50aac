"""Intake in a real browser (issue 15): a coordinator takes a phone inquiry, marks it contacted,
records the insurance checked (payer, member id), books the assessment and converts it to a
patient; the patient's chart exists with the MRN and the booked assessment.

Each step is a small function taking the page, so the issue's whole-journey test can chain them:
`take_inquiry`, `mark_contacted`, `check_insurance`, `book_assessment`, `convert`."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.appointments.models import Appointment
from naltrack.intake import services
from naltrack.intake.models import Inquiry
from naltrack.patients.models import Patient
from tests.e2e.conftest import sign_in
from tests.integration.conftest import COORDINATOR, NOW, TODAY

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")  # a folder: save screenshots there too


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def take_inquiry(page: Any, given: str, family: str, *, phone: str, source: str = "self",
                 what_for: str = "oud", birth_date: date | None = None, sex: str = "") -> int:  # fmt: skip
    """From the intake board: take a phone inquiry; returns its id (the inquiry's page is open)."""
    page.goto("/intake/")
    page.get_by_role("link", name="Take an inquiry").click()
    page.get_by_label("Given name").fill(given)
    page.get_by_label("Family name").fill(family)
    page.get_by_label("Phone").fill(phone)
    page.get_by_label("Help with").select_option(what_for)
    page.get_by_label("Referral source").select_option(source)
    if birth_date is not None:
        page.get_by_label("Birth date").fill(birth_date.isoformat())
    if sex:
        page.get_by_label("Sex at birth").select_option(sex)
    shot(page, "intake-new")
    page.get_by_role("button", name="Save the inquiry").click()
    page.wait_for_url(re.compile(r".*/intake/\d+/$"))
    flash(page, "Inquiry taken")
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def flash(page: Any, text: str) -> None:
    page.locator(".msg.success", has_text=text).wait_for()


def _section(page: Any, heading: str) -> Any:
    return page.locator("section.card", has=page.get_by_role("heading", name=heading, exact=True))


def mark_contacted(page: Any, inquiry: int) -> None:
    page.goto(f"/intake/{inquiry}/")
    _section(page, "Contacted").get_by_role("button", name="Mark contacted").click()
    flash(page, "Marked contacted.")


def check_insurance(page: Any, inquiry: int, *, payer: str, member_id: str, plan: str = "") -> None:
    page.goto(f"/intake/{inquiry}/")
    form = _section(page, "Insurance checked")
    form.get_by_label("Paid by").select_option("insurance")
    form.get_by_label("Payer").fill(payer)
    form.get_by_label("Plan").fill(plan)
    form.get_by_label("Member id").fill(member_id)
    form.get_by_role("button", name="Record insurance checked").click()
    flash(page, "Insurance checked.")


def book_assessment(page: Any, inquiry: int, *, on: date, at: str = "10:30") -> None:
    page.goto(f"/intake/{inquiry}/")
    form = _section(page, "Book the assessment")
    form.get_by_label("Assessment day").fill(on.isoformat())
    form.get_by_label("Time").fill(at)
    form.get_by_role("button", name="Book the assessment").click()
    flash(page, "Assessment booked.")


def convert(page: Any, inquiry: int, *, prescriber: str) -> str:
    """Register the inquiry's person as a patient; returns the MRN (the chart is open)."""
    page.goto(f"/intake/{inquiry}/")
    form = _section(page, "Register as a patient")
    form.get_by_label("Prescriber who leads care").select_option(prescriber)
    shot(page, "intake-detail")
    form.get_by_role("button", name="Register the patient").click()
    page.wait_for_url(re.compile(r".*/patients/[^/]+/$"))
    message = page.get_by_text(re.compile(r"with MRN \S+;"))
    mrn = re.search(r"with MRN (\S+);", message.inner_text())
    assert mrn is not None
    return mrn.group(1)


def test_a_coordinator_turns_a_phone_inquiry_into_a_patient(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER, full_name="Pat Okafor, MD")
    sign_in(page, "cora.coordinator", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intake").click()
    page.wait_for_url("**/intake/")

    inquiry = take_inquiry(page, "Marisol", "Phonecall", phone="555-0166", source="hospital",
                           birth_date=date(1987, 9, 12), sex="female")  # fmt: skip
    mark_contacted(page, inquiry)
    check_insurance(page, inquiry, payer="Medicaid", plan="Medicaid MCO", member_id="MCD778899")
    day = TODAY + timedelta(days=3)
    book_assessment(page, inquiry, on=day, at="10:30")
    page.goto("/intake/")
    shot(page, "intake-board")
    card = page.locator("article.inquiry", has_text="Phonecall, Marisol")
    assert "Assessment booked" in page.locator("section.column", has=card).inner_text()

    mrn = convert(page, inquiry, prescriber="pat.prescriber")
    assert page.get_by_role("heading", level=1).inner_text().count("Phonecall") == 1
    assert mrn in page.content()
    # The chart (the coordinator's view of it: contact details and visits) shows the assessment.
    assert page.get_by_text(re.compile(f"{day.isoformat()} 10:30")).first.is_visible()
    assert "Intake assessment" in page.content()
    shot(page, "intake-converted-chart")
    p = Patient.objects.get(mrn=mrn)
    assert (p.given_name, p.family_name, p.phone) == ("Marisol", "Phonecall", "555-0166")
    appt = Appointment.objects.get(patient=p)
    assert (appt.kind, appt.on, appt.time.strftime("%H:%M")) == ("assessment", day, "10:30")  # type: ignore[union-attr]
    q = Inquiry.objects.get(pk=inquiry)
    assert (q.patient_id, q.payer, q.member_id) == (p.pk, "Medicaid", "MCD778899")
    page.goto(f"/intake/{inquiry}/")
    assert f"({mrn})" in page.get_by_role("row", name=re.compile("Patient")).inner_text()
    assert "Registered as a patient" in page.locator("#h-history + table").inner_text()


def test_pages_at_phone_width_and_the_report_and_today(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    services.take_inquiry(services.InquiryInput("court", "Old", "Caller", "call", "oud", phone="555-0100",
                      first_contact_at=NOW - timedelta(days=2)), actor=COORDINATOR, at=NOW)  # fmt: skip
    sign_in(page, "cora.coordinator", PASSWORD)
    page.get_by_role("heading", name=re.compile("Inquiries to call back")).wait_for()
    shot(page, "intake-today")
    page.goto("/intake/report/")
    court = page.get_by_role("row", name=re.compile("Court or probation"))
    assert court.get_by_role("cell").all_inner_texts()[:2] == ["1", "0"]
    shot(page, "intake-report")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/intake/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    shot(page, "intake-board-phone")
