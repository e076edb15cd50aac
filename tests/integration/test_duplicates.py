"""Duplicate detection at registration (issue 12): the same name and birth date, the same phone, or
a similar name born the same day (or nearly) is offered the existing chart; registering anyway needs
a reason, which is audited. The page, the API (409 listing the charts, and a reason to proceed)
and the rules themselves (patients/matching.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.patients.identity import possible_duplicates
from naltrack.patients.matching import (
    Person,
    Reason,
    birth_dates_close,
    match_reasons,
    name_similarity,
    normalise_name,
    normalise_phone,
)
from naltrack.patients.models import Patient
from naltrack.patients.services import DuplicateSuspected, PatientInput, register_patient
from tests.integration.conftest import COORDINATOR, NOW, PASSWORD, TODAY, login

pytestmark = pytest.mark.django_db

BORN = date(1990, 3, 4)
ROBIN = PatientInput("", "Robin", "Sample", BORN, "female", phone="+1 (555) 010-0100")


@pytest.fixture
def robin() -> Patient:
    return register_patient(ROBIN, actor=COORDINATOR, at=NOW)


# ---- the rules -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "plain"),
    [("  José-María  O'Neil ", "josemaria oneil"), ("ROBIN", "robin"), ("Zoë", "zoe"), ("", "")],
)
def test_names_are_compared_without_case_accents_or_punctuation(raw: str, plain: str) -> None:
    assert normalise_name(raw) == plain


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("+1 (555) 010-0100", "5550100100"), ("555-0100", "5550100"), ("010-01", ""), ("", "")],
)
def test_phones_are_compared_by_their_last_ten_digits(raw: str, digits: str) -> None:
    assert normalise_phone(raw) == digits


@pytest.mark.parametrize(
    ("given", "family", "born", "phone", "reasons"),
    [
        ("robin", "SAMPLE", BORN, "", [Reason.SAME_NAME_AND_BIRTH_DATE]),
        ("Robyn", "Sample", BORN, "", [Reason.SIMILAR_NAME]),
        ("Sample", "Robin", BORN, "", [Reason.SIMILAR_NAME]),  # the names in the wrong boxes
        ("Robin", "Sampel", date(1990, 4, 3), "", [Reason.SIMILAR_NAME]),  # day and month swapped
        ("Robin", "Sample", date(1990, 3, 5), "", [Reason.SIMILAR_NAME]),  # one digit off
        ("Robin", "Sample", date(1991, 3, 4), "", []),  # another year: another person
        ("Robin", "Sample", date(1990, 8, 9), "", []),
        ("Kim", "Other", date(1970, 1, 1), "555 010 0100", [Reason.SAME_PHONE]),
        (
            "Robin",
            "Sample",
            BORN,
            "5550100100",
            [Reason.SAME_NAME_AND_BIRTH_DATE, Reason.SAME_PHONE],
        ),
        ("Robert", "Simmons", BORN, "", []),  # the same birthday is not enough
    ],
)
def test_the_match_rules(
    given: str, family: str, born: date, phone: str, reasons: list[str]
) -> None:
    new = Person(given, family, born, phone)
    assert match_reasons(new, Person("Robin", "Sample", BORN, "+1 (555) 010-0100")) == reasons


def test_similarity_and_birth_date_boundaries() -> None:
    assert name_similarity(Person("Jon", "Smith", BORN), Person("John", "Smith", BORN)) >= 0.85
    assert name_similarity(Person("Joan", "Smyth", BORN), Person("John", "Smith", BORN)) < 0.85
    assert birth_dates_close(date(1990, 3, 4), date(1990, 3, 4))
    assert birth_dates_close(date(1990, 12, 1), date(1990, 1, 12))
    assert birth_dates_close(date(1990, 3, 4), date(1990, 3, 14))
    assert not birth_dates_close(date(1990, 3, 4), date(1990, 3, 15))
    assert not birth_dates_close(date(1990, 3, 4), date(1989, 3, 4))


# ---- the use case --------------------------------------------------------------------------------


def test_a_second_registration_of_one_person_is_refused_with_the_chart_named(
    robin: Patient,
) -> None:
    with pytest.raises(DuplicateSuspected) as err:
        register_patient(ROBIN, actor=COORDINATOR, at=NOW, check_duplicates=True)
    assert [c.mrn for c in err.value.candidates] == [robin.mrn]
    assert err.value.candidates[0].reasons == (Reason.SAME_NAME_AND_BIRTH_DATE, Reason.SAME_PHONE)
    assert err.value.field == "duplicate_reason" and robin.mrn in err.value.message
    assert Patient.objects.count() == 1


def test_registering_anyway_needs_a_reason_and_audits_it(robin: Patient) -> None:
    with pytest.raises(InputError) as err:
        register_patient(
            ROBIN, actor=COORDINATOR, at=NOW, check_duplicates=True, duplicate_reason="no"
        )
    assert err.value.field == "duplicate_reason" and Patient.objects.count() == 1
    twin = register_patient(ROBIN, actor=COORDINATOR, at=NOW, check_duplicates=True,
                            duplicate_reason="Her twin sister: same name at birth, another person.")  # fmt: skip
    event = AuditEvent.objects.get(object_type="patient_despite_duplicates")
    assert event.patient_mrn == twin.mrn and event.actor == "cora.coordinator"
    assert (
        event.detail
        == f"possible duplicates {robin.mrn}: Her twin sister: same name at birth, another person."
    )


def test_merged_charts_and_other_people_are_not_offered(robin: Patient) -> None:
    other = register_patient(
        PatientInput("", "Kim", "Other", BORN, "male"), actor=COORDINATOR, at=NOW
    )
    assert [c.mrn for c in possible_duplicates("Kim", "Other", BORN)] == [other.mrn]
    Patient.objects.filter(pk=other.pk).update(merged_into=robin)
    assert possible_duplicates("Kim", "Other", BORN) == []


# ---- the page and the API ------------------------------------------------------------------------

FORM = {
    "given_name": "Robin", "family_name": "Sample", "birth_date": "1990-03-04", "sex_at_birth": "female",
    "phone": "", "email": "", "address": "", "preferred_reminder_channel": "none",
    "support_person_name": "", "support_person_phone": "", "indications": ["OUD"],
    "start_date": str(TODAY), "prescriber": "pat.prescriber",
}  # fmt: skip


def test_the_page_offers_the_existing_chart_and_keeps_what_was_typed(
    robin: Patient, fixed_today: None
) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    cora = login(Role.COORDINATOR, "cora.coordinator")
    page = cora.post("/register/", FORM | {"address": "9 Typed Road"}).content.decode()
    assert "This person may already have a chart" in page
    assert f'href="/patients/{robin.mrn}/"' in page and "same name and birth date" in page
    assert "9 Typed Road" in page and 'value="Robin"' in page
    short = cora.post("/register/", FORM | {"duplicate_reason": "twin"}).content.decode()
    assert "say in a few words why this is not the same person" in short
    assert Patient.objects.count() == 1
    done = cora.post(
        "/register/", FORM | {"duplicate_reason": "Her cousin, named after the same aunt."}
    )
    assert done.status_code == 302 and Patient.objects.count() == 2


def test_the_api_answers_409_with_the_charts_and_proceeds_with_a_reason(robin: Patient) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    auth = {"Authorization": f"Bearer {create_token('cora.coordinator', at=NOW)}"}
    body = {
        "given_name": "Robyn",
        "family_name": "Sample",
        "birth_date": "1990-03-04",
        "sex_at_birth": "female",
    }
    c = Client()
    refused = c.post("/api/patients", body, content_type="application/json", headers=auth)
    assert refused.status_code == 409
    assert refused.json()["field"] == "duplicate_reason"
    assert refused.json()["candidates"] == [{
        "mrn": robin.mrn, "given_name": "Robin", "family_name": "Sample", "birth_date": "1990-03-04",
        "phone": "+1 (555) 010-0100", "reasons": ["similar name and birth date"],
    }]  # fmt: skip
    made = c.post("/api/patients", body | {"duplicate_reason": "Robyn is Robin's sister, checked ID."},
                  content_type="application/json", headers=auth)  # fmt: skip
    assert made.status_code == 201 and made.json()["mrn"] != robin.mrn
