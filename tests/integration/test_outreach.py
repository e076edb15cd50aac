"""Reaching patients at risk (issue 12): the outreach log (written, audited, bad input refused by
field), Today's overdue and risk-window rows (how to reach the patient, by role and by consent;
the last attempt; nothing hidden until reached), the chart header, and the report of time from a
missed dose to contact."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, PermissionRefused
from naltrack.alerts.services import refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.clinical.outreach import Reach
from naltrack.outreach.models import OutreachAttempt
from naltrack.outreach.report import band_of, read_contact_report
from naltrack.outreach.services import AttemptInput, contacts, record_attempt
from naltrack.patients.models import Patient
from naltrack.reminders.support import SupportInput, add_support_person, withdraw_consent
from naltrack.treatment.services import record_administration
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import (
    COORDINATOR,
    COUNSELOR,
    DIRECTOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    login,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

FIRST = TODAY - timedelta(
    days=33
)  # the injection: overdue from FIRST + 29 = TODAY - 4 (a late tier with no screen needed)
MISSED = FIRST + timedelta(days=29)


def overdue(mrn: str = "MRN-0200", phone: str = "555-0142") -> Patient:
    p = started_on_injection(mrn, FIRST)
    Patient.objects.filter(pk=p.pk).update(phone=phone)
    p.refresh_from_db()
    return p


def call(p: Patient, outcome: str = "no_answer", *, on: date | None = None, by: Actor = NURSE,
         next_on: date | None = None, step: str = "") -> OutreachAttempt:  # fmt: skip
    return record_attempt(p, AttemptInput("call", outcome, step, next_on, on), actor=by, at=NOW)


def overdue_row(actor: Actor = NURSE) -> Any:
    section = today_worklist(TODAY, actor=actor).injections_overdue
    assert section is not None
    return section.rows[0]


# --- the log --------------------------------------------------------------------------------------


def test_an_attempt_is_logged_with_who_and_when_and_audited() -> None:
    p = overdue()
    row = call(p, next_on=TODAY + timedelta(days=1), step="Call again tomorrow morning")
    assert (row.kind, row.outcome, row.attempted_on, row.recorded_by, row.recorded_at) == (
        "call", "no_answer", TODAY, "nina.nurse", NOW,
    )  # fmt: skip
    assert (row.next_step, row.next_attempt_on) == ("Call again tomorrow morning", TODAY + timedelta(days=1))  # fmt: skip
    event = AuditEvent.objects.get(object_type="outreach_attempt")
    assert (event.actor, event.action, event.patient_mrn, event.object_id) == (
        "nina.nurse", "create", p.mrn, str(row.pk),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "pigeon"}, "kind", "must be one of call, text, letter, home_visit"),
        ({"outcome": "maybe"}, "outcome", "must be one of reached, message_left, no_answer, wrong_number, declined"),
        ({"attempted_on": TODAY + timedelta(days=1)}, "attempted_on", "is in the future"),
        ({"attempted_on": TODAY - timedelta(days=15)}, "attempted_on", "is more than 14 days ago"),
        ({"next_attempt_on": TODAY - timedelta(days=1), "next_step": "call"}, "next_attempt_on", "is before the attempt"),
        ({"next_attempt_on": TODAY + timedelta(days=61), "next_step": "call"}, "next_attempt_on", "is more than 60 days after the attempt"),
        ({"next_attempt_on": TODAY + timedelta(days=1)}, "next_step", "say what the next attempt is (call again, a letter, a home visit...)"),
        ({"next_step": "x" * 301}, "next_step", "must be at most 300 characters"),
    ],
    ids=["kind", "outcome", "future", "too-old", "next-before", "next-too-far", "next-without-step", "step-too-long"],
)  # fmt: skip
def test_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    changes: dict[str, object], field: str, message: str
) -> None:
    p = overdue()
    values: dict[str, object] = {"kind": "call", "outcome": "no_answer"} | changes
    with pytest.raises(InputError) as refused:
        record_attempt(p, AttemptInput(**values), actor=NURSE, at=NOW)  # type: ignore[arg-type]
    assert (refused.value.field, refused.value.message) == (field, message)
    assert not OutreachAttempt.objects.exists()
    assert not AuditEvent.objects.filter(object_type="outreach_attempt").exists()


def test_the_boundaries_of_the_days_are_allowed() -> None:
    p = overdue()
    record_attempt(p, AttemptInput("letter", "no_answer", "Home visit", TODAY - timedelta(days=14) + timedelta(days=60),
                                   TODAY - timedelta(days=14)), actor=COORDINATOR, at=NOW)  # fmt: skip
    record_attempt(
        p, AttemptInput("text", "message_left", "text again", TODAY), actor=COUNSELOR, at=NOW
    )
    assert OutreachAttempt.objects.count() == 2


def test_the_director_logs_no_attempt() -> None:
    p = overdue()
    with pytest.raises(PermissionRefused):
        call(p, by=DIRECTOR)
    assert not OutreachAttempt.objects.exists()


# --- Today's rows: the last attempt, nothing hidden until reached ----------------------------------


def test_the_overdue_row_shows_the_last_attempt_and_stays_until_reached() -> None:
    p = overdue()
    assert overdue_row().outreach.status.reach is Reach.TO_CONTACT
    call(p, "no_answer", on=TODAY - timedelta(days=2))
    second = call(p, "wrong_number", next_on=TODAY + timedelta(days=2), step="Send a letter",
                  by=COORDINATOR)  # fmt: skip
    row = overdue_row()
    assert row.patient.mrn == p.mrn  # still listed
    assert (row.outreach.status.reach, row.outreach.last, row.outreach.attempts) == (
        Reach.TRY_AGAIN,
        second,
        2,
    )
    assert row.outreach.last_words == "Phone call: wrong number"
    assert row.outreach.words == f"Not reached; next attempt {TODAY + timedelta(days=2)}"
    call(p, "declined", by=PRESCRIBER)
    row = overdue_row()
    assert row.patient.mrn == p.mrn  # reached is shown, not hidden: the injection is still overdue
    assert (row.outreach.status.reach, row.outreach.status.reached_on) == (Reach.REACHED, TODAY)
    assert row.outreach.words == f"Reached {TODAY}"


def test_a_reach_before_the_missed_dose_does_not_count_for_it() -> None:
    p = overdue()
    call(p, "reached", on=MISSED - timedelta(days=1))
    row = overdue_row()
    assert row.outreach.status.reach is Reach.TO_CONTACT
    assert row.outreach.last is None  # attempts count from the missed dose


def test_the_next_dose_closes_the_episode_and_the_row() -> None:
    p = overdue()
    call(p, "message_left")
    record_administration(
        p, injection(TODAY, site="right", confirm_warnings=True), actor=NURSE, at=at(TODAY, 11)
    )
    assert today_worklist(TODAY, actor=NURSE).injections_overdue.rows == []  # type: ignore[union-attr]


def test_the_risk_window_rows_carry_outreach_and_contact_too() -> None:
    p = overdue()
    refresh_patient(p, at=NOW)  # the nightly refresh: the risk window of today
    call(p, "reached")
    section = today_worklist(TODAY, actor=NURSE).high_risk
    assert section is not None
    (row,) = section.rows
    assert (row.patient.mrn, row.outreach.status.reach, row.contact.phone) == (
        p.mrn,
        Reach.REACHED,
        "555-0142",
    )


# --- how to reach the patient: by role, by consent ---------------------------------------------------


def support(p: Patient, name: str = "Rosa Example", phone: str = "555-0177") -> int:
    person = add_support_person(p, SupportInput(name, "sister", "sms", ("missed_visit",), phone=phone),
                                by=NURSE, at=NOW)  # fmt: skip
    return person.pk


@pytest.mark.parametrize(
    "actor", [PRESCRIBER, NURSE, COUNSELOR, COORDINATOR], ids=lambda a: a.role.value
)
def test_roles_that_see_contact_details_get_the_phone(actor: Actor) -> None:
    p = overdue()
    assert contacts([p], actor=actor, on=TODAY)[p.pk].phone == "555-0142"


def test_a_role_not_allowed_contact_details_gets_none() -> None:
    p = overdue()
    support(p)
    assert contacts([p], actor=DIRECTOR, on=TODAY) == {}


def test_a_support_person_is_reachable_only_under_the_patients_consent() -> None:
    p = overdue()
    person = support(p)
    (s,) = contacts([p], actor=NURSE, on=TODAY)[p.pk].support
    assert (s.name, s.relationship, s.phone, s.tel, s.may_contact) == ("Rosa Example", "sister", "555-0177", "5550177", True)  # fmt: skip
    withdraw_consent(p, person, by=NURSE, at=NOW)
    (s,) = contacts([p], actor=NURSE, on=TODAY)[p.pk].support
    assert s.may_contact is False
    assert "revoked" in s.why
    # The consent filter was asked, nothing was disclosed.
    assert not AuditEvent.objects.filter(
        object_type__in=("disclosure", "disclosure_refused")
    ).exists()


def test_the_support_person_named_at_registration_has_no_consent() -> None:
    p = overdue()
    Patient.objects.filter(pk=p.pk).update(
        support_person_name="Ana Friend", support_person_phone="555-0188"
    )
    p.refresh_from_db()
    (s,) = contacts([p], actor=NURSE, on=TODAY)[p.pk].support
    assert (s.name, s.relationship, s.may_contact) == ("Ana Friend", "named at registration", False)


# --- the pages ------------------------------------------------------------------------------------


def test_today_shows_tel_links_and_the_consent_state() -> None:
    p = overdue()
    support(p)
    other = support(p, name="Sam Other", phone="555-0199")
    withdraw_consent(p, other, by=NURSE, at=NOW)
    call(p, "no_answer", by=COORDINATOR)
    page = login(Role.NURSE, "nina.nurse").get("/today/").content.decode()
    assert 'href="tel:5550142"' in page
    assert 'href="tel:5550177"' in page  # Rosa: consented
    assert "Sam Other" in page and "tel:5550199" not in page and "no consent to contact" in page
    assert "Last: Phone call: no answer · cora.coordinator" in page


def test_the_chart_header_and_the_coordinators_page_show_how_to_reach() -> None:
    p = overdue()
    call(p, "message_left")
    chart = login(Role.NURSE, "nina.nurse").get(f"/patients/{p.mrn}/").content.decode()
    assert 'aria-label="How to reach the patient"' in chart and 'href="tel:5550142"' in chart
    assert "Last: Phone call: message left · nina.nurse" in chart
    contact = (
        login(Role.COORDINATOR, "cora.coordinator").get(f"/patients/{p.mrn}/").content.decode()
    )
    assert 'href="tel:5550142"' in contact and "Outreach: log an attempt" in contact


def test_the_director_opens_no_outreach_page() -> None:
    p = overdue()
    director = login(Role.DIRECTOR, "dana.director")
    assert director.get(f"/patients/{p.mrn}/outreach/").status_code == 403
    assert director.post(f"/today/outreach/{p.mrn}/?row=overdue", {}).status_code == 403


def test_logging_inline_on_today_answers_the_updated_row() -> None:
    p = overdue()
    nurse = login(Role.NURSE, "nina.nurse")
    form = nurse.get(f"/today/outreach/{p.mrn}/form/?row=overdue", HTTP_HX_REQUEST="true")
    assert form.status_code == 200 and f'name="reach-{p.pk}-kind"' in form.content.decode()
    prefix = f"reach-{p.pk}"
    answer = nurse.post(f"/today/outreach/{p.mrn}/?row=overdue", {
        "form": "attempt", "prefix": prefix, f"{prefix}-kind": "call", f"{prefix}-outcome": "no_answer",
        f"{prefix}-next_step": "Try the sister", f"{prefix}-next_attempt_on": str(TODAY + timedelta(days=1)),
    }, HTTP_HX_REQUEST="true")  # fmt: skip
    body = answer.content.decode()
    assert answer.status_code == 200 and body.startswith(f'<tr id="reach-overdue-{p.mrn}">')
    assert (
        "Logged: phone call: no answer" in body
        and "Last: Phone call: no answer · nina.nurse" in body
    )
    assert OutreachAttempt.objects.get().next_step == "Try the sister"


def test_a_refused_inline_attempt_keeps_what_was_typed() -> None:
    p = overdue()
    nurse = login(Role.NURSE, "nina.nurse")
    prefix = f"reach-{p.pk}"
    answer = nurse.post(f"/today/outreach/{p.mrn}/?row=risk", {
        "form": "attempt", "prefix": prefix, f"{prefix}-kind": "call", f"{prefix}-outcome": "no_answer",
        f"{prefix}-next_step": "Ring the pharmacy", f"{prefix}-next_attempt_on": str(TODAY - timedelta(days=1)),
    }, HTTP_HX_REQUEST="true")  # fmt: skip
    body = answer.content.decode()
    assert answer.status_code == 200 and f'id="reach-risk-{p.mrn}"' in body
    assert "is before the attempt" in body and 'value="Ring the pharmacy"' in body
    assert not OutreachAttempt.objects.exists()


def test_the_outreach_page_logs_without_javascript() -> None:
    p = overdue()
    nurse = login(Role.NURSE, "nina.nurse")
    done = nurse.post(f"/patients/{p.mrn}/outreach/", {
        "form": "attempt", "prefix": "attempt", "attempt-kind": "home_visit", "attempt-outcome": "reached",
    })  # fmt: skip
    assert done.status_code == 302
    page = nurse.get(f"/patients/{p.mrn}/outreach/").content.decode()
    assert "Home visit" in page and "Reached" in page
    # the page view's one read event names the outreach log it read (issue 12)
    assert AuditEvent.objects.filter(actor="nina.nurse", patient_mrn=p.mrn, action="read",
                                     detail__contains="outreach_log").exists()  # fmt: skip


# --- the report -------------------------------------------------------------------------------------


def test_the_report_counts_days_from_the_missed_dose_to_contact() -> None:
    a, b, c = overdue("MRN-0201"), overdue("MRN-0202"), overdue("MRN-0203")
    call(a, "no_answer", on=MISSED)
    call(a, "reached", on=MISSED + timedelta(days=2))
    call(b, "declined", on=MISSED, by=COORDINATOR)
    call(c, "wrong_number", on=MISSED + timedelta(days=1), by=COORDINATOR)
    report = read_contact_report(TODAY - timedelta(days=30), TODAY, actor=DIRECTOR, at=NOW)
    assert (report.overall.episodes, report.overall.reached, report.overall.median) == (3, 2, 1)
    assert (report.still_open, report.closed_unreached) == (1, 0)
    assert report.bands == {"Same day": 1, "1 day": 0, "2 days": 1, "3-6 days": 0, "7-13 days": 0,
                            "14 days or more": 0, "Not reached": 1}  # fmt: skip
    assert [(n, g.reached, g.median, attempts) for n, g, attempts in report.staff_rows] == [
        ("cora.coordinator", 1, 0, 2), ("nina.nurse", 1, 2, 2),
    ]  # fmt: skip
    week = MISSED - timedelta(days=MISSED.weekday())
    assert [(w, g.episodes, g.reached) for w, g in report.by_week.items()] == [(week, 3, 2)]
    assert AuditEvent.objects.filter(object_type="outreach_report", actor="dana.director").exists()


def test_an_episode_closed_by_a_dose_before_contact_is_not_reached() -> None:
    p = overdue()
    record_administration(p, injection(TODAY - timedelta(days=1), site="right", confirm_warnings=True), actor=NURSE, at=at(TODAY - timedelta(days=1)))  # fmt: skip
    call(p, "reached")  # after the dose: not this episode's contact
    report = read_contact_report(TODAY - timedelta(days=30), TODAY, actor=PRESCRIBER, at=NOW)
    assert (report.overall.episodes, report.overall.reached, report.closed_unreached) == (1, 0, 1)


def test_a_missed_dose_outside_the_period_is_not_counted() -> None:
    overdue()
    report = read_contact_report(MISSED + timedelta(days=1), TODAY, actor=DIRECTOR, at=NOW)
    assert report.overall.episodes == 0


@pytest.mark.parametrize(("days", "band"), [(None, "Not reached"), (0, "Same day"), (1, "1 day"), (2, "2 days"),
                                             (3, "3-6 days"), (6, "3-6 days"), (7, "7-13 days"), (13, "7-13 days"),
                                             (14, "14 days or more")])  # fmt: skip
def test_bands(days: int | None, band: str) -> None:
    assert band_of(days) == band


def test_the_report_refuses_a_bad_period_by_field_and_the_page_shows_it() -> None:
    with pytest.raises(InputError) as refused:
        read_contact_report(TODAY, TODAY - timedelta(days=1), actor=DIRECTOR, at=NOW)
    assert refused.value.field == "end"
    with pytest.raises(PermissionRefused):
        read_contact_report(TODAY - timedelta(days=1), TODAY, actor=NURSE, at=NOW)
    director = login(Role.DIRECTOR, "dana.director")
    page = director.get("/reports/outreach/?start=2026-13-01").content.decode()
    assert "must be a date as YYYY-MM-DD" in page
    assert (
        "Median days from missed dose to contact"
        in director.get("/reports/outreach/").content.decode()
    )
    assert Client().get("/reports/outreach/").status_code == 302  # signed out: to the sign-in page
    assert login(Role.NURSE, "nina.nurse").get("/reports/outreach/").status_code == 403
