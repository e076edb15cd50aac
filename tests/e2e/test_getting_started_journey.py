"""Issue 15's whole journey in a real browser, one person from the first phone call to the first
injection: a coordinator takes the phone inquiry, verifies the insurance, books the assessment and
turns the inquiry into a patient (the insurance checked becomes the patient's coverage), then
records the benefits and an approved prior authorization; a prescriber opens the medication choice
aid for that patient and records the choice; a nurse gives the injection from the stock, and the
stock and the authorization's units each go down by one.

The steps are the areas' own browser steps (tests/e2e/test_intake.py, test_insurance.py,
test_choice.py, test_inventory.py). The clinical readiness between the choice and the first dose
(the assessment's facts, the signed screening, the signed order) is recorded through the services,
as the MAR's own browser tests do: it is not what this journey shows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.choice.models import MedicationChoice
from naltrack.insurance.models import Coverage, PriorAuthorization
from naltrack.inventory.models import Kit
from naltrack.patients.models import Patient
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.models import Administration
from tests.e2e.conftest import sign_in
from tests.e2e.test_choice import open_choice_aid, record_choice
from tests.e2e.test_insurance import record_approved_pa, verify_benefits
from tests.e2e.test_intake import (
    book_assessment,
    check_insurance,
    convert,
    mark_contacted,
    take_inquiry,
)
from tests.e2e.test_inventory import give_injection_from_stock, receive_lot, usable_stock
from tests.integration.conftest import PRESCRIBER, TODAY, at, attested, make_ready, order

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"


def sign_out(page: Any) -> None:
    page.context.clear_cookies()


def test_from_the_first_call_to_the_first_injection(page: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER, full_name="Pat Okafor, MD")
    create_staff("nina.nurse", PASSWORD, Role.NURSE)

    # The coordinator: the phone call, the insurance, the assessment, the registration.
    sign_in(page, "cora.coordinator", PASSWORD)
    inquiry = take_inquiry(page, "Joaquin", "Firstcall", phone="555-0177", source="primary_care",
                           birth_date=date(1984, 5, 6), sex="male")  # fmt: skip
    mark_contacted(page, inquiry)
    check_insurance(page, inquiry, payer="Medicaid", plan="Medicaid MCO", member_id="MCD445566")
    book_assessment(page, inquiry, on=TODAY + timedelta(days=2), at="09:30")
    mrn = convert(page, inquiry, prescriber="pat.prescriber")
    patient = Patient.objects.get(mrn=mrn)
    cover = Coverage.objects.get(patient=patient)  # no retyping: the insurance checked on the call
    assert (cover.payer, cover.member_id) == ("Medicaid", "MCD445566")
    verify_benefits(page, mrn, copay="0")
    record_approved_pa(page, mrn, 6, TODAY - timedelta(days=1), TODAY + timedelta(days=180),
                       reference="PA-JOURNEY")  # fmt: skip
    assert "0 of 6 used" in page.content()
    sign_out(page)

    # The prescriber: the medication choice aid for this patient, and the choice recorded.
    sign_in(page, "pat.prescriber", PASSWORD)
    open_choice_aid(page, mrn)
    assert (
        "On file: Medicaid (Medicaid MCO), primary." in page.locator("#choice-table").inner_text()
    )
    record_choice(page, mrn, "Naltrexone monthly injection",
                  "One visit a month; no daily tablet to forget.", ("How often visits are",))  # fmt: skip
    assert MedicationChoice.objects.get(patient=patient).option == "naltrexone_injection"
    sign_out(page)

    # Readiness, as the MAR's browser tests record it: facts, a signed screening, a signed order.
    make_ready(patient, TODAY)
    screening = run_screening(patient, {}, formulation="xr_injection", actor=PRESCRIBER,
                              at=at(TODAY, 8))  # fmt: skip
    sign_screening(screening.pk, actor=PRESCRIBER, at=at(TODAY, 8), **attested(screening.pk))
    order(patient, TODAY, hour=8)

    # The nurse: kits received, the injection given from the stock.
    sign_in(page, "nina.nurse", PASSWORD)
    receive_lot(page, "LOT-JOURNEY", 4, str(TODAY + timedelta(days=120)), str(TODAY))
    stock_before = usable_stock(page)
    label = give_injection_from_stock(page, mrn)
    assert "lot LOT-JOURNEY" in label
    assert usable_stock(page) == stock_before - 1
    given = Administration.objects.get(patient=patient, given_on=TODAY)
    assert given.first_dose and given.lot == "LOT-JOURNEY"
    assert Kit.objects.get(administration=given).state == "dispensed"
    pa = PriorAuthorization.objects.get(patient=patient)
    assert (pa.units_used, pa.approved_units) == (1, 6)
