"""Keeping a patient's details current after registration (issue 12): the details page and API,
by role, audited field by field with the value before and after, bad input refused by name with
nothing written, and two staff editing at once never silently overwriting each other."""

from __future__ import annotations

import dataclasses
import threading
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff, create_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.patients.details import details_of, update_details
from naltrack.patients.models import Patient
from naltrack.patients.services import DetailsInput
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import (
    CAST,
    COORDINATOR,
    NOW,
    NURSE,
    PASSWORD,
    PRESCRIBER,
    login,
    make_patient,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


@pytest.fixture
def patient() -> Patient:
    return make_patient("MRN-0300")


def _changed(p: Patient, **changes: Any) -> DetailsInput:
    return dataclasses.replace(details_of(p), **changes)


def test_a_change_is_saved_and_audited_field_by_field_with_before_and_after(
    patient: Patient,
) -> None:
    data = _changed(patient, phone="555-0199", address="12 Synthetic Street\nSpringfield",
                    support_person_name="Dee Sample", support_person_phone="555-0142")  # fmt: skip
    saved, changed = update_details("MRN-0300", data, version=1, actor=COORDINATOR, at=NOW)
    assert changed == ["phone", "address", "support_person_name", "support_person_phone"]
    assert (saved.phone, saved.version) == ("555-0199", 2)
    assert Patient.objects.get(pk=patient.pk).address == "12 Synthetic Street\nSpringfield"
    events = AuditEvent.objects.filter(patient_mrn="MRN-0300", object_type="patient_details")
    assert sorted(events.values_list("detail", flat=True)) == sorted([
        "phone: (empty) -> '555-0199'",
        "address: (empty) -> '12 Synthetic Street\\nSpringfield'",
        "support_person_name: (empty) -> 'Dee Sample'",
        "support_person_phone: (empty) -> '555-0142'",
    ])  # fmt: skip
    assert set(events.values_list("actor", "action")) == {("cora.coordinator", "update")}


def test_names_and_birth_date_are_corrected_with_their_old_values_kept_in_the_trail(
    patient: Patient,
) -> None:
    data = _changed(patient, given_name="Tess", birth_date=date(1985, 6, 2))
    update_details("MRN-0300", data, version=1, actor=PRESCRIBER, at=NOW)
    details = set(
        AuditEvent.objects.filter(object_type="patient_details").values_list("detail", flat=True)
    )
    assert details == {"given_name: 'Test' -> 'Tess'", "birth_date: 1985-06-01 -> 1985-06-02"}


def test_saving_nothing_new_writes_nothing(patient: Patient) -> None:
    _, changed = update_details("MRN-0300", details_of(patient), version=1, actor=NURSE, at=NOW)
    assert changed == [] and Patient.objects.get(pk=patient.pk).version == 1
    assert not AuditEvent.objects.filter(object_type="patient_details").exists()


def test_a_stale_version_is_refused_and_the_later_save_kept(patient: Patient) -> None:
    """Two staff opened version 1; the first saves; the second's save is refused, naming why."""
    update_details(
        "MRN-0300", _changed(patient, phone="555-0101"), version=1, actor=COORDINATOR, at=NOW
    )
    with pytest.raises(ConflictError) as err:
        update_details("MRN-0300", _changed(patient, phone="555-0202", email="t@example.org"),
                       version=1, actor=NURSE, at=NOW)  # fmt: skip
    assert err.value.field == "version" and "someone else saved" in err.value.message
    p = Patient.objects.get(pk=patient.pk)
    assert (p.phone, p.email, p.version) == ("555-0101", "", 2)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"given_name": "  "}, "given_name"),
        ({"family_name": ""}, "family_name"),
        ({"birth_date": date(2026, 11, 22)}, "birth_date"),
        ({"sex_at_birth": "unknown"}, "sex_at_birth"),
        ({"phone": "call me"}, "phone"),
        ({"support_person_phone": "x"}, "support_person_phone"),
        ({"email": "not-an-email"}, "email"),
        ({"preferred_reminder_channel": "email"}, "email"),
        ({"preferred_reminder_channel": "pigeon"}, "preferred_reminder_channel"),
        ({"address": "x" * 501}, "address"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(patient: Patient, change: dict[str, Any],
                                                      field: str) -> None:  # fmt: skip
    with pytest.raises(InputError) as err:
        update_details(
            "MRN-0300", _changed(patient, **change), version=1, actor=COORDINATOR, at=NOW
        )
    assert err.value.field == field
    assert Patient.objects.get(pk=patient.pk).version == 1
    assert not AuditEvent.objects.filter(object_type="patient_details").exists()


def test_roles_that_may_not_are_refused(patient: Patient) -> None:
    allowed = {"pat.prescriber", "nina.nurse", "cora.coordinator"}
    for actor in CAST:
        if actor.username in allowed:
            continue
        with pytest.raises(PermissionRefused):
            update_details(
                "MRN-0300", _changed(patient, phone="555-0101"), version=1, actor=actor, at=NOW
            )
    assert Patient.objects.get(pk=patient.pk).phone == ""


FORM = {"given_name": "Test", "family_name": "Patient MRN-0300", "birth_date": "1985-06-01",
        "sex_at_birth": "male", "phone": "555-0188", "email": "", "address": "1 Demo Road",
        "preferred_reminder_channel": "none", "support_person_name": "", "support_person_phone": "",
        "version": "1"}  # fmt: skip


def test_the_page_saves_and_goes_back_to_the_chart(patient: Patient) -> None:
    cora = login(Role.COORDINATOR, "cora.coordinator")
    form = cora.get("/patients/MRN-0300/details/").content.decode()
    assert 'name="version" value="1"' in form and 'name="address"' in form
    done = cora.post("/patients/MRN-0300/details/", FORM)
    assert done.status_code == 302 and done["Location"] == "/patients/MRN-0300/"
    p = Patient.objects.get(pk=patient.pk)
    assert (p.phone, p.address, p.version) == ("555-0188", "1 Demo Road", 2)
    assert "Edit details" in cora.get("/patients/MRN-0300/").content.decode()


def test_the_page_refuses_a_stale_save_and_keeps_what_was_typed(patient: Patient) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    update_details(
        "MRN-0300", _changed(patient, phone="555-0101"), version=1, actor=COORDINATOR, at=NOW
    )
    page = nurse.post(
        "/patients/MRN-0300/details/", FORM | {"address": "2 Typed Lane"}
    ).content.decode()
    assert "Someone else saved this patient&#x27;s details" in page
    assert "2 Typed Lane" in page and 'value="555-0188"' in page  # nothing typed is lost
    assert Patient.objects.get(pk=patient.pk).phone == "555-0101"


def test_the_page_shows_bad_input_beside_its_field_and_keeps_the_rest(patient: Patient) -> None:
    cora = login(Role.COORDINATOR, "cora.coordinator")
    page = cora.post("/patients/MRN-0300/details/", FORM | {"phone": "call me"}).content.decode()
    assert 'class="field-error"' in page and "is not a phone number" in page
    assert "1 Demo Road" in page
    assert Patient.objects.get(pk=patient.pk).version == 1


def test_the_page_is_refused_to_the_counselor_and_the_director(patient: Patient) -> None:
    for role, name in ((Role.COUNSELOR, "cole.counselor"), (Role.DIRECTOR, "dana.director")):
        assert login(role, name).post("/patients/MRN-0300/details/", FORM).status_code == 403
    assert Patient.objects.get(pk=patient.pk).version == 1


def test_the_api_edits_from_the_version_read_and_refuses_a_stale_one(patient: Patient) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    auth = {"Authorization": f"Bearer {create_token('cora.coordinator', at=NOW)}"}
    c = Client()
    body = {k: v for k, v in FORM.items() if k != "version"} | {"version": 1}
    done = c.put(
        "/api/patients/MRN-0300/details", body, content_type="application/json", headers=auth
    )
    assert done.status_code == 200, done.content
    assert done.json()["changed"] == ["phone", "address"] and done.json()["patient"]["version"] == 2
    stale = c.put("/api/patients/MRN-0300/details", body | {"phone": "555-0000"},
                  content_type="application/json", headers=auth)  # fmt: skip
    assert stale.status_code == 409 and stale.json()["field"] == "version"
    bad = c.put("/api/patients/MRN-0300/details", body | {"version": 2, "email": "nope"},
                content_type="application/json", headers=auth)  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "email"
    assert Patient.objects.get(pk=patient.pk).phone == "555-0188"
    missing = c.put(
        "/api/patients/MRN-9999/details", body, content_type="application/json", headers=auth
    )
    assert missing.status_code == 404


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("committed_data")
def test_two_saves_at_once_from_one_version_save_one_and_refuse_the_other() -> None:
    """Two staff save from version 1 at the same moment, each in its own thread and connection:
    exactly one save is kept, the other is refused as stale (SQLite and PostgreSQL)."""
    p = make_patient("MRN-0301")
    start = threading.Barrier(2)
    results: list[object] = [None, None]

    def save(i: int, phone: str) -> None:
        try:
            start.wait()
            results[i] = update_details("MRN-0301", _changed(p, phone=phone), version=1,
                                        actor=(COORDINATOR, NURSE)[i], at=NOW)  # fmt: skip
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(i, f"555-010{i}")) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [r for r in results if isinstance(r, ConflictError)]
    saved = [r for r in results if isinstance(r, tuple)]
    assert len(refused) == 1 and len(saved) == 1, results
    kept = Patient.objects.get(mrn="MRN-0301")
    assert kept.version == 2 and kept.phone == saved[0][0].phone
    assert AuditEvent.objects.filter(object_type="patient_details").count() == 1
