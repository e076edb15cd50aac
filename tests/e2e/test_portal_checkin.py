"""Issue 11 in a real browser at 390 px: a patient logs a tablet and completes a check-in that
raises a staff alert; the nurse then sees the check-in, the alert and the dose log on the chart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.treatment.services import sign_order
from tests.e2e.conftest import sign_in
from tests.integration.conftest import PRESCRIBER, TODAY, at, make_patient
from tests.integration.portal_helpers import PORTAL_PASSWORD, give_portal_account

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
PHONE = {"width": 390, "height": 844}


def test_a_patient_logs_a_tablet_and_checks_in_and_the_nurse_sees_the_alert(
    page: Any, browser: Any, live_server: Any
) -> None:
    p = make_patient("MRN-0901", start=TODAY - timedelta(days=20))
    sign_order(p, formulation="oral", regimen="oral_daily", dose_mg=50, actor=PRESCRIBER,
               at=at(TODAY - timedelta(days=20)))  # fmt: skip
    account = give_portal_account(p)
    create_staff("nina.nurse", PASSWORD, Role.NURSE)

    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    me = phone.new_page()
    me.goto("/portal/sign-in/")
    me.get_by_label("Email").fill(account.user.get_username())
    me.get_by_label("Password").fill(PORTAL_PASSWORD)
    me.get_by_role("button", name="Sign in").click()
    me.wait_for_url("**/portal/")

    me.get_by_role("link", name="Doses", exact=True).click()
    today = me.locator("li.dose").first
    assert today.get_by_role("heading").inner_text().startswith("Today")
    today.get_by_role("button", name="I took it").click()
    assert "Saved" in me.locator(".messages").inner_text()
    assert me.locator("li.dose").first.locator(".status").inner_text() == "Taken"
    # nothing on the page is wider than the phone
    assert me.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    me.get_by_role("link", name="Check-in").click()
    craving = me.get_by_role("group", name="How strong is your craving today?")
    craving.get_by_label("8", exact=True).check()
    me.get_by_role("group", name="any opioids?").get_by_label("Yes").check()
    me.get_by_role("group", name="any alcohol?").get_by_label("No").check()
    me.get_by_label("If yes, what did you use?").fill("pills")
    for question in ("little interest", "feeling down", "better off dead"):
        me.get_by_role("group", name=question).get_by_label("Not at all").check()
    me.get_by_label("Pain or a lump where you had the shot").check()
    assert me.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    me.get_by_role("button", name="Send my check-in").click()
    assert "You checked in today" in me.locator("main").inner_text()
    assert "can cause a fatal overdose" in me.locator("main").inner_text()
    phone.close()

    sign_in(page, "nina.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/")
    alerts = page.locator("section", has=page.get_by_role("heading", name="Open alerts"))
    assert "The patient reported opioid use (pills)" in alerts.inner_text()
    assert "pain or a lump at the injection site" in alerts.inner_text()
    checkins = page.locator("section", has=page.get_by_role("heading", name="Daily check-ins"))
    assert "8/10" in checkins.inner_text() and "opioids" in checkins.inner_text()
    assert checkins.locator("svg[aria-label^='Craving in daily check-ins'] circle").count() == 1
    log = page.locator("section", has=page.get_by_role("heading", name="Tablet dose log"))
    assert "taken" in log.inner_text() and "self-reported" in log.inner_text()
