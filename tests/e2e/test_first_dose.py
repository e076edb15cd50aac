"""The first dose in a real browser (issue 12): an incomplete screening cannot be signed; a
complete one is signed with the attestation; the MAR shows its open findings and refuses a first
injection with no recent urine screen on file until a prescriber overrides with a reason."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.monitoring.services import record_observation
from naltrack.screening.services import run_screening
from tests.e2e.conftest import sign_in
from tests.integration.conftest import NURSE, PRESCRIBER, TODAY, at, make_patient, make_ready, order

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_E2E_SHOTS", "")  # a folder for screenshots, to look at them
YESTERDAY = TODAY - timedelta(days=1)


def _shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_incomplete_screening_refused_then_attested_and_the_first_injection_needs_an_override(
    page: Any, browser: Any, live_server: Any
) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    p = make_patient("MRN-1290", start=TODAY - timedelta(days=6))
    # Yesterday's screening was complete: the urine screen 3 days before it (Part A A2), and a
    # PHQ-9 with item 9 of 1 (a review the nurse must see at the first dose).
    make_ready(p, YESTERDAY)
    p.observations.filter(kind="urine_screen").update(observed_on=YESTERDAY - timedelta(days=3))
    record_observation(p, kind="phq9", observed_on=YESTERDAY, data={"items": [1, 1, 1, 0, 0, 0, 0, 0, 1]},
                       actor=NURSE, at=at(YESTERDAY, 9))  # fmt: skip
    complete = run_screening(
        p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(YESTERDAY, 10)
    )
    order(p, YESTERDAY)  # the signed injection order the MAR gives (issue 12)

    # Today the urine screen is 4 days old: a new screening reads what is missing.
    sign_in(page, "pat.prescriber", PASSWORD)
    page.goto(f"/patients/{p.mrn}/screen/")
    page.get_by_role("button", name="Save this screening").click()
    page.wait_for_url("**/screenings/*/")
    decision = page.locator(".decision").inner_text()
    assert "Incomplete: no start can be decided. Record a recent urine drug screen" in decision
    assert "may start" not in page.locator("#findings").inner_text()
    sign = page.locator("section", has=page.get_by_role("heading", name="Sign"))
    assert "cannot be signed as a start: record a recent urine drug screen" in sign.inner_text()
    assert page.get_by_role("button", name="Sign this screening").count() == 0
    # The server refuses it too (a form kept open in another tab, or the API).
    response = page.request.post(
        f"/screenings/{page.url.rstrip('/').split('/')[-1]}/sign/",
        form={"reviewed": "facts", "note": "Tried to sign the incomplete screening.",
              "csrfmiddlewaretoken": page.locator("input[name=csrfmiddlewaretoken]").first.input_value()},
        headers={"Referer": page.url},
    )  # fmt: skip
    assert response.status == 400 and "record a recent urine drug screen" in response.text()
    _shot(page, "e2e_incomplete_refused.png")

    # Yesterday's complete screening is signed with the attestation.
    page.goto(f"/screenings/{complete.pk}/")
    note = "Same-day C-SSRS: low risk, safety plan agreed; facts checked with the patient."
    page.get_by_label("Attestation note").fill(note)
    page.get_by_role("button", name="Sign this screening").click()
    assert "not yet ticked: facts, SUICIDE_RISK" in page.locator(".field-error").first.inner_text()
    assert page.get_by_label("Attestation note").input_value() == note  # kept
    page.locator("input[name=reviewed][value=facts]").check()
    page.locator("input[name=reviewed][value=SUICIDE_RISK]").check()
    page.get_by_role("button", name="Sign this screening").click()
    assert "Screening signed." in page.locator(".messages").inner_text()
    attestation = page.locator("section", has=page.get_by_role("heading", name="Attestation"))
    assert note in attestation.inner_text() and "PHQ-9 item 9 is 1" in attestation.inner_text()
    _shot(page, "e2e_signed_attestation.png")

    # The nurse: the MAR shows the open findings and refuses the first injection.
    nurse_ctx = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 900}
    )
    nurse = nurse_ctx.new_page()
    sign_in(nurse, "nina.nurse", PASSWORD)
    nurse.goto(f"/patients/{p.mrn}/mar/")
    panel = nurse.locator(
        "section",
        has=nurse.get_by_role(
            "heading", name="First dose: read the signed screening's open findings before giving"
        ),
    )
    assert "PHQ-9 item 9 is 1: thoughts of death or self-harm." in panel.inner_text()
    assert note in panel.inner_text()
    assert "no urine drug screen on file from" in nurse.locator("[role=status]").inner_text()
    nurse.get_by_label("Given at").fill(f"{TODAY}T00:05")
    nurse.get_by_label("Lot number").fill("LOT-E2E")
    nurse.get_by_label("Lot expiry").fill(str(TODAY + timedelta(days=120)))
    nurse.get_by_label("Overdose reversal agent (naloxone) discussed").check()
    nurse.get_by_role("button", name="Record").click()
    refused = nurse.locator("[role=alert]", has_text="This dose cannot be recorded").inner_text()
    assert "no urine drug screen on file" in refused and "Only a prescriber may override" in refused
    _shot(nurse, "e2e_mar_first_dose_refused.png")

    # The prescriber overrides with a reason; the nurse records the injection.
    page.goto(f"/patients/{p.mrn}/mar/override/")
    reason = "Point-of-care cup negative this morning; lab copy lost in transit, re-sent."
    page.get_by_label("Clinical reason").fill(reason)
    page.get_by_role("button", name="Record the override").click()
    assert "the nurse may record it" in page.locator(".messages").inner_text()
    nurse.goto(f"/patients/{p.mrn}/mar/")
    nurse.get_by_label("Given at").fill(f"{TODAY}T00:10")
    nurse.get_by_label("Lot number").fill("LOT-E2E")
    nurse.get_by_label("Lot expiry").fill(str(TODAY + timedelta(days=120)))
    nurse.get_by_label("Overdose reversal agent (naloxone) discussed").check()
    nurse.get_by_role("button", name="Record").click()
    assert "Next injection booked for" in nurse.locator(".messages").inner_text()
    assert reason in nurse.content()  # the chart's MAR line shows the override
    nurse_ctx.close()
