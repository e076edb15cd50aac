"""Intake (issue 15): taking an inquiry (bad input per field), every step allowed and refused,
conversion to a registered patient (patient, episode, appointment; nothing written when it fails;
the duplicate warning), Today's call-back list, the report's numbers, the pages and the API."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date, time, timedelta
from typing import Any

import pytest

from naltrack.appointments.models import Appointment
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.clinical.intake import Stage
from naltrack.intake.models import Inquiry, InquiryStep
from naltrack.intake.services import (
    ConvertInput,
    InquiryInput,
    InsuranceFields,
    StepInput,
    board,
    convert,
    insurance_fields,
    read_inquiry,
    stage,
    take_inquiry,
    take_step,
    time_to_dose_report,
    to_contact,
)
from naltrack.patients.models import Episode, Patient
from naltrack.patients.services import DuplicateSuspected
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.services import record_administration
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import (
    COORDINATOR,
    DIRECTOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    injection,
    make_ready,
    order,
)

pytestmark = pytest.mark.django_db

CALL = InquiryInput(source="hospital", given_name="Ruben", family_name="Inquirer", preferred_contact="call",
                    what_for="oud", phone="555-0142", birth_date=date(1990, 3, 4), sex_at_birth="male",
                    referrer="Mercy ED")  # fmt: skip
INSURED = StepInput(to="insurance_checked", pay_kind="insurance", payer="Medicaid", plan="Medicaid MCO",
                    member_id="MCD123456", group_number="G-77")  # fmt: skip


def booked(day: date = TODAY + timedelta(days=3)) -> StepInput:
    return StepInput(to="assessment_booked", assessment_on=day, assessment_time=time(10, 30))


def inquiry_at(to: str, data: InquiryInput = CALL) -> Inquiry:
    q = take_inquiry(data, actor=COORDINATOR, at=NOW)
    steps = {"contacted": StepInput(to="contacted"), "insurance_checked": INSURED,
             "assessment_booked": booked(), "closed": StepInput(to="closed", close_reason="declined")}  # fmt: skip
    path = {"new": [], "contacted": ["contacted"], "insurance_checked": ["contacted", "insurance_checked"],
            "assessment_booked": ["contacted", "insurance_checked", "assessment_booked"],
            "closed": ["closed"]}[to]  # fmt: skip
    for step in path:
        take_step(q.pk, steps[step], actor=COORDINATOR, at=NOW)
    q.refresh_from_db()
    return q


# --- taking an inquiry ------------------------------------------------------------------------


def test_an_inquiry_is_taken_as_new_with_its_first_step() -> None:
    q = take_inquiry(CALL, actor=COORDINATOR, at=NOW)
    assert (q.status, q.first_contact_on, q.taken_by) == ("new", TODAY, "cora.coordinator")
    assert [s.step for s in q.steps.all()] == ["taken"]
    assert AuditEvent.objects.filter(
        object_type="inquiry", object_id=str(q.pk), action="create"
    ).exists()


BAD_INQUIRIES = [
    (replace(CALL, source="radio"), "source"),
    (replace(CALL, given_name="  "), "given_name"),
    (replace(CALL, family_name=""), "family_name"),
    (replace(CALL, given_name="x" * 101), "given_name"),
    (replace(CALL, preferred_contact="pigeon"), "preferred_contact"),
    (replace(CALL, what_for="cocaine"), "what_for"),
    (replace(CALL, phone="call me"), "phone"),
    (replace(CALL, phone="", email=""), "phone"),
    (replace(CALL, phone="", email="rosa@example.org"), "phone"),  # a call needs a phone
    (replace(CALL, preferred_contact="email"), "email"),  # email contact needs an email
    (replace(CALL, email="not-an-email"), "email"),
    (replace(CALL, birth_date=TODAY + timedelta(days=1)), "birth_date"),
    (replace(CALL, birth_date=date(1890, 1, 1)), "birth_date"),
    (replace(CALL, sex_at_birth="x"), "sex_at_birth"),
    (replace(CALL, referrer="r" * 201), "referrer"),
    (replace(CALL, note="n" * 301), "note"),
    (replace(CALL, note="a\x00b"), "note"),
    (replace(CALL, first_contact_at=NOW + timedelta(hours=1)), "first_contact_at"),
    (replace(CALL, first_contact_at=NOW - timedelta(days=15)), "first_contact_at"),
]


@pytest.mark.parametrize(
    ("data", "field"), BAD_INQUIRIES, ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_INQUIRIES)]
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    data: InquiryInput, field: str
) -> None:
    with pytest.raises(InputError) as refused:
        take_inquiry(data, actor=COORDINATOR, at=NOW)
    assert refused.value.field == field
    assert Inquiry.objects.count() == 0 and InquiryStep.objects.count() == 0


# --- steps ------------------------------------------------------------------------------------


def test_the_pipeline_step_by_step_with_who_and_when() -> None:
    q = inquiry_at("assessment_booked")
    assert q.status == "assessment_booked"
    assert (q.payer, q.member_id, q.group_number, q.assessment_on, q.assessment_time) == (
        "Medicaid", "MCD123456", "G-77", TODAY + timedelta(days=3), time(10, 30))  # fmt: skip
    assert [(s.step, s.by) for s in q.steps.all()] == [
        ("taken", "cora.coordinator"), ("contacted", "cora.coordinator"),
        ("insurance_checked", "cora.coordinator"), ("assessment_booked", "cora.coordinator"),
    ]  # fmt: skip
    assert insurance_fields(q) == InsuranceFields("insurance", "Medicaid", "Medicaid MCO", "MCD123456", "G-77")  # fmt: skip


ALLOWED = [("new", "contacted"), ("contacted", "insurance_checked"),
           ("insurance_checked", "assessment_booked"), ("new", "closed"), ("contacted", "closed"),
           ("insurance_checked", "closed"), ("assessment_booked", "closed")]  # fmt: skip
REFUSED = [(a, b) for a in ("new", "contacted", "insurance_checked", "assessment_booked", "closed")
           for b in ("contacted", "insurance_checked", "assessment_booked", "closed", "started", "new")
           if (a, b) not in ALLOWED]  # fmt: skip
STEPS = {"contacted": StepInput(to="contacted"), "insurance_checked": INSURED, "assessment_booked": booked(),
         "closed": StepInput(to="closed", close_reason="not_reached"), "started": StepInput(to="started"),
         "new": StepInput(to="new")}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), ALLOWED, ids=lambda s: s)
def test_each_allowed_step(current: str, target: str) -> None:
    q = inquiry_at(current)
    take_step(q.pk, STEPS[target], actor=COORDINATOR, at=NOW)
    q.refresh_from_db()
    assert q.status == target


@pytest.mark.parametrize(("current", "target"), REFUSED, ids=lambda s: s)
def test_each_refused_step_writes_nothing(current: str, target: str) -> None:
    q = inquiry_at(current)
    before = (InquiryStep.objects.count(), q.status)
    with pytest.raises(ConflictError) as refused:
        take_step(q.pk, STEPS[target], actor=COORDINATOR, at=NOW)
    assert refused.value.field == "to"
    q.refresh_from_db()
    assert (InquiryStep.objects.count(), q.status) == before


def test_started_is_derived_and_refuses_every_step() -> None:
    q = inquiry_at("assessment_booked")
    patient = convert(q.pk, ConvertInput(prescriber=""), actor=COORDINATOR, at=NOW)
    give_first_dose(patient, TODAY)
    q.refresh_from_db()
    assert q.status == "assessment_booked" and stage(q) is Stage.STARTED
    with pytest.raises(ConflictError, match="started treatment"):
        take_step(
            q.pk, StepInput(to="closed", close_reason="other", note="n"), actor=COORDINATOR, at=NOW
        )


BAD_STEPS = [
    ("contacted", StepInput(to="teleported"), "to"),
    ("contacted", replace(INSURED, pay_kind="barter"), "pay_kind"),
    ("contacted", replace(INSURED, payer=""), "payer"),
    ("contacted", replace(INSURED, member_id=""), "member_id"),
    ("contacted", replace(INSURED, pay_kind="program", payer=""), "payer"),
    ("contacted", replace(INSURED, member_id="m" * 41), "member_id"),
    ("insurance_checked", StepInput(to="assessment_booked"), "assessment_on"),
    ("insurance_checked", booked(TODAY - timedelta(days=1)), "assessment_on"),
    ("insurance_checked", booked(TODAY + timedelta(days=91)), "assessment_on"),
    ("new", StepInput(to="closed"), "close_reason"),
    ("new", StepInput(to="closed", close_reason="other"), "note"),
    ("new", StepInput(to="contacted", note="n" * 301), "note"),
]


@pytest.mark.parametrize(
    ("current", "data", "field"),
    BAD_STEPS,
    ids=[f"{f}-{i}" for i, (_, _, f) in enumerate(BAD_STEPS)],
)
def test_bad_step_input_is_refused_naming_the_field(
    current: str, data: StepInput, field: str
) -> None:
    q = inquiry_at(current)
    steps = InquiryStep.objects.count()
    with pytest.raises(InputError) as refused:
        take_step(q.pk, data, actor=COORDINATOR, at=NOW)
    assert refused.value.field == field
    q.refresh_from_db()
    assert q.status == current and InquiryStep.objects.count() == steps


def test_self_pay_needs_no_member_id_and_closing_keeps_its_reason() -> None:
    q = inquiry_at("contacted")
    take_step(
        q.pk, StepInput(to="insurance_checked", pay_kind="self_pay"), actor=COORDINATOR, at=NOW
    )
    take_step(q.pk, StepInput(to="closed", close_reason="referred_out", note="Went to a methadone program"),
              actor=COORDINATOR, at=NOW)  # fmt: skip
    q.refresh_from_db()
    assert (q.pay_kind, q.close_reason, q.close_note) == (
        "self_pay",
        "referred_out",
        "Went to a methadone program",
    )


def test_an_unknown_inquiry_is_not_found() -> None:
    with pytest.raises(NotFoundError):
        take_step(999, StepInput(to="contacted"), actor=COORDINATOR, at=NOW)
    with pytest.raises(NotFoundError):
        read_inquiry(999, actor=COORDINATOR, at=NOW)


# --- conversion -------------------------------------------------------------------------------


def test_conversion_registers_the_patient_opens_the_episode_and_books_the_assessment() -> None:
    q = inquiry_at("assessment_booked")
    p = convert(q.pk, ConvertInput(prescriber=""), actor=COORDINATOR, at=NOW)
    q.refresh_from_db()
    assert (
        q.patient == p
        and p.mrn
        and (p.given_name, p.family_name, p.phone) == ("Ruben", "Inquirer", "555-0142")
    )
    assert p.birth_date == date(1990, 3, 4) and p.sex_at_birth == "male"
    episode = Episode.objects.get(patient=p)
    assert (episode.treats_oud, episode.treats_aud, episode.start_date) == (True, False, TODAY)
    appt = Appointment.objects.get(patient=p)
    assert (appt.kind, appt.on, appt.time, appt.status) == (
        "assessment",
        TODAY + timedelta(days=3),
        time(10, 30),
        "booked",
    )
    assert q.appointment == appt and q.converted_by == "cora.coordinator"
    assert q.steps.last().step == "converted"  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(
        object_type="patient", patient_mrn=p.mrn, action="create"
    ).exists()
    assert AuditEvent.objects.filter(object_type="inquiry", patient_mrn=p.mrn).exists()


def test_conversion_records_the_insurance_checked_as_the_patients_coverage() -> None:
    """No retyping: what the coordinator verified on the phone becomes the patient's primary
    coverage from the day of conversion; a prescriber converting leaves it to the coordinator."""
    from naltrack.insurance.models import Coverage

    q = inquiry_at("assessment_booked")
    p = convert(q.pk, ConvertInput(prescriber=""), actor=COORDINATOR, at=NOW)
    cover = Coverage.objects.get(patient=p)
    assert (cover.kind, cover.payer, cover.plan, cover.member_id, cover.group) == (
        "insurance", "Medicaid", "Medicaid MCO", "MCD123456", "G-77",
    )  # fmt: skip
    assert (cover.valid_from, cover.valid_to, cover.rank) == (TODAY, None, "primary")
    assert "coverage recorded (insurance)" in q.steps.last().detail  # type: ignore[union-attr]
    other = inquiry_at(
        "assessment_booked", dataclasses.replace(CALL, given_name="Rosa", phone="555-0199")
    )
    by_prescriber = convert(other.pk, ConvertInput(prescriber=""), actor=PRESCRIBER, at=NOW)
    assert not Coverage.objects.filter(patient=by_prescriber).exists()
    assert "not copied" in other.steps.last().detail  # type: ignore[union-attr]


def test_both_opens_an_episode_for_oud_and_aud_and_missing_facts_come_from_the_form() -> None:
    q = inquiry_at("contacted", replace(CALL, what_for="unknown", birth_date=None, sex_at_birth=""))
    p = convert(q.pk, ConvertInput(birth_date=date(1980, 1, 2), sex_at_birth="male", what_for="both"),
                actor=COORDINATOR, at=NOW)  # fmt: skip
    e = Episode.objects.get(patient=p)
    assert (e.treats_oud, e.treats_aud, p.birth_date, p.sex_at_birth) == (
        True,
        True,
        date(1980, 1, 2),
        "male",
    )
    assert not Appointment.objects.filter(patient=p).exists()  # no assessment booked yet


def test_booking_after_conversion_puts_the_assessment_on_the_patients_calendar() -> None:
    q = inquiry_at("insurance_checked")
    p = convert(q.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    take_step(q.pk, booked(), actor=COORDINATOR, at=NOW)
    assert Appointment.objects.get(patient=p).kind == "assessment"


def _nothing_written(q: Inquiry, patients: int) -> None:
    q.refresh_from_db()
    assert q.patient is None and q.appointment is None and q.converted_at is None
    assert Patient.objects.count() == patients and Episode.objects.count() == patients
    assert Appointment.objects.count() == 0
    assert not q.steps.filter(step="converted").exists()


@pytest.mark.parametrize(
    ("inquiry", "data", "field"),
    [
        (replace(CALL, birth_date=None), ConvertInput(), "birth_date"),
        (replace(CALL, sex_at_birth=""), ConvertInput(), "sex_at_birth"),
        (replace(CALL, what_for="unknown"), ConvertInput(), "what_for"),
        (CALL, ConvertInput(prescriber="nobody.here"), "prescriber"),
    ],
    ids=["no-birth-date", "no-sex", "unknown-indication", "unknown-prescriber"],
)
def test_a_refused_conversion_writes_nothing(
    inquiry: InquiryInput, data: ConvertInput, field: str
) -> None:
    q = inquiry_at("assessment_booked", inquiry)
    with pytest.raises(InputError) as refused:
        convert(q.pk, data, actor=COORDINATOR, at=NOW)
    assert refused.value.field == field
    _nothing_written(q, 0)


def test_a_failure_after_registration_rolls_the_patient_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    q = inquiry_at("assessment_booked")

    def fail(*args: Any, **kwargs: Any) -> None:
        raise ConflictError("this time slot was just taken", "time")

    monkeypatch.setattr("naltrack.intake.services.book_appointment", fail)
    with pytest.raises(ConflictError):
        convert(q.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    _nothing_written(q, 0)


@pytest.mark.parametrize(
    ("current", "reason"), [("new", "contact the person first"), ("closed", "is closed")]
)
def test_conversion_is_refused_before_contact_and_after_closing(current: str, reason: str) -> None:
    q = inquiry_at(current)
    with pytest.raises(ConflictError, match=reason):
        convert(q.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    _nothing_written(q, 0)


def test_an_inquiry_converts_once() -> None:
    q = inquiry_at("contacted")
    convert(q.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    with pytest.raises(ConflictError, match="already linked"):
        convert(q.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    assert Patient.objects.count() == 1


def test_a_likely_duplicate_is_shown_and_registered_only_with_a_reason() -> None:
    first = convert(inquiry_at("contacted").pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    again = inquiry_at("assessment_booked")  # the same person calls again
    with pytest.raises(DuplicateSuspected) as suspected:
        convert(again.pk, ConvertInput(), actor=COORDINATOR, at=NOW)
    assert [c.mrn for c in suspected.value.candidates] == [first.mrn]
    _nothing_written(again, 1)
    with pytest.raises(InputError, match="at least"):
        convert(again.pk, ConvertInput(duplicate_reason="twin"), actor=COORDINATOR, at=NOW)
    _nothing_written(again, 1)
    p = convert(again.pk, ConvertInput(duplicate_reason="His twin brother, same phone at home."),
                actor=COORDINATOR, at=NOW)  # fmt: skip
    assert p.mrn != first.mrn
    assert AuditEvent.objects.filter(
        object_type="patient_despite_duplicates", patient_mrn=p.mrn
    ).exists()


# --- Today and the board ----------------------------------------------------------------------


def test_today_lists_new_inquiries_due_a_call_back() -> None:
    old = take_inquiry(replace(CALL, family_name="Older", first_contact_at=NOW - timedelta(days=2)), actor=COORDINATOR, at=NOW)  # fmt: skip
    yesterday = take_inquiry(replace(CALL, family_name="Yesterday", first_contact_at=NOW - timedelta(days=1)), actor=COORDINATOR, at=NOW)  # fmt: skip
    take_inquiry(replace(CALL, family_name="Today"), actor=COORDINATOR, at=NOW)
    reached = take_inquiry(replace(CALL, family_name="Reached", first_contact_at=NOW - timedelta(days=3)), actor=COORDINATOR, at=NOW)  # fmt: skip
    take_step(reached.pk, StepInput(to="contacted"), actor=COORDINATOR, at=NOW)
    listed = to_contact(COORDINATOR, TODAY)
    assert listed is not None
    assert [(q.pk, q.overdue) for q in listed.rows] == [(old.pk, True), (yesterday.pk, False)]  # type: ignore[attr-defined]
    assert listed.total == 2
    assert to_contact(NURSE, TODAY) is None
    work = today_worklist(TODAY, actor=COORDINATOR)
    assert work.intake is not None and work.intake.total == 2
    assert today_worklist(TODAY, actor=NURSE).intake is None


def test_the_board_has_a_column_per_stage() -> None:
    for s in ("new", "contacted", "insurance_checked", "assessment_booked", "closed"):
        inquiry_at(s)
    cols = {c.stage.value: len(c.cards) for c in board(actor=COORDINATOR, at=NOW)}
    assert cols == {"new": 1, "contacted": 1, "insurance_checked": 1, "assessment_booked": 1, "started": 0, "closed": 1}  # fmt: skip


# --- the report -------------------------------------------------------------------------------


def give_first_dose(p: Patient, day: date) -> None:
    make_ready(p, day)
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(day, 9))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(day, 9), **attested(rec.pk))
    order(p, day)
    # Insured at conversion with no prior authorization yet: the MAR warns, the nurse confirms.
    record_administration(p, injection(day, confirm_warnings=True), actor=NURSE, at=at(day))


def journey(source: str, name: str, contact: date, dose: date | None) -> None:
    q = take_inquiry(replace(CALL, source=source, family_name=name, phone=f"555-01{len(name):02d}",
                             birth_date=date(1980, 1, len(name))), actor=COORDINATOR, at=at(contact))  # fmt: skip
    take_step(q.pk, StepInput(to="contacted"), actor=COORDINATOR, at=at(contact))
    p = convert(q.pk, ConvertInput(), actor=COORDINATOR, at=at(contact))
    if dose is not None:
        give_first_dose(p, dose)


def test_report_median_and_count_overall_and_by_source() -> None:
    start = TODAY - timedelta(days=20)
    journey("self", "A", start, start + timedelta(days=4))
    journey("self", "Bb", start + timedelta(days=1), start + timedelta(days=11))
    journey("hospital", "Ccc", start + timedelta(days=2), start + timedelta(days=4))
    journey("court", "Dddd", start + timedelta(days=3), None)
    r = time_to_dose_report(start, TODAY, actor=DIRECTOR, at=NOW)
    assert (r.overall.inquiries, r.overall.started, r.overall.median_days) == (4, 3, 4.0)
    assert (r.by_source["self"].started, r.by_source["self"].median_days) == (2, 7.0)
    assert (r.by_source["hospital"].started, r.by_source["hospital"].median_days) == (1, 2.0)
    assert (r.by_source["court"].inquiries, r.by_source["court"].median_days) == (1, None)
    assert r.by_source["family"].inquiries == 0
    later = time_to_dose_report(start + timedelta(days=2), TODAY, actor=DIRECTOR, at=NOW)
    assert later.overall.inquiries == 2


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(TODAY, TODAY - timedelta(days=1), "end"), (TODAY, TODAY + timedelta(days=1), "end")],
    ids=["end-before-start", "end-in-future"],
)
def test_report_refuses_a_bad_period(start: date, end: date, field: str) -> None:
    with pytest.raises(InputError) as refused:
        time_to_dose_report(start, end, actor=DIRECTOR, at=NOW)
    assert refused.value.field == field


def test_the_demo_clinic_has_inquiries_at_every_step_and_report_numbers() -> None:
    from naltrack import demo

    demo.seed(TODAY, patients=len(demo.STAGES))
    stages = {stage(q).value for q in Inquiry.objects.all()}
    assert stages == {
        "new",
        "contacted",
        "insurance_checked",
        "assessment_booked",
        "started",
        "closed",
    }
    r = time_to_dose_report(TODAY - timedelta(days=89), TODAY, actor=DIRECTOR, at=NOW)
    assert r.overall.started >= 1 and r.overall.median_days is not None


def test_the_board_shows_the_started_of_this_month_only() -> None:
    journey("self", "Earlier", TODAY - timedelta(days=40), TODAY - timedelta(days=35))
    journey("hospital", "Recent", TODAY - timedelta(days=8), TODAY - timedelta(days=5))
    started = next(c for c in board(actor=COORDINATOR, at=NOW) if c.stage is Stage.STARTED)
    assert [q.family_name for q in started.cards] == ["Recent"]


def test_today_says_the_clinics_call_back_window() -> None:
    listed = to_contact(COORDINATOR, TODAY)
    assert listed is not None and listed.within_days == 1
