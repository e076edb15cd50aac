"""The printable views (issue 12): the MAR, the plan, one day's visit and the chart summary. Each
is an audited read of the record, refused to a role that may not read the chart; a visit summary
shows the day's counselling notes only to a role that may read them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.counselling.services import record_session
from naltrack.treatment.plans import PlanInput, change_plan
from tests.integration.conftest import (
    COUNSELOR,
    PRESCRIBER,
    TODAY,
    at,
    login,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

VIEWS = ("mar", "plan", "visit", "summary")


def _reads(mrn: str, username: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            patient_mrn=mrn, actor=username, action=AuditAction.READ
        ).values_list("object_type", flat=True)
    )


def test_the_printed_mar_holds_each_dose_with_site_lot_and_naloxone_as_an_audited_read() -> None:
    p = started_on_injection("MRN-0700", TODAY - timedelta(days=3))
    nurse = login(Role.NURSE, "nina.nurse")
    before = _reads(p.mrn, "nina.nurse")
    page = nurse.get(f"/patients/{p.mrn}/print/mar/").content.decode()
    assert _reads(p.mrn, "nina.nurse") == [*before, "patient_chart"]  # one read, audited
    printed = AuditEvent.objects.filter(patient_mrn=p.mrn, actor="nina.nurse").latest("seq")
    assert printed.detail == "also read printout (MAR)"  # a printout, told from a screen view
    doc = page[page.index('class="print-doc"') :]
    assert f"Patient {p.mrn}" in doc and f"MRN {p.mrn}" in doc and "Printed " in doc
    assert "by nina.nurse" in doc
    for shown in ("Left gluteal", "LOT-1", 'data-label="Naloxone discussed">yes<', "1.5"):
        assert shown in doc, shown
    assert 'class="print-frame"' in page and "<thead><tr><td>" in doc  # repeated on every page


@pytest.mark.parametrize("view", VIEWS)
def test_a_coordinator_may_not_print_a_record_and_nothing_is_read(view: str) -> None:
    p = started_on_injection("MRN-0701", TODAY - timedelta(days=3))
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    assert coordinator.get(f"/patients/{p.mrn}/print/{view}/").status_code == 403
    assert _reads(p.mrn, "cora.coordinator") == ["access_refused"]  # the attempt, recorded


@pytest.mark.parametrize("view", VIEWS)
def test_every_printout_is_one_audited_chart_read(view: str) -> None:
    p = started_on_injection("MRN-0702", TODAY - timedelta(days=3))
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    r = prescriber.get(f"/patients/{p.mrn}/print/{view}/")
    assert r.status_code == 200
    # One event for the page view (issue 12), naming the printout and, for the visit summary,
    # the counselling notes it read (the prescriber may read them).
    [event] = AuditEvent.objects.filter(patient_mrn=p.mrn, actor="pat.prescriber", action="read")
    assert event.object_type == "patient_chart"
    assert "also read printout (" in event.detail
    assert ("counselling_notes" in event.detail) == (view == "visit")


def test_an_unknown_patient_is_not_found() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    assert nurse.get("/patients/MRN-9999/print/mar/").status_code == 404


def test_the_visit_summary_shows_the_days_notes_only_to_a_role_that_may_read_them() -> None:
    first = TODAY - timedelta(days=3)
    p = started_on_injection("MRN-0703", first)
    record_session(p, held_on=first, kind="individual", attendance="attended", minutes=45,
                   note="Talked through the weekend plan.", actor=COUNSELOR, at=at(first, 14))  # fmt: skip
    record_session(p, held_on=first - timedelta(days=1), kind="individual", attendance="attended",
                   note="An earlier day.", actor=COUNSELOR, at=at(first, 14))  # fmt: skip
    url = f"/patients/{p.mrn}/print/visit/?day={first.isoformat()}"
    counselor = login(Role.COUNSELOR, "cole.counselor").get(url).content.decode()
    assert "Talked through the weekend plan." in counselor and "An earlier day." not in counselor
    assert "LOT-1" in counselor and "Urine drug screen" in counselor  # the day's dose, observation
    assert "Eligible" in counselor or "Needs review" in counselor  # the day's screening
    [read] = AuditEvent.objects.filter(patient_mrn=p.mrn, actor="cole.counselor", action="read")
    assert "counselling_notes" in read.detail
    nurse = login(Role.NURSE, "nina.nurse").get(url).content.decode()
    assert "Talked through the weekend plan." not in nurse
    assert "Counselling notes are not shown to your role." in nurse
    assert _reads(p.mrn, "nina.nurse") == ["patient_chart"]


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2026-13-01", "Enter a valid date"),
        ((TODAY + timedelta(days=1)).isoformat(), "is in the future"),
        ("1800-01-01", "between 1900-01-01 and 2099-12-31"),
    ],
)
def test_a_bad_visit_day_is_named_beside_its_field_and_nothing_read(day: str, message: str) -> None:
    p = started_on_injection("MRN-0704", TODAY - timedelta(days=3))
    nurse = login(Role.NURSE, "nina.nurse")
    r = nurse.get(f"/patients/{p.mrn}/print/visit/?day={day}")
    page = r.content.decode()
    assert r.status_code == 400 and message in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_day_error"' in page
    assert 'id="id_day_error"' in page and 'href="#id_day"' in page
    assert _reads(p.mrn, "nina.nurse") == []


def test_the_printed_plan_holds_the_whole_plan() -> None:
    p = started_on_injection("MRN-0705", TODAY - timedelta(days=3))
    plan = PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Back at work by spring.",
                     triggers="Payday Fridays", relapse_management="Call Sam, then the clinic.",
                     discontinuation_plan="Review at six months.")  # fmt: skip
    change_plan(p, plan, reason="first plan", actor=PRESCRIBER, at=at(TODAY))
    page = login(Role.NURSE, "nina.nurse").get(f"/patients/{p.mrn}/print/plan/").content.decode()
    for shown in ("Back at work by spring.", "Payday Fridays", "Call Sam, then the clinic.",
                  "Review at six months.", "Version"):  # fmt: skip
        assert shown in page, shown


def test_the_chart_links_to_each_printout_and_the_summary_prints_the_record() -> None:
    p = started_on_injection("MRN-0706", TODAY - timedelta(days=3))
    nurse = login(Role.NURSE, "nina.nurse")
    chart = nurse.get(f"/patients/{p.mrn}/").content.decode()
    for view in VIEWS:
        assert f'href="/patients/{p.mrn}/print/{view}/"' in chart, view
    summary = nurse.get(f"/patients/{p.mrn}/print/summary/").content.decode()
    assert "Chart summary" in summary and "Latest doses" in summary and "LOT-1" in summary
    assert "Timeline" in summary and "Screening history" in summary
