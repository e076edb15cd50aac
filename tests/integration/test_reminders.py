"""Reminders (issue 11): rows written when a visit is booked, moved or cancelled and when a dose
falls due (the core's due day); the worker's claims, retries, backoff and giving up; STOP and the
unsubscribe link; quiet hours; the Twilio adapter through a fake HTTP layer; the chart section."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from naltrack.accounts.roles import Role
from naltrack.appointments.services import book_appointment, set_appointment_status
from naltrack.audit.models import AuditEvent
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.reminders.models import Preference, Reminder
from naltrack.reminders.planning import plan_reminders
from naltrack.reminders.preferences import Choices, set_choices
from naltrack.reminders.transports import SendError, TwilioSms
from naltrack.reminders.worker import claim_next, run_due
from naltrack.treatment.mar import injection_decision
from naltrack.treatment.plans import PlanInput, change_plan

from .conftest import COORDINATOR, NOW, PRESCRIBER, TODAY, at, login, started_on_injection
from .reminder_fakes import FakeTwilioHttp, Recording, down

pytestmark = pytest.mark.django_db

CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org",
    max_attempts=3, backoff_seconds=60, sms_provider="twilio", twilio_account_sid="AC" + "0" * 32,
    twilio_auth_token="test-auth-token", twilio_from="+15550000000",
)  # fmt: skip
VISIT_DAY = TODAY + timedelta(days=3)
DUE = at(VISIT_DAY - timedelta(days=1))  # the day before, at 10:00 (send_hour)


@pytest.fixture(autouse=True)
def clinic_config(settings: Any) -> None:
    settings.REMINDERS = CONFIG


def patient(mrn: str = "MRN-0201", *, channel: str = "email", email: str = "alice@example.org",
            phone: str = "+1 555 010 0001") -> Patient:  # fmt: skip
    return register_patient(
        PatientInput(mrn=mrn, given_name="Alice", family_name="Example", birth_date=datetime(1988, 4, 2).date(),
                     sex_at_birth="female", email=email, phone=phone, preferred_reminder_channel=channel),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip


def transports(email: Recording | None = None, sms: Any = None) -> dict[str, Any]:
    return {"email": email or Recording(), "sms": sms or Recording()}


def run(t: dict[str, Any], when: datetime, worker: str = "w1") -> dict[str, int]:
    return run_due(t, now=lambda: when, config=CONFIG, worker=worker).counts


# ---- planning ---------------------------------------------------------------------------------


def test_booking_a_visit_writes_one_reminder_per_chosen_channel() -> None:
    p = patient()
    set_choices(p, Choices(email_on=True, sms_on=True), by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    rows = list(Reminder.objects.filter(patient=p).order_by("channel"))
    assert [(r.kind, r.channel, r.about_day, r.due_at, r.status) for r in rows] == [
        ("visit", "email", VISIT_DAY, DUE, "pending"),
        ("visit", "sms", VISIT_DAY, DUE, "pending"),
    ]
    assert plan_reminders(p, at=NOW).created == 0  # planning again writes nothing new


def test_the_registration_channel_is_the_default_choice_and_no_choice_writes_nothing() -> None:
    p = patient(channel="sms")
    none = patient("MRN-0202", channel="none")
    for who in (p, none):
        book_appointment(who, kind="lab", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    assert list(Reminder.objects.filter(patient=p).values_list("channel", flat=True)) == ["sms"]
    assert not Reminder.objects.filter(patient=none).exists()


def test_cancelling_or_moving_a_visit_cancels_its_pending_reminder() -> None:
    p = patient()
    appt = book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    set_appointment_status(appt.pk, "cancelled", reason="Patient asked", actor=COORDINATOR, at=NOW)
    moved_to = VISIT_DAY + timedelta(days=2)
    book_appointment(p, kind="counselling", on=moved_to, actor=COORDINATOR, at=NOW)
    rows = {r.about_day: r.status for r in Reminder.objects.filter(patient=p)}
    assert rows == {VISIT_DAY: "cancelled", moved_to: "pending"}


def test_the_dose_due_reminder_is_on_the_cores_due_day_when_no_visit_is_booked() -> None:
    p = started_on_injection("MRN-0203", TODAY - timedelta(days=20))
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection"), reason="plan",
                actor=PRESCRIBER, at=NOW)  # fmt: skip
    Patient.objects.filter(pk=p.pk).update(
        email="dose@example.org", preferred_reminder_channel="email"
    )
    p.refresh_from_db()
    due_on = injection_decision(p, TODAY).due_on  # the core's answer (clinical/regimens.py)
    assert due_on is not None and due_on > TODAY
    # The MAR booked the next injection visit on the due day: its visit reminder stands for it.
    plan_reminders(p, at=NOW)
    visit = Reminder.objects.get(patient=p)
    assert (visit.kind, visit.about_day) == ("visit", due_on)
    set_appointment_status(
        visit.appointment_id,  # type: ignore[arg-type]
        "cancelled",
        reason="Patient asked",
        actor=COORDINATOR,
        at=NOW,
    )
    row = Reminder.objects.get(patient=p, kind="dose_due")
    assert (row.about_day, row.status, row.due_at) == (
        due_on,
        "pending",
        at(due_on - timedelta(days=1)),
    )
    # A visit booked by the due day brings its own reminder instead.
    book_appointment(p, kind="injection", on=due_on - timedelta(days=1), actor=COORDINATOR, at=NOW)
    row.refresh_from_db()
    assert row.status == "cancelled"
    assert Reminder.objects.filter(patient=p, kind="visit", status="pending").count() == 1


# ---- the worker -------------------------------------------------------------------------------


def test_the_worker_sends_what_is_due_once_and_audits_it() -> None:
    p = patient()
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    email = Recording()
    assert run(transports(email), DUE - timedelta(minutes=1)) == {}  # not due yet
    assert run(transports(email), DUE) == {"sent": 1}
    assert run(transports(email), DUE + timedelta(hours=1)) == {}  # never twice
    to, message, headers = email.sent[0]
    assert to == "alice@example.org"
    assert (
        "Eastside Health" in message.body
        and forbidden_words_in(message.body + message.subject) == []
    )
    token = Preference.objects.get(patient=p).unsubscribe_token
    assert headers["List-Unsubscribe"] == f"<https://eastside.example.org/r/unsubscribe/{token}/>"
    row = Reminder.objects.get(patient=p)
    assert (row.status, row.attempts, row.sent_at, row.sent_to) == (
        "sent",
        1,
        DUE,
        "alice@example.org",
    )
    assert AuditEvent.objects.filter(
        object_type="reminder", object_id=str(row.pk), action="export"
    ).exists()


def test_a_failure_is_retried_with_backoff_then_given_up_and_shown_on_the_chart(
    fixed_today: None,
) -> None:
    p = patient()
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    email = Recording(fail=[down(), down(), down()])
    assert run(transports(email), DUE) == {"pending": 1}
    row = Reminder.objects.get(patient=p)
    assert (row.status, row.attempts, row.due_at) == ("pending", 1, DUE + timedelta(seconds=60))
    assert "could not be reached" in row.last_error
    assert run(transports(email), DUE + timedelta(seconds=30)) == {}  # waits its turn
    assert run(transports(email), DUE + timedelta(seconds=60)) == {"pending": 1}
    row.refresh_from_db()
    assert row.due_at == DUE + timedelta(seconds=60 + 120)  # doubled
    assert run(transports(email), row.due_at) == {"given_up": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("given_up", 3)
    assert row.last_error.startswith("gave up after 3 tries")
    page = login(Role.NURSE, "nina.nurse").get(f"/patients/{p.mrn}/").content.decode()
    assert "Given up" in page and "gave up after 3 tries" in page and "could not be sent" in page


def test_a_refused_address_fails_at_once_and_is_shown_to_staff(fixed_today: None) -> None:
    p = patient()
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    refused = SendError("the mail server refused the address: 550 mailbox unavailable", retry=False,
                        address_problem=True)  # fmt: skip
    assert run(transports(Recording(fail=[refused])), DUE) == {"failed": 1}
    assert Preference.objects.get(patient=p).email_problem.endswith("550 mailbox unavailable")
    page = login(Role.COORDINATOR, "cora.coordinator").get(f"/patients/{p.mrn}/").content.decode()
    assert "Email address alice@example.org" in page and "550 mailbox unavailable" in page


def test_a_poison_row_is_pushed_back_not_retried_in_a_tight_loop() -> None:
    p = patient()
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    other = patient("MRN-0299", email="bob@example.org")
    book_appointment(other, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    email = Recording(fail=[RuntimeError("boom")])
    assert run(transports(email), DUE) == {"pending": 1, "sent": 1}  # the next row still went
    row = Reminder.objects.get(patient=p)
    assert (row.status, row.due_at, row.last_error) == ("pending", DUE + timedelta(seconds=60),
                                                        "the sender crashed: RuntimeError")  # fmt: skip


def test_a_reminder_left_sending_by_a_dead_worker_is_sent_again_after_the_lease() -> None:
    p = patient()
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    assert claim_next("dead-worker", DUE) is not None  # claimed, never reported back
    email = Recording()
    assert run(transports(email), DUE + timedelta(seconds=CONFIG.lease_seconds - 1)) == {}
    assert run(transports(email), DUE + timedelta(seconds=CONFIG.lease_seconds + 1)) == {"sent": 1}


def test_quiet_hours_hold_a_reminder_until_they_end_without_counting_a_try() -> None:
    p = patient()
    set_choices(p, Choices(email_on=True, sms_on=False, quiet_from=time(21, 0), quiet_until=time(8, 0)),
                by=COORDINATOR, at=NOW)  # fmt: skip
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    late = at(VISIT_DAY - timedelta(days=1), 22)
    Reminder.objects.filter(patient=p).update(due_at=late)
    email = Recording()
    assert run(transports(email), late) == {"pending": 1}
    row = Reminder.objects.get(patient=p)
    assert (row.status, row.attempts, row.due_at) == ("pending", 0, at(VISIT_DAY, 8))
    assert email.sent == []


def test_a_reminder_in_spanish_for_a_patient_who_chose_spanish() -> None:
    p = patient()
    set_choices(p, Choices(email_on=True, sms_on=False, language="es"), by=COORDINATOR, at=NOW)
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    email = Recording()
    run(transports(email), DUE)
    message = email.sent[0][1]
    assert message.subject == "Recordatorio de Eastside Health"
    assert "tiene una cita el" in message.body and forbidden_words_in(message.body) == []


# ---- stops ------------------------------------------------------------------------------------


def signed_post(c: Client, data: dict[str, str], token: str = CONFIG.twilio_auth_token) -> Any:
    url = "https://eastside.example.org/r/sms/inbound"
    signature = RequestValidator(token).compute_signature(url, data)
    return c.post("/r/sms/inbound", data, HTTP_X_TWILIO_SIGNATURE=signature)


def test_stop_by_text_stops_text_reminders_at_once(fixed_today: None) -> None:
    p = patient(channel="sms")
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    c = Client()
    forged = c.post("/r/sms/inbound", {"From": "+15550100001", "Body": "STOP"},
                    HTTP_X_TWILIO_SIGNATURE="bad")  # fmt: skip
    assert forged.status_code == 403
    assert Reminder.objects.get(patient=p).status == "pending"
    reply = signed_post(c, {"From": "+15550100001", "Body": " stop "})
    assert reply.status_code == 200 and b"<Response>" in reply.content
    assert Reminder.objects.get(patient=p).status == "cancelled"
    assert Preference.objects.get(patient=p).sms_stopped_at is not None
    sms = Recording()
    assert run(transports(sms=sms), DUE) == {}
    # A new visit writes no text reminder while the stop stands; START lifts it.
    book_appointment(p, kind="lab", on=VISIT_DAY + timedelta(days=1), actor=COORDINATOR, at=NOW)
    assert not Reminder.objects.filter(patient=p, status="pending").exists()
    signed_post(c, {"From": "+15550100001", "Body": "START"})  # planned again at once
    assert Reminder.objects.filter(patient=p, status="pending").count() == 2


def test_the_unsubscribe_link_stops_email_reminders_at_once() -> None:
    p = patient()
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    email = Recording()
    run(transports(email), DUE)
    link = email.sent[0][1].body.split("https://eastside.example.org", 2)[2].split()[0]
    c = Client()
    page = c.get(link)
    assert page.status_code == 200 and b"Stop reminder emails" in page.content
    book_appointment(p, kind="lab", on=VISIT_DAY + timedelta(days=1), actor=COORDINATOR, at=NOW)
    assert c.post(link).status_code == 200
    assert not Reminder.objects.filter(patient=p, status="pending").exists()
    assert Preference.objects.get(patient=p).email_stopped_at is not None
    assert c.get("/r/unsubscribe/" + "0" * 48 + "/").status_code == 404
    assert AuditEvent.objects.filter(actor="reminders:unsubscribe", patient_mrn=p.mrn).exists()


# ---- SMS through the Twilio client library, its HTTP layer faked ------------------------------


def test_text_reminders_go_through_the_twilio_client() -> None:
    p = patient(channel="sms")
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    http = FakeTwilioHttp()
    sms = TwilioSms.from_config(CONFIG, http_client=http)
    assert run(transports(sms=sms), DUE) == {"sent": 1}
    request = http.requests[0]
    assert request["method"] == "POST"
    assert request["uri"].endswith(f"/Accounts/{CONFIG.twilio_account_sid}/Messages.json")
    assert request["data"]["To"] == "+1 555 010 0001" and request["data"]["From"] == "+15550000000"
    assert "Eastside Health" in request["data"]["Body"] and "STOP" in request["data"]["Body"]
    assert forbidden_words_in(request["data"]["Body"]) == []


def test_a_number_the_provider_refuses_fails_and_is_shown_a_busy_provider_is_retried() -> None:
    p = patient(channel="sms")
    book_appointment(p, kind="counselling", on=VISIT_DAY, actor=COORDINATOR, at=NOW)
    http = FakeTwilioHttp()
    http.errors = [(429, 20429, "Too Many Requests"), (400, 21211, "The 'To' number is not valid")]
    sms = TwilioSms.from_config(CONFIG, http_client=http)
    assert run(transports(sms=sms), DUE) == {"pending": 1}
    assert run(transports(sms=sms), DUE + timedelta(minutes=1)) == {"failed": 1}
    assert "21211" in Preference.objects.get(patient=p).sms_problem
