"""Issue 12 in a real browser: an order mismatch is refused at the MAR, and the prescriber's
written override lets the nurse record it, visible on the chart."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.models import Administration, Order
from tests.e2e.conftest import sign_in
from tests.integration.conftest import PRESCRIBER, TODAY, at, attested, make_patient, make_ready

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")  # a folder: save screenshots of the pages there


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_an_order_mismatch_is_refused_at_the_mar(page: Any, browser: Any, live_server: Any) -> None:
    p = make_patient("MRN-0E12", start=TODAY - timedelta(days=3))
    make_ready(p, TODAY - timedelta(days=1))
    rec = run_screening(
        p, {}, formulation="oral", actor=PRESCRIBER, at=at(TODAY - timedelta(days=1), 8)
    )
    sign_screening(
        rec.pk, actor=PRESCRIBER, at=at(TODAY - timedelta(days=1), 8), **attested(rec.pk)
    )
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)

    # The prescriber's 1900 mg injection order is refused; 100 mg every other day is signed.
    prescriber = browser.new_context(base_url=live_server.url).new_page()
    sign_in(prescriber, "pat.prescriber", PASSWORD)
    prescriber.goto(f"/patients/{p.mrn}/orders/")
    prescriber.get_by_label("Formulation", exact=True).select_option("xr_injection")
    prescriber.get_by_label("Regimen", exact=True).select_option("xr_injection")
    prescriber.locator("#id_dose_mg").fill("1900")
    prescriber.get_by_role("button", name="Sign the order").click()
    assert "the injection comes only as 380 mg" in prescriber.locator("main").inner_text()
    assert not Order.objects.filter(patient=p).exists()
    shot(prescriber, "order_refused")
    prescriber.get_by_label("Formulation", exact=True).select_option("oral")
    prescriber.get_by_label("Regimen", exact=True).select_option("oral_every_other_day")
    prescriber.locator("#id_dose_mg").fill("100")
    prescriber.get_by_role("button", name="Sign the order").click()
    assert "Order signed" in prescriber.locator(".messages").inner_text()

    # The MAR shows the order and pre-fills its 100 mg; the nurse's 50 mg is refused.
    sign_in(page, "nina.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/mar/")
    card = page.locator("#active-order")
    assert "Oral, 100 mg every other day" in card.inner_text()
    assert "Today: 100 mg" in card.inner_text()
    assert page.get_by_label("Oral dose (mg)").input_value() == "100"
    assert page.get_by_label("Formulation", exact=True).input_value() == "oral"
    page.get_by_label("Oral dose (mg)").fill("50")
    page.get_by_role("button", name="Record").click()
    alert = page.locator("div.warn[role=alert]")
    assert "This dose cannot be recorded" in alert.inner_text()
    assert "gives 100 mg on 2026-11-21, not 50 mg" in alert.inner_text()
    assert page.get_by_label("Oral dose (mg)").input_value() == "50"  # what was typed stays
    shot(page, "mar_refused")
    assert not Administration.objects.filter(patient=p).exists()

    # The prescriber's written override for a 50 mg tablet today lets the nurse record it.
    prescriber.goto(f"/patients/{p.mrn}/")
    prescriber.get_by_role("link", name="Override for today's dose").click()
    prescriber.get_by_label("The dose to allow").select_option("oral")
    prescriber.get_by_label("Tablet dose (mg)").fill("50")
    reason = "Nausea on 100 mg yesterday: 50 mg today, review on Monday."
    prescriber.get_by_label("Clinical reason").fill(reason)
    shot(prescriber, "override_form")
    prescriber.get_by_role("button", name="Record the override").click()
    assert "Override recorded" in prescriber.locator(".messages").inner_text()

    page.get_by_role("button", name="Record").click()
    page.wait_for_url(f"**/patients/{p.mrn}/")
    assert "Recorded" in page.locator(".messages").inner_text()
    given = Administration.objects.get(patient=p)
    assert (given.dose_mg, given.needle, given.override_reason) == (50, "", reason)
    assert reason in page.locator("main").inner_text()
    shot(page, "chart_override")
