"""Care teams and break-the-glass (issue 10): a clinician outside a patient's care team opens the
chart only by stating why, for a limited time; the chart shows it, the director reviews it, the
patient's accounting lists it. Through the services, the pages and the API, with the clinic's
restriction on (the suite's default is off: tests/settings.py). The rule itself is tested in
tests/unit/test_chart_access.py."""

from __future__ import annotations

import csv
import dataclasses
import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.access import OutsideCareTeam
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.disclosure.services import accounting_csv, review
from naltrack.patients.careteam import (
    active_break_glass,
    add_to_care_team,
    break_glass,
    care_team,
    remove_from_care_team,
)
from naltrack.patients.models import BreakGlass, Patient
from naltrack.patients.services import read_patient
from tests.integration.conftest import (
    COORDINATOR,
    DIRECTOR,
    NOW,
    PASSWORD,
    PRESCRIBER,
    make_patient,
)

pytestmark = pytest.mark.django_db

REASON = "Covering the evening clinic for Nina; the patient is here for the injection now."
# Staff with accounts (the care team names existing staff): a nurse on the team, one who is not.
NINA = Actor(None, "nina.nurse", Role.NURSE, "10.0.0.8")
LOU = Actor(None, "lou.nurse", Role.NURSE, "10.0.0.13")


@pytest.fixture
def restricted(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(
        settings.CONFIG, care_team_required=True, break_glass_hours=4
    )


@pytest.fixture
def patient(restricted: None) -> Patient:
    for actor in (NINA, LOU):
        create_staff(actor.username, PASSWORD, Role.NURSE)
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    p = make_patient("MRN-0600")
    add_to_care_team(p, "nina.nurse", actor=COORDINATOR, at=NOW)
    return p


def events(kind: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=kind, patient_mrn="MRN-0600").order_by("id"))


# ---- services -------------------------------------------------------------------------------


def test_the_care_team_opens_the_chart_and_others_are_refused_and_audited(patient: Patient) -> None:
    assert read_patient(patient.mrn, actor=NINA, at=NOW) == patient
    with pytest.raises(OutsideCareTeam) as err:
        read_patient(patient.mrn, actor=LOU, at=NOW)
    assert "break the glass" in err.value.message and err.value.mrn == "MRN-0600"
    [refused] = events("patient_chart_refused")
    assert refused.actor == "lou.nurse"
    assert not AuditEvent.objects.filter(object_type="patient_chart", actor="lou.nurse").exists()
    # contact details (scheduling) stay open to every role that has them
    assert read_patient(patient.mrn, actor=LOU, at=NOW, what="contact") == patient


def test_joining_and_leaving_the_team(patient: Patient) -> None:
    add_to_care_team(patient, "lou.nurse", actor=PRESCRIBER, at=NOW)
    assert [m.username for m in care_team(patient)] == ["lou.nurse", "nina.nurse"]
    assert read_patient(patient.mrn, actor=LOU, at=NOW) == patient
    remove_from_care_team(patient, "lou.nurse", actor=COORDINATOR, at=NOW)
    with pytest.raises(OutsideCareTeam):
        read_patient(patient.mrn, actor=LOU, at=NOW + timedelta(minutes=1))
    assert [e.action for e in events("care_team_member")] == ["create", "create", "update"]
    # the row is kept, with who took them off and when
    assert patient.care_team.filter(username="lou.nurse", removed_by="cora.coordinator").exists()


@pytest.mark.parametrize(
    ("username", "error", "words"),
    [("nobody.here", InputError, "no active staff member"),
     ("cora.coordinator", InputError, "does not read charts"),
     ("nina.nurse", ConflictError, "already on this care team")],
)  # fmt: skip
def test_the_team_names_clinicians_once(patient: Patient, username: str, error: type[Exception], words: str) -> None:  # fmt: skip
    with pytest.raises(error) as err:
        add_to_care_team(patient, username, actor=COORDINATOR, at=NOW)
    assert words in str(err.value)
    assert patient.care_team.count() == 1


def test_taking_off_someone_not_on_the_team_is_refused(patient: Patient) -> None:
    with pytest.raises(NotFoundError):
        remove_from_care_team(patient, "lou.nurse", actor=COORDINATOR, at=NOW)


def test_break_the_glass_opens_the_chart_for_four_hours(patient: Patient) -> None:
    g = break_glass(patient, REASON, actor=LOU, at=NOW)
    assert g.ends_at == NOW + timedelta(hours=4) and g.role == "nurse"
    assert read_patient(patient.mrn, actor=LOU, at=NOW + timedelta(hours=3, minutes=59)) == patient
    with pytest.raises(OutsideCareTeam):
        read_patient(patient.mrn, actor=LOU, at=NOW + timedelta(hours=4))
    assert active_break_glass(patient, NOW) == [g]
    assert active_break_glass(patient, NOW + timedelta(hours=4)) == []
    [made] = events("break_glass")
    assert made.action == "create" and REASON in made.detail
    [read] = events("patient_chart")
    assert read.actor == "lou.nurse" and read.detail.startswith(
        "break the glass: break-the-glass access until"
    )


def test_break_the_glass_needs_a_reason_and_someone_outside_the_team(patient: Patient) -> None:
    with pytest.raises(InputError) as err:
        break_glass(patient, "urgent", actor=LOU, at=NOW)
    assert err.value.field == "reason"
    with pytest.raises(ConflictError):
        break_glass(patient, REASON, actor=NINA, at=NOW)  # on the team: nothing to break
    assert not BreakGlass.objects.exists() and not events("break_glass")


def test_the_director_reviews_it_and_the_accounting_lists_it(patient: Patient) -> None:
    break_glass(patient, REASON, actor=LOU, at=NOW)
    r = review(actor=DIRECTOR, at=NOW)
    assert [(g.username, g.reason) for g in r.break_glass] == [("lou.nurse", REASON)]
    [event] = AuditEvent.objects.filter(object_type="disclosure_review")
    assert "MRN-0600" in event.detail
    table = list(csv.DictReader(io.StringIO(accounting_csv(patient, actor=COORDINATOR, at=NOW))))
    assert [(row["kind"], row["recipient"], row["emergency"]) for row in table] == [("break_glass", "lou.nurse", REASON)]  # fmt: skip


# ---- pages -------------------------------------------------------------------------------------


def client(username: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": username, "password": PASSWORD}).status_code == 302
    return c


def test_the_break_glass_form_then_the_flagged_chart(patient: Patient, fixed_today: None) -> None:
    lou = client("lou.nurse")
    chart = f"/patients/{patient.mrn}/"
    to_form = lou.get(chart)
    assert to_form.status_code == 302
    assert (
        to_form["Location"]
        == f"/patients/{patient.mrn}/break-glass/?next=%2Fpatients%2FMRN-0600%2F"
    )
    form = lou.get(to_form["Location"])
    page = form.content.decode()
    assert form.status_code == 200 and "You are not on this patient's care team" in page
    assert "for <strong>4 hours</strong>" in page
    short = lou.post(to_form["Location"], {"reason": "urgent", "next": chart})
    assert short.status_code == 200 and "in a sentence" in short.content.decode()
    assert not BreakGlass.objects.exists()
    done = lou.post(to_form["Location"], {"reason": REASON, "next": chart})
    assert done.status_code == 302 and done["Location"] == chart
    flagged = lou.get(chart).content.decode()
    assert "Opened outside the care team (break-the-glass)" in flagged and REASON in flagged
    # every page of the record opens now, not only the chart
    assert lou.get(f"/patients/{patient.mrn}/medications/").status_code == 200
    # the team sees the flag too
    assert "Opened outside the care team" in client("nina.nurse").get(chart).content.decode()
    accounting_page = lou.get(f"/patients/{patient.mrn}/disclosures/").content.decode()
    assert "Chart opened outside the care team" in accounting_page and REASON in accounting_page
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    review_page = client("dana.director").get("/disclosures/").content.decode()
    assert REASON in review_page and "lou.nurse" in review_page


def test_the_form_never_sends_anyone_to_another_site(patient: Patient) -> None:
    lou = client("lou.nurse")
    done = lou.post(
        f"/patients/{patient.mrn}/break-glass/", {"reason": REASON, "next": "//evil.example/x"}
    )
    assert done.status_code == 302 and done["Location"] == f"/patients/{patient.mrn}/"


def test_the_care_team_goes_straight_to_the_chart(patient: Patient) -> None:
    nina = client("nina.nurse")
    assert nina.get(f"/patients/{patient.mrn}/").status_code == 200
    assert nina.get(f"/patients/{patient.mrn}/break-glass/?next=/patients/MRN-0600/")["Location"] == "/patients/MRN-0600/"  # fmt: skip


def test_a_coordinator_still_sees_contact_details_only(patient: Patient) -> None:
    cora = client("cora.coordinator")
    assert cora.get(f"/patients/{patient.mrn}/").status_code == 200  # the contact page
    assert cora.get(f"/patients/{patient.mrn}/break-glass/").status_code == 403


# ---- API ----------------------------------------------------------------------------------------


def test_api_answers_403_with_the_way_in_then_opens(patient: Patient) -> None:
    c = Client()
    lou = {"Authorization": f"Bearer {create_token('lou.nurse', at=NOW)}"}
    refused = c.get(f"/api/patients/{patient.mrn}", headers=lou)
    assert refused.status_code == 403
    assert refused.json()["field"] == "reason"
    assert f"POST /api/patients/{patient.mrn}/break-glass" in refused.json()["message"]
    bad = c.post(f"/api/patients/{patient.mrn}/break-glass", {"reason": "urgent"}, content_type="application/json", headers=lou)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    made = c.post(f"/api/patients/{patient.mrn}/break-glass", {"reason": REASON}, content_type="application/json", headers=lou)  # fmt: skip
    assert made.status_code == 201 and made.json()["reason"] == REASON
    assert c.get(f"/api/patients/{patient.mrn}", headers=lou).status_code == 200
    assert c.get(f"/api/patients/{patient.mrn}/medications", headers=lou).status_code == 200


def test_the_care_team_page_adds_and_takes_off_members(patient: Patient) -> None:
    cora = client("cora.coordinator")
    url = f"/patients/{patient.mrn}/care-team/"
    page = cora.get(url).content.decode()
    assert "nina.nurse" in page and "lou.nurse" in page  # a member, and a choice to add
    assert "cora.coordinator" not in page.split("Add to the care team")[1]  # only clinicians
    bad = cora.post(url, {"form": "add", "username": "cora.coordinator"})
    assert bad.status_code == 200 and "Select a valid choice" in bad.content.decode()
    assert cora.post(url, {"form": "add", "username": "lou.nurse"}).status_code == 302
    assert read_patient(patient.mrn, actor=LOU, at=NOW) == patient
    assert cora.post(url, {"form": "remove", "username": "lou.nurse"}).status_code == 302
    assert [m.username for m in care_team(patient)] == ["nina.nurse"]
    # nurses see the team; they do not change it
    nina = client("nina.nurse")
    assert "Take off the team" not in nina.get(url).content.decode()
    assert nina.post(url, {"form": "add", "username": "lou.nurse"}).status_code == 403
    assert [m.username for m in care_team(patient)] == ["nina.nurse"]
