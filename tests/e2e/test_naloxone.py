"""Naloxone kits (issue 15) in a real browser: a nurse sees on Today that a patient due an injection
has no naloxone on hand, hands out a kit from the patient's naloxone page (the lot's count goes
down), and the coverage report goes from 0 of 1 to 1 of 1."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.alerts.services import refresh_patient
from naltrack.naloxone.models import NaloxoneLot
from naltrack.naloxone.services import ReceiveInput, receive_stock
from naltrack.treatment.models import Administration
from tests.e2e.conftest import sign_in
from tests.integration.conftest import NOW, NURSE, TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")  # a folder: save screenshots there too


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_a_nurse_hands_out_a_kit_and_coverage_goes_up(page: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0951", TODAY - timedelta(days=28))  # due today
    Administration.objects.filter(patient=p).update(reversal_agent_on_hand=False)
    refresh_patient(p, at=NOW)
    lot = receive_stock(ReceiveInput("nasal_4mg", "NX-0951", TODAY + timedelta(days=300), 12),
                        actor=NURSE, at=NOW)  # fmt: skip

    sign_in(page, "nina.nurse", PASSWORD)
    line = page.get_by_test_id("naloxone-today")
    assert "1 patient due an injection by today without naloxone on hand" in line.inner_text()
    shot(page, "today-naloxone-line.png")

    page.get_by_role("link", name="Naloxone", exact=True).click()  # the main navigation
    page.wait_for_url("**/naloxone/")
    assert page.get_by_test_id("usable-kits").inner_text() == "12"
    shot(page, "naloxone-stock.png")

    page.goto("/reports/naloxone/")
    assert "0%" in page.get_by_test_id("coverage").inner_text()
    assert "(0 of 1 active patients)" in page.get_by_test_id("coverage").inner_text()
    assert "MRN-0951" in page.locator("section", has_text="without naloxone on hand").inner_text()
    shot(page, "naloxone-coverage-before.png")

    page.goto(f"/patients/{p.mrn}/")
    page.locator("nav.record-links").get_by_role("link", name="Naloxone").click()
    page.wait_for_url(f"**/patients/{p.mrn}/naloxone/")
    assert "no naloxone on hand" in page.get_by_test_id("on-hand").inner_text()
    page.get_by_label("What happened").select_option("handed_out")
    page.get_by_label("Where").select_option("injection")
    page.get_by_label("Kits").fill("13")  # more than one hand-out holds: refused beside the field
    page.get_by_label("Lot").select_option(str(lot.pk))
    page.get_by_role("button", name="Record").click()
    page.locator(".field-error", has_text="Ensure this value is less than or equal to 5").wait_for()
    page.get_by_label("Kits").fill("1")
    page.get_by_role("button", name="Record").click()
    page.get_by_text("Handed out: 1 kit").wait_for()
    assert "on hand" in page.get_by_test_id("on-hand").inner_text()
    assert "Kit handed out" in page.locator("section", has_text="History").inner_text()
    shot(page, "naloxone-patient-handed-out.png")
    assert NaloxoneLot.objects.get().remaining == 11

    page.goto("/reports/naloxone/")
    assert "100%" in page.get_by_test_id("coverage").inner_text()
    assert "(1 of 1 active patients)" in page.get_by_test_id("coverage").inner_text()
    assert "Every active patient has naloxone on hand." in page.content()
    shot(page, "naloxone-coverage-after.png")

    page.goto("/today/")
    assert (
        "Every patient due an injection by today has naloxone on hand."
        in page.get_by_test_id("naloxone-today").inner_text()
    )
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto("/reports/naloxone/")
    shot(page, "naloxone-coverage-phone.png")
