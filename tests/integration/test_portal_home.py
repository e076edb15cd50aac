"""Home: the portal's dates are the chart's dates for the same patient (the same core functions
on the same facts), and the protection status, today's tablets and the naloxone location are
shown in plain words. Every Home read is audited under the patient account."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.alerts.models import CareStatus
from naltrack.alerts.services import refresh_patient
from naltrack.appointments.services import book_appointment
from naltrack.audit.models import AuditEvent
from naltrack.chart.services import read_chart
from naltrack.clinical.protection import DoseDay, Protection
from naltrack.patients.models import Patient
from naltrack.portal.home import read_home
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.services import (
    AdministrationInput,
    PlanInput,
    change_plan,
    discontinue,
    record_administration,
)
from tests.integration.conftest import (
    COORDINATOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    make_patient,
    make_ready,
    order,
    started_on_injection,
)
from tests.integration.portal_helpers import give_portal_account, portal_actor, portal_client

pytestmark = pytest.mark.django_db


def on_tablets(mrn: str, first: Any) -> Patient:
    p = make_patient(mrn, start=first - timedelta(days=2))
    make_ready(p, first)
    rec = run_screening(p, {}, formulation="oral", actor=PRESCRIBER, at=at(first, 9))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(first, 9), **attested(rec.pk))
    change_plan(p, PlanInput(formulation="oral", regimen="oral_mwf"), reason="start",
                actor=PRESCRIBER, at=at(first, 9))  # fmt: skip
    order(p, first, "oral_mwf")
    record_administration(p, AdministrationInput(formulation="oral", given_at=at(first), dose_mg=100),
                          actor=NURSE, at=at(first))  # fmt: skip
    return p


@pytest.mark.parametrize("days_ago", [3, 24, 26, 28, 29, 40])
def test_the_portal_gives_the_charts_injection_dates(days_ago: int, fixed_today: Any) -> None:
    p = started_on_injection("MRN-0300", TODAY - timedelta(days=days_ago))
    book_appointment(p, kind="counselling", on=TODAY + timedelta(days=2), actor=COORDINATOR, at=NOW)
    refresh_patient(p, at=NOW)
    care = CareStatus.objects.get(patient=p)
    chart = read_chart(p, TODAY)
    home = read_home(portal_actor(give_portal_account(p)), at=NOW)
    window = home.protection.next_injection
    assert window is not None
    assert (window.earliest, window.due, window.overdue_from) == (
        care.earliest_on, care.next_due_on, care.overdue_from,
    )  # fmt: skip
    assert care.overdue_from is not None
    assert window.last_safe_day == care.overdue_from - timedelta(days=1)
    assert home.protection.last_dose == care.last_dose_on
    assert home.protection.blockade_until == care.coverage_ends_on
    assert home.next_visit is not None and home.next_visit.on == chart.upcoming[0].on
    # The chart's risk window and the portal's words agree on when the blockade is worn off.
    worn_off = care.risk_window == "injection_overdue"
    assert (home.protection.level is Protection.ENDED) is worn_off


def test_home_page_shows_the_dates_and_plain_words(fixed_today: Any) -> None:
    p = started_on_injection("MRN-0301", TODAY - timedelta(days=26))
    refresh_patient(p, at=NOW)
    care = CareStatus.objects.get(patient=p)
    assert care.earliest_on is not None and care.next_due_on is not None
    page = portal_client(give_portal_account(p)).get("/portal/")
    html = page.content.decode()
    assert f'data-date="{care.earliest_on.isoformat()}"' in html
    assert f'data-date="{care.next_due_on.isoformat()}"' in html
    assert 'data-level="waning"' in html
    last = care.last_dose_on
    assert last is not None
    assert f"Your last injection was on {last.day} {last:%B}" in html
    assert "Its blocking effect is expected to last until about" in html
    assert "can cause a fatal overdose" in html
    assert "Ask at the clinic front desk for a free naloxone kit." in html  # the clinic setting
    assert "<strong>Give naloxone.</strong>" in html
    assert AuditEvent.objects.filter(object_type="portal_home", patient_mrn="MRN-0301").count() == 1


def test_home_in_spanish_uses_the_spanish_naloxone_words(fixed_today: Any) -> None:
    p = started_on_injection("MRN-0302", TODAY - timedelta(days=3))
    page = portal_client(give_portal_account(p, language="es")).get("/portal/")
    assert "Pida un kit de naloxona" in page.content.decode()


def test_tablets_show_todays_dose_from_the_order(fixed_today: Any) -> None:
    # TODAY (21 Nov 2026) is a Saturday: no tablet on Mon-Wed-Fri; the Friday before was 150 mg.
    p = on_tablets("MRN-0303", TODAY - timedelta(days=5))  # Monday 16 Nov
    actor = portal_actor(give_portal_account(p))
    home = read_home(actor, at=NOW)
    assert home.todays_dose is not None and home.todays_dose.kind is DoseDay.NO_DOSE
    friday = read_home(actor, at=NOW - timedelta(days=1))
    assert friday.todays_dose is not None
    assert (friday.todays_dose.kind, friday.todays_dose.mg) == (DoseDay.DOSE, 150)
    assert friday.todays_tablets == "3"
    assert home.protection.next_injection is None
    page = portal_client(give_portal_account(make_patient("MRN-0399"))).get("/portal/")
    assert b"No naltrexone dose is recorded yet." in page.content


def test_after_stopping_home_warns_of_lost_tolerance(fixed_today: Any) -> None:
    p = started_on_injection("MRN-0304", TODAY - timedelta(days=20))
    discontinue(p, reason="moved away", on=TODAY - timedelta(days=1), stop_reason="transfer",
                actor=PRESCRIBER, at=NOW)  # fmt: skip
    actor = portal_actor(give_portal_account(p))
    home = read_home(actor, at=NOW)
    assert home.protection.level is Protection.STOPPED
    assert home.protection.next_injection is None
    page = portal_client(give_portal_account_cached(p)).get("/portal/")
    assert b"Your treatment has stopped." in page.content
    assert b"Call the clinic at 555-0100 today." in page.content  # the clinic's phone (setting)


def give_portal_account_cached(p: Patient) -> Any:
    return p.portal_account
