"""Issue 12, "How it is shown": a duplicate registration is offered the existing chart.

The coordinator registers a patient who already has a chart (the same name and birth date, typed
in lower case with a different phone): nothing is registered, the page names the existing chart
and why, keeps what was typed, and the link opens the existing chart. A second journey: the
coordinator corrects the phone and address on the details page (a save made stale by a nurse's
meanwhile is refused and keeps what was typed), and the director merges two charts.

Set NALTRACK_SHOTS to a folder to keep screenshots of the pages."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.patients.details import details_of, update_details
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from tests.e2e.conftest import sign_in
from tests.integration.conftest import COORDINATOR, NOW, NURSE, make_patient

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("NALTRACK_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_duplicate_registration_is_offered_the_existing_chart(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    robin = register_patient(PatientInput("", "Robin", "Sample", date(1990, 3, 4), "female",
                                          phone="555-0100"), actor=COORDINATOR, at=NOW)  # fmt: skip
    sign_in(page, "cora.coordinator", PASSWORD)
    page.goto("/register/")
    assert page.get_by_label("MRN").count() == 0  # naltrack assigns it
    page.get_by_label("Given name").fill("robin")
    page.get_by_label("Family name").fill("SAMPLE")
    page.get_by_label("Birth date").fill("1990-03-04")
    page.get_by_label("Sex at birth").select_option("female")
    page.get_by_label("Phone", exact=True).fill("555-0199")
    page.get_by_label("Postal address").fill("9 Typed Road")
    page.get_by_label("Opioid use disorder (OUD)").check()
    page.get_by_label("Prescriber (care team)").select_option("pat.prescriber")
    page.get_by_role("button", name="Register and open the episode").click()

    panel = page.locator("#duplicates")
    assert "This person may already have a chart" in panel.inner_text()
    assert "same name and birth date" in panel.inner_text()
    assert page.get_by_label("Postal address").input_value() == "9 Typed Road"  # kept
    assert Patient.objects.count() == 1
    _shot(page, "register-duplicate")

    page.get_by_role("link", name=f"Open the chart of Robin Sample ({robin.mrn})").click()
    page.wait_for_url(f"**/patients/{robin.mrn}/")
    assert "Sample, Robin" in page.locator("h1").inner_text()
    assert Patient.objects.count() == 1


def test_the_details_are_corrected_and_two_charts_merged(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    survivor = register_patient(PatientInput("", "Robin", "Sample", date(1990, 3, 4), "female"),
                                actor=COORDINATOR, at=NOW)  # fmt: skip
    make_patient("MRN-0400")
    sign_in(page, "cora.coordinator", PASSWORD)
    page.goto(f"/patients/{survivor.mrn}/")
    page.get_by_role("link", name="Edit details").click()
    page.get_by_label("Phone", exact=True).fill("555-0123")
    page.get_by_label("Postal address").fill("12 Synthetic Street\nSpringfield")
    _shot(page, "details-form")
    # Meanwhile a nurse saves a new email: this save is refused, and what was typed stays.
    update_details(survivor.mrn, replace(details_of(survivor), email="robin@example.org"), version=1,
                   actor=NURSE, at=NOW)  # fmt: skip
    page.get_by_role("button", name="Save details").click()
    assert (
        "Someone else saved this patient's details"
        in page.locator(".form-error:not(.error-summary)").inner_text()
    )
    assert page.get_by_label("Postal address").input_value() == "12 Synthetic Street\nSpringfield"
    _shot(page, "details-stale-refused")
    page.goto(f"/patients/{survivor.mrn}/details/")  # reload: their change, then mine again
    assert page.get_by_label("Email").input_value() == "robin@example.org"
    page.get_by_label("Phone", exact=True).fill("555-0123")
    page.get_by_label("Postal address").fill("12 Synthetic Street\nSpringfield")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_url(f"**/patients/{survivor.mrn}/")
    assert "Saved: phone, postal address." in page.content()
    _shot(page, "details-saved-contact")

    page.context.clear_cookies()
    page.goto("/login/")
    page.get_by_label("Username").fill("dana.director")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Merge", exact=True).click()
    page.get_by_label("MRN of the chart that stays").fill(survivor.mrn)
    page.get_by_label("MRN of the duplicate chart").fill("MRN-0400")
    page.get_by_label("Why these are one person").fill("Registered twice: same person, same ID.")
    page.get_by_role("button", name="Review").click()
    # The review is a new page: wait for it (under load, content() can be read mid-navigation).
    expect(page.get_by_text("1 episode").first).to_be_visible()
    page.get_by_label("I have checked that both charts are the same person", exact=False).check()
    _shot(page, "merge-review")
    page.get_by_role("button", name=f"Merge MRN-0400 into {survivor.mrn}").click()
    expect(page.get_by_text("Merged MRN-0400 into").first).to_be_visible()
    _shot(page, "merge-done")
    assert Patient.objects.get(mrn="MRN-0400").merged_into_id == survivor.pk
