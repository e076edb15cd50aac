"""The medication choice aid in a real browser (issue 15): a prescriber opens the aid for a
patient (this patient's opioid-free days, the sources, the cautions), records the choice, and a
second patient's choice of methadone is a referral out. The steps are small functions so the
issue's whole-journey test can chain them (open_choice_aid, record_choice, record_referral_out)."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.choice.models import MedicationChoice
from naltrack.patients.models import EpisodeStatus
from naltrack.patients.records import AssessmentInput, record_assessment
from tests.e2e.conftest import sign_in
from tests.integration.conftest import PRESCRIBER, TODAY, at, make_patient

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"
SHOTS = os.environ.get("NALTRACK_SHOTS", "")  # a folder: save screenshots there too


def shot(page: Any, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def open_choice_aid(page: Any, mrn: str) -> None:
    """From the patient's chart, open the medication choice aid."""
    page.goto(f"/patients/{mrn}/")
    page.get_by_role("link", name="Medication choice aid").click()
    page.get_by_role("heading", name="Comparison").wait_for()


def record_choice(page: Any, mrn: str, option: str, reasons: str, priorities: tuple[str, ...] = ()) -> None:  # fmt: skip
    """On the aid's page of `mrn`: choose `option` (its label), give the reasons, tick what
    matters to the patient, record; waits for the confirmation."""
    if not page.url.endswith(f"/patients/{mrn}/choice/"):
        page.goto(f"/patients/{mrn}/choice/")
    page.get_by_label("Medication chosen").select_option(label=option)
    page.get_by_label("Reasons").fill(reasons)
    for p in priorities:
        page.get_by_label(p).check()
    page.get_by_role("button", name="Record the choice").click()
    page.get_by_text(f"Choice recorded: {option}.").wait_for()


def record_referral_out(page: Any, mrn: str, option: str, reasons: str, program: str) -> None:
    """Record buprenorphine or methadone with the referral out, dated today."""
    page.goto(f"/patients/{mrn}/choice/")
    page.get_by_label("Referred to (program)").fill(program)
    page.get_by_label("Referral date").fill(str(TODAY))
    record_choice(page, mrn, option, reasons)


def test_a_prescriber_opens_the_aid_and_records_the_choice(page: Any) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    p = make_patient("MRN-0951")
    record_assessment(p, AssessmentInput(
        assessed_on=TODAY - timedelta(days=1), substance="OUD", dsm5_criteria=("craving", "tolerance"),
        last_opioid_use=TODAY - timedelta(days=4), last_opioid_kind="methadone",
    ), actor=PRESCRIBER, at=at(TODAY - timedelta(days=1)))  # fmt: skip
    sign_in(page, "pat.prescriber", PASSWORD)
    open_choice_aid(page, p.mrn)
    assert "10 opioid-free days after the last methadone use" in page.locator("#opioid-free-days").inner_text()  # fmt: skip
    table = page.locator("#choice-table")
    assert table.get_by_role("columnheader", name="Methadone (referral out)").count() == 1
    assert "Source: Part A A1; fact sheet 1.2, 1.12" in table.inner_text()
    shot(page, "choice-aid.png")

    # A choice without reasons is refused beside its field; nothing is recorded.
    page.get_by_label("Medication chosen").select_option(label="Naltrexone monthly injection")
    page.get_by_role("button", name="Record the choice").click()
    page.locator(".field-error").first.wait_for()
    assert not MedicationChoice.objects.exists()

    record_choice(page, p.mrn, "Naltrexone monthly injection",
                  "One visit a month suits shift work.", ("How often visits are",))  # fmt: skip
    m = MedicationChoice.objects.get()
    assert (m.option, m.priorities, m.decided_by) == (
        "naltrexone_injection",
        ["visits"],
        "pat.prescriber",
    )
    assert "One visit a month suits shift work." in page.locator("table.choices").inner_text()
    shot(page, "choice-recorded.png")

    page.goto(f"/patients/{p.mrn}/choice/patient/")
    page.get_by_role("heading", name="Choosing a medicine: Test Patient MRN-0951").wait_for()
    shot(page, "choice-patient.png")
    page.goto(f"/patients/{p.mrn}/choice/patient/?lang=es")
    page.get_by_role("heading", name="Elegir un medicamento: Test Patient MRN-0951").wait_for()
    shot(page, "choice-patient-es.png")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/patients/{p.mrn}/choice/")
    shot(page, "choice-aid-phone.png")


def test_a_referral_out_closes_the_episode_as_a_transfer(page: Any) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    p = make_patient("MRN-0952")
    sign_in(page, "pat.prescriber", PASSWORD)
    record_referral_out(page, p.mrn, "Methadone", "Works nights near the methadone clinic.", "Eastside OTP")  # fmt: skip
    episode = p.episodes.get()
    assert episode.status == EpisodeStatus.DISCHARGED
    assert episode.discharge_reason == "Referred to Eastside OTP for methadone"
    page.goto(f"/patients/{p.mrn}/plan/")
    assert "Eastside OTP" in page.locator("#medication-choice").inner_text()
    shot(page, "choice-plan.png")
