"""Issue 10: the care team is named at registration (page and API), so that the prescriber who
starts a new patient opens the chart without breaking the glass; a bad name is refused beside its
field and nothing is written; a registration naming nobody (API clients, imports) is still
allowed and leaves the patient on every clinician's list, marked."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.patients.careteam import care_team, registration_team_choices
from naltrack.patients.models import CareTeamMember, Patient
from naltrack.patients.services import PatientInput, read_patient, register_patient
from tests.integration.conftest import COORDINATOR, NOW, PASSWORD, TODAY

pytestmark = pytest.mark.django_db

PAT = Actor(None, "pat.prescriber", Role.PRESCRIBER, None)
BASE = PatientInput(mrn="MRN-7001", given_name="Robin", family_name="Sample",
                    birth_date=date(1990, 3, 4), sex_at_birth="female")  # fmt: skip


@pytest.fixture
def staff(settings: Any) -> None:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)
    for name, role in (("pat.prescriber", Role.PRESCRIBER), ("pia.prescriber", Role.PRESCRIBER),
                       ("nina.nurse", Role.NURSE), ("cole.counselor", Role.COUNSELOR),
                       ("cora.coordinator", Role.COORDINATOR), ("old.prescriber", Role.PRESCRIBER)):  # fmt: skip
        create_staff(name, PASSWORD, role)
    User.objects.filter(username="old.prescriber").update(is_active=False)


@pytest.mark.parametrize(
    ("team", "field", "words"),
    [
        ({"nurse": "nina.nurse"}, "prescriber", "is required"),
        ({"counselor": "cole.counselor"}, "prescriber", "is required"),
        ({"prescriber": "nobody"}, "prescriber", "no active staff member"),
        ({"prescriber": "old.prescriber"}, "prescriber", "no active staff member"),  # disabled
        ({"prescriber": "nina.nurse"}, "prescriber", "is a nurse, not a prescriber"),
        ({"prescriber": "cora.coordinator"}, "prescriber", "is a care coordinator, not a prescriber"),
        ({"prescriber": "pat.prescriber", "nurse": "cole.counselor"}, "nurse", "is a counselor, not a nurse"),
        ({"prescriber": "pat.prescriber", "counselor": "pia.prescriber"}, "counselor", "not a counselor"),
    ],
)  # fmt: skip
def test_a_bad_team_is_named_by_its_field_and_nothing_is_written(
    staff: None, team: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(InputError) as refused:
        register_patient(dataclasses.replace(BASE, **team), actor=COORDINATOR, at=NOW)
    assert refused.value.field == field and words in str(refused.value)
    assert not Patient.objects.exists() and not CareTeamMember.objects.exists()
    assert not AuditEvent.objects.filter(object_type__in=("patient", "care_team_member")).exists()


@pytest.mark.parametrize(
    ("team", "members"),
    [
        ({"prescriber": "pat.prescriber"}, ["pat.prescriber"]),
        ({"prescriber": "pat.prescriber", "nurse": "nina.nurse", "counselor": "cole.counselor"},
         ["cole.counselor", "nina.nurse", "pat.prescriber"]),
        ({}, []),  # named by nobody (an API client, an import): allowed, on every list, marked
    ],
)  # fmt: skip
def test_the_named_team_is_on_the_record_and_audited(
    staff: None, team: dict[str, Any], members: list[str]
) -> None:
    p = register_patient(dataclasses.replace(BASE, **team), actor=COORDINATOR, at=NOW)
    assert [m.username for m in care_team(p)] == members
    assert all(m.added_by == "cora.coordinator" and m.added_at == NOW for m in care_team(p))
    joined = AuditEvent.objects.filter(object_type="care_team_member", patient_mrn=p.mrn)
    assert sorted(e.detail for e in joined) == [f"{m} joins the care team" for m in members]


def test_the_prescriber_named_at_registration_opens_the_chart_without_breaking_the_glass(
    staff: None,
) -> None:
    p = register_patient(dataclasses.replace(BASE, prescriber="pat.prescriber"), actor=COORDINATOR, at=NOW)  # fmt: skip
    assert read_patient(p.mrn, actor=PAT, at=NOW) == p
    assert not p.break_glass.exists()


def test_the_choices_are_the_active_staff_of_each_role(staff: None) -> None:
    choices = registration_team_choices()
    assert [u for u, _ in choices["prescriber"]] == ["pat.prescriber", "pia.prescriber"]
    assert [u for u, _ in choices["nurse"]] == ["nina.nurse"]
    assert [u for u, _ in choices["counselor"]] == ["cole.counselor"]


# ---- the page and the API ----------------------------------------------------------------------

FORM = {
    "mrn": "MRN-7002", "given_name": "Robin", "family_name": "Sample", "birth_date": "1990-03-04",
    "sex_at_birth": "female", "phone": "", "email": "", "preferred_reminder_channel": "none",
    "support_person_name": "", "support_person_phone": "", "indications": ["OUD"], "start_date": str(TODAY),
}  # fmt: skip


def _cora() -> Client:
    c = Client()
    assert (
        c.post("/login/", {"username": "cora.coordinator", "password": PASSWORD}).status_code == 302
    )
    return c


@pytest.mark.parametrize(
    ("team", "field_error"),
    [
        ({}, "Choose the prescriber who will start treatment (required)."),
        ({"prescriber": "nina.nurse"}, "Select a valid choice"),  # not offered: the wrong role
        ({"prescriber": "old.prescriber"}, "Select a valid choice"),  # not offered: disabled
        ({"prescriber": "pat.prescriber", "nurse": "pat.prescriber"}, "Select a valid choice"),
    ],
)
def test_the_page_refuses_a_registration_without_a_prescriber(
    staff: None, fixed_today: None, team: dict[str, str], field_error: str
) -> None:
    page = _cora().post("/register/", FORM | team)
    assert page.status_code == 200
    assert field_error in page.content.decode() and 'class="field-error"' in page.content.decode()
    assert not Patient.objects.exists()


def test_the_page_registers_with_the_team(staff: None, fixed_today: None) -> None:
    cora = _cora()
    form = cora.get("/register/").content.decode()
    assert 'name="prescriber"' in form and "pia.prescriber" in form
    assert "old.prescriber" not in form  # disabled: not offered
    done = cora.post("/register/", FORM | {"prescriber": "pat.prescriber", "nurse": "nina.nurse"})
    assert done.status_code == 302
    p = Patient.objects.get(family_name="Sample")  # its MRN assigned by naltrack
    assert [m.username for m in care_team(p)] == ["nina.nurse", "pat.prescriber"]


def test_the_api_names_the_team_or_nobody(staff: None) -> None:
    c = Client()
    auth = {"Authorization": f"Bearer {create_token('cora.coordinator', at=NOW)}"}
    body = {"mrn": "MRN-7003", "given_name": "Robin", "family_name": "Sample",
            "birth_date": "1990-03-04", "sex_at_birth": "female"}  # fmt: skip
    bad = c.post("/api/patients", body | {"nurse": "nina.nurse"}, content_type="application/json", headers=auth)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "prescriber"
    assert not Patient.objects.exists()
    made = c.post("/api/patients", body | {"prescriber": "pat.prescriber"}, content_type="application/json", headers=auth)  # fmt: skip
    assert made.status_code == 201
    assert [m.username for m in care_team(Patient.objects.get(mrn="MRN-7003"))] == [
        "pat.prescriber"
    ]
    # The same name and birth date again: registered only with a reason (test_duplicates.py).
    other = {"mrn": "MRN-7004", "duplicate_reason": "Her cousin: same name, another person."}
    bare = c.post("/api/patients", body | other, content_type="application/json", headers=auth)  # fmt: skip
    assert bare.status_code == 201 and not care_team(Patient.objects.get(mrn="MRN-7004"))
