"""The record pages (registration, episodes, assessment, medications and allergies, side effects,
orders, implants, appointments, counselling entry): each writes through its service, shows bad
input beside the field and writes nothing, and refuses a role that may only read."""

from __future__ import annotations

from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.appointments.models import Appointment
from naltrack.appointments.services import book_appointment
from naltrack.audit.models import AuditEvent
from naltrack.counselling.models import CounsellingSession
from naltrack.monitoring.models import SideEffect
from naltrack.monitoring.services import follow_up_side_effect, record_side_effect
from naltrack.patients.models import Allergy, Assessment, Episode, MedicationEntry, Patient
from naltrack.patients.records import add_medication
from naltrack.treatment.models import Implant, Order
from naltrack.treatment.services import discontinue
from tests.integration.conftest import (
    COORDINATOR,
    NURSE,
    PASSWORD,
    PRESCRIBER,
    TODAY,
    at,
    login,
    make_patient,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

REGISTRATION = {
    "given_name": "Robin", "family_name": "Sample", "birth_date": "1990-03-04",
    "sex_at_birth": "female", "phone": "+1 555 0100", "email": "", "preferred_reminder_channel": "sms",
    "support_person_name": "", "support_person_phone": "", "indications": ["OUD"], "start_date": str(TODAY),
    "prescriber": "pat.prescriber",
}  # fmt: skip


def test_a_coordinator_registers_a_patient_with_the_first_episode() -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    r = coordinator.post("/register/", REGISTRATION)
    p = Patient.objects.get(family_name="Sample")
    assert p.mrn == "NT-000001-8"  # assigned by naltrack: the clinic's prefix and a check digit
    assert r.status_code == 302 and r["Location"] == "/patients/NT-000001-8/"
    episode = p.episodes.get()
    assert (episode.treats_oud, episode.treats_aud, episode.start_date) == (True, False, TODAY)
    assert set(AuditEvent.objects.filter(patient_mrn=p.mrn).values_list("object_type", flat=True)) >= {
        "patient", "episode"}  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"indications": []}, "indications", "This field is required"),
        ({"start_date": str(TODAY + timedelta(days=3))}, "start_date", "is in the future"),
        ({"phone": ""}, "phone", "text reminders need a phone number"),
        ({"prescriber": ""}, "prescriber", "Choose the prescriber who will start treatment"),
    ],
)
def test_bad_registration_shows_beside_the_field_and_writes_no_patient(
    change: dict[str, object], field: str, message: str
) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    page = coordinator.post("/register/", REGISTRATION | change).content.decode()
    assert message in page and 'class="field-error"' in page
    assert not Patient.objects.exists() and not Episode.objects.exists()


def test_registration_is_refused_to_a_nurse_and_a_second_chart_of_one_person_is_offered() -> None:
    assert login(Role.NURSE, "nina.nurse").post("/register/", REGISTRATION).status_code == 403
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    assert prescriber.post("/register/", REGISTRATION).status_code == 302
    page = prescriber.post("/register/", REGISTRATION).content.decode()
    assert "This person may already have a chart" in page and "/patients/NT-000001-8/" in page
    assert Patient.objects.count() == 1


def test_a_new_episode_opens_only_after_the_last_one_ended() -> None:
    p = make_patient("MRN-5002")
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    form = {"indications": ["AUD"], "start_date": str(TODAY)}
    page = coordinator.post("/patients/MRN-5002/episodes/", form).content.decode()
    assert "the patient already has an active episode" in page
    discontinue(
        p, reason="moved away", on=TODAY - timedelta(days=1), actor=PRESCRIBER, at=at(TODAY)
    )
    assert coordinator.post("/patients/MRN-5002/episodes/", form).status_code == 302
    assert p.episodes.filter(status="active", treats_aud=True).exists()


def test_the_assessment_counts_the_criteria_and_a_counselor_may_only_read() -> None:
    make_patient("MRN-5003")
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    form = {"assessed_on": str(TODAY), "substance": "OUD",
            "dsm5_criteria": ["craving", "tolerance", "withdrawal", "cut_down"],
            "last_opioid_use": str(TODAY - timedelta(days=3)), "last_opioid_kind": "fentanyl"}  # fmt: skip
    assert prescriber.post("/patients/MRN-5003/assessment/", form).status_code == 302
    page = prescriber.get("/patients/MRN-5003/assessment/").content.decode()
    assert "4 of 11 criteria, moderate use disorder" in page and "Craving; Tolerance" in page
    bad = prescriber.post("/patients/MRN-5003/assessment/", form | {"last_opioid_kind": ""})
    assert "say which kind of opioid" in bad.content.decode()
    counselor = login(Role.COUNSELOR, "cole.counselor")
    assert counselor.get("/patients/MRN-5003/assessment/").status_code == 200
    assert (
        "Record the assessment"
        not in counselor.get("/patients/MRN-5003/assessment/").content.decode()
    )
    assert counselor.post("/patients/MRN-5003/assessment/", form).status_code == 403
    assert Assessment.objects.count() == 1


def test_medications_are_added_and_stopped_and_allergies_shown_in_the_chart_header() -> None:
    p = make_patient("MRN-5004")
    nurse = login(Role.NURSE, "nina.nurse")
    url = "/patients/MRN-5004/medications/"
    assert (
        nurse.post(
            url, {"form": "medication", "med-name": "sertraline 50 mg", "med-rxnorm": "312940"}
        ).status_code
        == 302
    )
    assert (
        nurse.post(
            url, {"form": "allergy", "allergy-substance": "penicillin", "allergy-reaction": "rash"}
        ).status_code
        == 302
    )
    entry = MedicationEntry.objects.get(patient=p)
    r = nurse.post(
        url, {"form": "stop", "stop-medication": entry.pk, "stop-stopped_on": str(TODAY)}
    )
    assert r.status_code == 302
    entry.refresh_from_db()
    assert entry.stopped_on == TODAY
    assert "penicillin" in nurse.get("/patients/MRN-5004/").content.decode()
    # bad input: named, nothing written
    page = nurse.post(
        url, {"form": "medication", "med-name": "x", "med-rxnorm": "12a"}
    ).content.decode()
    assert "an RxNorm code is digits only" in page
    assert MedicationEntry.objects.count() == 1 and Allergy.objects.count() == 1


def test_a_medication_of_another_patient_cannot_be_stopped_from_this_page() -> None:
    make_patient("MRN-5005")
    other = make_patient("MRN-5006")
    theirs = add_medication(other, name="methadone", actor=PRESCRIBER, at=at(TODAY))
    nurse = login(Role.NURSE, "nina.nurse")
    page = nurse.post("/patients/MRN-5005/medications/",
                      {"form": "stop", "stop-medication": theirs.pk, "stop-stopped_on": str(TODAY)})  # fmt: skip
    assert "Medication: no medication entry has this id" in page.content.decode()
    theirs.refresh_from_db()
    assert theirs.stopped_on is None


def test_an_injection_site_reaction_is_tied_to_the_injection_and_followed_up_to_resolution() -> (
    None
):
    p = started_on_injection("MRN-5007", TODAY - timedelta(days=5))
    nurse = login(Role.NURSE, "nina.nurse")
    url = "/patients/MRN-5007/side-effects/"
    r = nurse.post(url, {"form": "new", "new-kind": "injection_site", "new-severity": "moderate",
                         "new-noted_on": str(TODAY - timedelta(days=3)), "new-description": "induration 3 cm"})  # fmt: skip
    assert r.status_code == 302
    effect = SideEffect.objects.get(patient=p)
    assert effect.administration is not None
    assert effect.administration.given_on == TODAY - timedelta(days=5)
    assert effect.follow_up_due == TODAY + timedelta(days=4)  # a week after it was noted
    # not resolved and no next date: refused, named, nothing changed
    page = nurse.post(url, {"form": "follow", "follow-side_effect": effect.pk, "follow-on": str(TODAY),
                            "follow-note": "smaller, 2 cm"}).content.decode()  # fmt: skip
    assert "Next follow-up: give the next follow-up date" in page
    effect.refresh_from_db()
    assert effect.follow_up_note == "" and effect.resolved_on is None
    r = nurse.post(url, {"form": "follow", "follow-side_effect": effect.pk, "follow-on": str(TODAY),
                         "follow-note": "healed", "follow-resolved": "on"})  # fmt: skip
    assert r.status_code == 302
    effect.refresh_from_db()
    assert effect.resolved_on == TODAY and effect.follow_up_due is None
    assert effect.follow_up_note == f"{TODAY} nina.nurse: healed"
    assert login(Role.COUNSELOR, "cole.counselor").post(url, {"form": "new"}).status_code == 403


def test_a_resolved_side_effect_cannot_be_followed_up_again() -> None:
    p = make_patient("MRN-5008")
    effect = record_side_effect(
        p, kind="nausea", severity="mild", noted_on=TODAY, actor=NURSE, at=at(TODAY)
    )
    nurse = login(Role.NURSE, "nina.nurse")
    form = {"form": "follow", "follow-side_effect": effect.pk, "follow-on": str(TODAY),
            "follow-note": "gone", "follow-resolved": "on"}  # fmt: skip
    assert nurse.post("/patients/MRN-5008/side-effects/", form).status_code == 302
    page = nurse.post("/patients/MRN-5008/side-effects/", form).content.decode()
    assert f"was resolved on {TODAY}" in page


def test_a_prescriber_signs_an_order_that_replaces_the_active_one() -> None:
    make_patient("MRN-5009")
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    url = "/patients/MRN-5009/orders/"
    form = {"formulation": "oral", "regimen": "oral_daily", "dose_mg": "50"}
    assert prescriber.post(url, form).status_code == 302
    assert prescriber.post(url, form | {"formulation": "xr_injection", "regimen": "xr_injection",
                                        "dose_mg": "380"}).status_code == 302  # fmt: skip
    assert list(Order.objects.order_by("signed_at", "id").values_list("status", flat=True)) == [
        "stopped",
        "active",
    ]
    page = prescriber.post(url, form | {"formulation": "xr_injection"}).content.decode()
    assert "is a regimen for oral, not xr_injection" in page
    assert login(Role.NURSE, "nina.nurse").post(url, form).status_code == 403
    assert Order.objects.count() == 2


def test_an_implant_is_refused_before_a_signed_screening_then_removed_with_a_reason() -> None:
    p = started_on_injection("MRN-5010", TODAY - timedelta(days=40))
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    url = "/patients/MRN-5010/implants/"
    form = {"form": "insert", "insert-inserted_on": str(TODAY), "insert-product": "naltrexone implant",
            "insert-dose_mg": "1800", "insert-lot": "IMP-7", "insert-site": "left lower abdomen"}  # fmt: skip
    assert prescriber.post(url, form).status_code == 302
    implant = Implant.objects.get(patient=p)
    page = prescriber.post(url, {"form": "remove", "remove-implant": implant.pk,
                                 "remove-removed_on": str(TODAY), "remove-reason": ""}).content.decode()  # fmt: skip
    assert "Reason for removal: This field is required" in page
    r = prescriber.post(url, {"form": "remove", "remove-implant": implant.pk,
                              "remove-removed_on": str(TODAY), "remove-reason": "patient request"})  # fmt: skip
    assert r.status_code == 302
    implant.refresh_from_db()
    assert implant.removed_on == TODAY and implant.removed_by == "pat.prescriber"
    assert login(Role.NURSE, "nina.nurse").post(url, form).status_code == 403
    fresh = make_patient("MRN-5011")  # never screened: the first dose is refused
    page = prescriber.post("/patients/MRN-5011/implants/", form).content.decode()
    assert "screening" in page and not Implant.objects.filter(patient=fresh).exists()
    assert "no signed screening: a prescriber must screen and sign before the first dose" in page


def test_a_coordinator_books_marks_and_cannot_book_in_the_past() -> None:
    p = make_patient("MRN-5012")
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    url = "/patients/MRN-5012/appointments/"
    page = coordinator.get(url).content.decode()
    assert "Book a visit" in page
    r = coordinator.post(
        url, {"form": "book", "book-kind": "counselling", "book-on": str(TODAY + timedelta(days=7))}
    )
    assert r.status_code == 302
    refused = coordinator.post(
        url, {"form": "book", "book-kind": "lab", "book-on": str(TODAY - timedelta(days=1))}
    )
    assert "is in the past" in refused.content.decode()
    assert Appointment.objects.filter(patient=p).count() == 1
    past = book_appointment(
        p,
        kind="lab",
        on=TODAY - timedelta(days=2),
        actor=COORDINATOR,
        at=at(TODAY - timedelta(days=3)),
    )
    assert (
        coordinator.post(
            url, {"form": "mark", "mark-appointment": past.pk, "mark-status": "missed"}
        ).status_code
        == 302
    )
    past.refresh_from_db()
    assert past.status == "missed"
    future = Appointment.objects.get(patient=p, kind="counselling")
    marked = coordinator.post(
        url, {"form": "mark", "mark-appointment": future.pk, "mark-status": "kept"}
    )
    assert "cannot be kept or missed yet" in marked.content.decode()
    assert login(Role.DIRECTOR, "dana.director").get(url).status_code == 403


def test_a_counselor_records_a_session_and_a_prescriber_reads_but_cannot_record() -> None:
    make_patient("MRN-5013")
    counselor = login(Role.COUNSELOR, "cole.counselor")
    url = "/patients/MRN-5013/counselling/"
    form = {"held_on": str(TODAY), "kind": "individual", "attendance": "attended", "minutes": "50",
            "note": "Worked on the relapse-prevention plan."}  # fmt: skip
    assert counselor.post(url, form).status_code == 302
    assert counselor.post(url, form | {"minutes": "900"}).status_code == 200
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    page = prescriber.get(url).content.decode()
    assert "Worked on the relapse-prevention plan." in page and "Record the session" not in page
    assert prescriber.post(url, form).status_code == 403
    assert CounsellingSession.objects.count() == 1


@pytest.mark.parametrize(
    "suffix",
    [
        "assessment/",
        "medications/",
        "side-effects/",
        "orders/",
        "implants/",
        "appointments/",
        "episodes/",
    ],
)
def test_an_unknown_mrn_is_a_404_page_on_every_record_page(suffix: str) -> None:
    r = login(Role.PRESCRIBER, "pat.prescriber").get(f"/patients/MRN-NOPE/{suffix}")
    assert r.status_code == 404 and "No patient has the MRN" in r.content.decode()


def test_a_side_effect_follow_up_that_falls_due_is_on_today_until_resolved() -> None:
    p = make_patient("MRN-5014")
    effect = record_side_effect(p, kind="injection_site", severity="moderate", noted_on=TODAY - timedelta(days=8),
                                actor=NURSE, at=at(TODAY - timedelta(days=8)))  # fmt: skip
    record_side_effect(p, kind="nausea", severity="mild", noted_on=TODAY, follow_up_due=TODAY + timedelta(days=3),
                       actor=NURSE, at=at(TODAY))  # fmt: skip
    nurse = login(Role.NURSE, "nina.nurse")
    today = nurse.get("/today/").content.decode()
    assert 'Side-effect follow-ups due <span class="count">(1)</span>' in today
    assert f'{TODAY - timedelta(days=1)} <span class="badge sev-high">overdue</span>' in today
    follow_up_side_effect(
        effect.pk, on=TODAY, note="resolved", resolved=True, actor=NURSE, at=at(TODAY)
    )
    assert "No follow-up is due." in nurse.get("/today/").content.decode()


def test_another_patients_appointment_or_implant_cannot_be_changed_from_this_page() -> None:
    make_patient("MRN-5015")
    other = make_patient("MRN-5016")
    theirs = book_appointment(other, kind="lab", on=TODAY, actor=COORDINATOR, at=at(TODAY))
    page = login(Role.COORDINATOR, "cora.coordinator").post(
        "/patients/MRN-5015/appointments/",
        {"form": "mark", "mark-appointment": theirs.pk, "mark-status": "cancelled"},
    )
    assert "Appointment: no appointment has this id" in page.content.decode()
    theirs.refresh_from_db()
    assert theirs.status == "booked"
