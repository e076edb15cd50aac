"""Intake's pages and JSON API (issue 15): the board, a new inquiry, the steps and the conversion on
the inquiry's page (the duplicate warning as registration shows it), the report, Today's section,
who sees what, and the API's answers and error shapes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.appointments.models import Appointment
from naltrack.intake.models import Inquiry
from naltrack.intake.services import (
    ConvertInput,
    InquiryInput,
    StepInput,
    convert,
    take_inquiry,
    take_step,
)
from naltrack.patients.models import Patient
from tests.integration.conftest import COORDINATOR, NOW, TODAY, login
from tests.integration.test_api import Api, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

FORM = {"given_name": "Ines", "family_name": "Pagecaller", "phone": "555-0199", "preferred_contact": "call",
        "what_for": "aud", "source": "primary_care", "referrer": "Dr. Ode", "birth_date": "1985-05-06",
        "sex_at_birth": "female", "email": "", "note": "Wants to start soon"}  # fmt: skip
DAY = (TODAY + timedelta(days=2)).isoformat()


def test_a_coordinator_takes_an_inquiry_through_the_pages_to_a_patient() -> None:
    c = login(Role.COORDINATOR, "cora.coordinator")
    login(Role.PRESCRIBER, "pat.prescriber")
    r = c.post("/intake/new/", FORM)
    q = Inquiry.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/intake/{q.pk}/"
    board = c.get("/intake/").content.decode()
    assert "Pagecaller, Ines" in board and "Mark contacted" in board
    assert c.post("/intake/", {"form": "contacted", "inquiry": q.pk}).status_code == 302
    assert c.post(f"/intake/{q.pk}/", {"form": "insurance_checked", "insurance_checked-pay_kind": "insurance",
                                        "insurance_checked-payer": "Aetna", "insurance_checked-member_id": "W123"}).status_code == 302  # fmt: skip
    assert c.post(f"/intake/{q.pk}/", {"form": "assessment_booked", "assessment_booked-assessment_on": DAY,
                                        "assessment_booked-assessment_time": "09:00"}).status_code == 302  # fmt: skip
    page = c.get(f"/intake/{q.pk}/").content.decode()
    assert "Assessment booked" in page and "member W123" in page and "Register the patient" in page
    r = c.post(f"/intake/{q.pk}/", {"form": "convert", "convert-prescriber": "pat.prescriber",
                                     "convert-what_for": "aud", "convert-birth_date": "1985-05-06",
                                     "convert-sex_at_birth": "female"})  # fmt: skip
    p = Patient.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/patients/{p.mrn}/"
    assert Appointment.objects.get(patient=p).kind == "assessment"


def test_bad_input_on_the_pages_is_shown_beside_the_field() -> None:
    c = login(Role.COORDINATOR, "cora.coordinator")
    page = c.post("/intake/new/", FORM | {"phone": "call me"}).content.decode()
    assert "is not a phone number" in page and not Inquiry.objects.exists()
    q = take_inquiry(
        InquiryInput("self", "Al", "Steps", "call", "oud", phone="555-0100"),
        actor=COORDINATOR,
        at=NOW,
    )
    page = c.post(
        f"/intake/{q.pk}/", {"form": "closed", "closed-close_reason": "other"}
    ).content.decode()
    assert "say why the inquiry is closed" in page
    q.refresh_from_db()
    assert q.status == "new"


def test_a_likely_duplicate_is_shown_on_conversion_and_nothing_is_registered() -> None:
    c = login(Role.COORDINATOR, "cora.coordinator")
    login(Role.PRESCRIBER, "pat.prescriber")
    data = InquiryInput("family", "Dee", "Twice", "call", "oud", phone="555-0123",
                        birth_date=TODAY - timedelta(days=10000), sex_at_birth="male")  # fmt: skip
    for _ in range(2):
        q = take_inquiry(data, actor=COORDINATOR, at=NOW)
        take_step(q.pk, StepInput(to="contacted"), actor=COORDINATOR, at=NOW)
    first = Inquiry.objects.order_by("id").first()
    assert first is not None
    convert(first.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    page = c.post(
        f"/intake/{q.pk}/",
        {"form": "convert", "convert-what_for": "oud", "convert-prescriber": "pat.prescriber"},
    ).content.decode()
    assert (
        "This person may already have a chart" in page
        and "Register as a new patient anyway" in page
    )
    assert Patient.objects.count() == 1


def test_roles_see_what_they_may() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    assert (
        nurse.get("/intake/").status_code == 403 and nurse.get("/intake/report/").status_code == 403
    )
    assert "/intake/" not in nurse.get("/").content.decode()
    director = login(Role.DIRECTOR, "dana.director")
    assert director.get("/intake/").status_code == 403
    assert director.get("/intake/report/").status_code == 200
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    assert 'href="/intake/"' in coordinator.get("/today/").content.decode()
    assert coordinator.get("/intake/999/").status_code == 404


def test_the_report_page_shows_the_numbers_and_refuses_a_bad_period() -> None:
    c = login(Role.DIRECTOR, "dana.director")
    take_inquiry(
        InquiryInput("court", "Al", "Report", "call", "oud", phone="555-0100"),
        actor=COORDINATOR,
        at=NOW,
    )
    page = c.get("/intake/report/").content.decode()
    assert "Court or probation" in page and "none started" in page
    bad = c.get(
        f"/intake/report/?start={TODAY.isoformat()}&end={(TODAY - timedelta(days=1)).isoformat()}"
    )
    assert "is before the start of the period" in bad.content.decode()


def test_today_shows_the_inquiries_to_call_back() -> None:
    c = login(Role.COORDINATOR, "cora.coordinator")
    take_inquiry(InquiryInput("self", "Old", "Caller", "call", "oud", phone="555-0100",
                              first_contact_at=NOW - timedelta(days=2)), actor=COORDINATOR, at=NOW)  # fmt: skip
    page = c.get("/today/").content.decode()
    assert "Inquiries to call back" in page and "Caller, Old" in page and "overdue" in page


# --- the API ----------------------------------------------------------------------------------


BODY = {"source": "hospital", "given_name": "Api", "family_name": "Caller", "preferred_contact": "call",
        "what_for": "oud", "phone": "555-0177", "birth_date": "1991-02-03", "sex_at_birth": "male"}  # fmt: skip


def test_the_api_takes_an_inquiry_through_to_a_patient() -> None:
    api = Api(token_for("cora.coordinator", Role.COORDINATOR))
    status, body = api.post("/intake/inquiries", BODY)
    assert (
        status == 201 and body["stage"] == "new" and [s["step"] for s in body["steps"]] == ["taken"]
    )
    pk = body["id"]
    for step in ({"to": "contacted"}, {"to": "insurance_checked", "pay_kind": "program", "payer": "State grant"},
                 {"to": "assessment_booked", "assessment_on": DAY, "assessment_time": "11:00"}):  # fmt: skip
        status, body = api.post(f"/intake/inquiries/{pk}/transition", step)
        assert status == 200, body
    assert body["stage"] == "assessment_booked" and body["payer"] == "State grant"
    status, body = api.post(f"/intake/inquiries/{pk}/convert", {})
    assert status == 201 and body["mrn"] and body["appointment_id"]
    assert api.get(f"/intake/inquiries/{pk}")[1]["mrn"] == body["mrn"]
    status, listed = api.get("/intake/inquiries?stage=assessment_booked")
    assert status == 200 and [q["id"] for q in listed] == [pk]


def _shape(body: Any, field: str) -> None:
    assert set(body) == {"message", "field"} and body["field"] == field and body["message"]


def test_the_api_errors_are_shaped_like_the_rest() -> None:
    api = Api(token_for("cora.coordinator", Role.COORDINATOR))
    status, body = api.post("/intake/inquiries", BODY | {"phone": "call me"})
    assert status == 400
    _shape(body, "phone")
    status, body = api.post("/intake/inquiries", BODY | {"source": "radio"})
    assert status == 400 and body["field"].endswith("source")
    assert not Inquiry.objects.exists()
    pk = api.post("/intake/inquiries", BODY)[1]["id"]
    status, body = api.post(
        f"/intake/inquiries/{pk}/transition", {"to": "assessment_booked", "assessment_on": DAY}
    )
    assert status == 409
    _shape(body, "to")
    status, body = api.post(f"/intake/inquiries/{pk}/convert", {})
    assert status == 409
    _shape(body, "status")
    status, body = api.get("/intake/inquiries/9999")
    assert status == 404
    nurse = Api(token_for("nina.nurse", Role.NURSE))
    assert nurse.get("/intake/inquiries")[0] == 403
    director = Api(token_for("dana.director", Role.DIRECTOR))
    status, body = director.get(f"/intake/report?start={TODAY.isoformat()}&end={TODAY.isoformat()}")
    assert status == 200 and body["overall"] == {"inquiries": 1, "started": 0, "median_days": None}


def test_a_full_column_shows_its_oldest_cards_and_says_how_many_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("naltrack.intake.services.BOARD_LIMIT", 2)
    for i, name in enumerate(("Ames", "Brook", "Cole", "Dunn")):
        take_inquiry(InquiryInput("self", "Kim", name, "call", "oud", phone=f"555-010{i}",
                                  first_contact_at=NOW - timedelta(hours=4 - i)),
                     actor=COORDINATOR, at=NOW)  # fmt: skip
    c = login(Role.COORDINATOR, "cora.coordinator")
    page = c.get("/intake/").content.decode()
    assert "New <span" in page and "(4)" in page
    assert "Ames, Kim" in page and "Brook, Kim" in page and "Dunn, Kim" not in page
    assert "The 2 oldest shown; 2 more at this step" in page and "?step=new" in page
    whole = c.get("/intake/?step=new").content.decode()
    assert all(f"{n}, Kim" in whole for n in ("Ames", "Brook", "Cole", "Dunn"))
    assert "Contacted" not in whole and "Back to the whole board" in whole
    bad = c.get("/intake/?step=lost")
    assert bad.status_code == 400 and "step: must be one of new" in bad.content.decode()
