"""Insurance and prior authorization (issue 15) in a real browser: a coordinator records a patient's
coverage, verifies the injection's benefits and records an approved prior authorization; the
worklist then no longer lists the patient. Each step is a small function, for the whole-journey
test to chain."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.insurance.models import BenefitsVerification, Coverage, PriorAuthorization
from tests.e2e.conftest import sign_in
from tests.integration.conftest import TODAY, started_on_injection

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def record_coverage(page: Any, mrn: str, payer: str, member_id: str, valid_from: date) -> None:
    """On the patient's insurance page: an insurance coverage, primary."""
    page.goto(f"/patients/{mrn}/insurance/")
    form = page.get_by_role("form", name="Record a coverage")
    form.get_by_label("Kind").select_option("insurance")
    form.get_by_label("Payer").fill(payer)
    form.get_by_label("Member id").fill(member_id)
    form.get_by_label("Valid from").fill(str(valid_from))
    form.get_by_role("button", name="Record the coverage").click()
    page.get_by_text("Coverage recorded.").wait_for()


def verify_benefits(page: Any, mrn: str, copay: str = "0") -> None:
    """The injection covered as a medical benefit, bought and billed."""
    page.goto(f"/patients/{mrn}/insurance/")
    form = page.get_by_role("form", name="Record a benefits verification")
    form.get_by_label("Covered").select_option("yes")
    form.get_by_label("Benefit").select_option("medical")
    form.get_by_label("Supplied by").select_option("buy_and_bill")
    form.get_by_label("Copay ($)").fill(copay)
    form.get_by_role("button", name="Record the verification").click()
    page.get_by_text("Benefits verification recorded.").wait_for()


def record_approved_pa(page: Any, mrn: str, units: int, start: date, end: date,
                       reference: str = "PA-1") -> None:  # fmt: skip
    """A prior authorization for the injection recorded as submitted, then approved."""
    page.goto(f"/patients/{mrn}/insurance/")
    form = page.get_by_role("form", name="Record a prior authorization")
    form.get_by_label("Reference number").fill(reference)
    form.get_by_role("button", name="Record as submitted").click()
    page.get_by_text("recorded as submitted").wait_for()
    change = page.get_by_role("form", name="Change a prior authorization's status")
    change.get_by_label("Prior authorization").select_option(
        label=f"Injection {reference}: submitted"
    )
    change.get_by_label("New status").select_option("approved")
    change.get_by_label("Approved units").fill(str(units))
    change.get_by_label("Approved from").fill(str(start))
    change.get_by_label("Approved to").fill(str(end))
    change.get_by_role("button", name="Save the status").click()
    page.get_by_text(": approved.").wait_for()


def test_a_coordinator_verifies_insurance_and_records_an_approved_pa(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    p = started_on_injection("MRN-0951", TODAY - timedelta(days=20))  # due within the lead time
    sign_in(page, "cora.coordinator", PASSWORD)
    record_coverage(page, p.mrn, "Acme Health", "M-4455", TODAY - timedelta(days=90))
    page.goto("/insurance/worklist/")
    due = page.locator("section", has=page.get_by_role("heading", name="Injections due with no"))
    assert p.family_name in due.inner_text()
    shot(page, "insurance-worklist.png")

    verify_benefits(page, p.mrn)
    record_approved_pa(page, p.mrn, 4, TODAY - timedelta(days=1), TODAY + timedelta(days=120))
    shot(page, "insurance-patient.png")
    assert "0 of 4 used" in page.content()
    assert Coverage.objects.get(patient=p).member_id == "M-4455"
    assert BenefitsVerification.objects.get(patient=p).covered == "yes"
    pa = PriorAuthorization.objects.get(patient=p)
    assert (pa.status, pa.approved_units, pa.approved_to) == (
        "approved", 4, TODAY + timedelta(days=120)
    )  # fmt: skip
    page.goto("/insurance/worklist/")
    due = page.locator("section", has=page.get_by_role("heading", name="Injections due with no"))
    assert p.family_name not in due.inner_text()
    page.goto("/today/")
    page.get_by_role("heading", name="Insurance and prior authorization").wait_for()
    shot(page, "today-insurance.png")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"/patients/{p.mrn}/insurance/")
    shot(page, "insurance-patient-phone.png")


def test_the_mar_shows_the_active_authorization(page: Any) -> None:
    from naltrack.insurance.services import (
        CoverageInput,
        PriorAuthInput,
        Transition,
        change_prior_auth,
        record_prior_auth,
    )
    from naltrack.insurance.services import record_coverage as cover
    from tests.integration.conftest import COORDINATOR, NOW

    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = started_on_injection("MRN-0952", TODAY - timedelta(days=28))
    cover(p, CoverageInput("insurance", TODAY - timedelta(days=90), "Acme", member_id="M9"),
          actor=COORDINATOR, at=NOW)  # fmt: skip
    pa = record_prior_auth(
        p, PriorAuthInput("xr_injection", reference="PA-9"), actor=COORDINATOR, at=NOW
    )
    change_prior_auth(p, pa.pk, Transition("approved", approved_units=2, approved_from=TODAY,
                                           approved_to=TODAY + timedelta(days=60)), actor=COORDINATOR, at=NOW)  # fmt: skip
    sign_in(page, "nina.nurse", PASSWORD)
    page.goto(f"/patients/{p.mrn}/mar/")
    assert "2 units left" in page.locator("#prior-auth-state").inner_text()
    shot(page, "mar-prior-auth.png")
