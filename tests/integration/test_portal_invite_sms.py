"""Portal invitations by text message (issue 11: "sent by email/SMS"): through the reminders' SMS
transport (the real Twilio client, its HTTP layer faked: never the network), when the patient has
a phone and no email or staff choose text; the text is neutral (the reminders' forbidden-word
check), and a patient invited by text without an email signs in with the phone's digits."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.patients.models import Patient
from naltrack.portal import invites
from naltrack.portal.invites import accept_invite, invite_patient, invite_text
from naltrack.portal.models import PatientAccount
from naltrack.reminders.transports import TwilioSms
from tests.integration.conftest import NOW, NURSE, login
from tests.integration.reminder_fakes import FakeTwilioHttp

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "river-stones-and-tea-9"
CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org",
    sms_provider="twilio", twilio_account_sid="AC" + "0" * 32,
    twilio_auth_token="test-auth-token", twilio_from="+15550000000",
)  # fmt: skip


def with_phone(p: Patient, phone: str = "+1 555 010 0007", email: str = "") -> Patient:
    Patient.objects.filter(pk=p.pk).update(phone=phone, email=email)
    p.refresh_from_db()
    return p


def token_of(link: str) -> str:
    return link.rstrip("/").split("/")[-1]


def test_a_patient_with_a_phone_and_no_email_is_texted_and_signs_in_with_the_digits(
    alice: Patient, fixed_today: Any
) -> None:
    with_phone(alice)
    http = FakeTwilioHttp()
    issued = invite_patient(alice.mrn, "", actor=NURSE, at=NOW, site="https://x",
                            sms=TwilioSms.from_config(CONFIG, http_client=http))  # fmt: skip
    assert (issued.sent_by, issued.email_sent, issued.phone) == ("sms", True, "+1 555 010 0007")
    assert issued.login == "15550100007" and mail.outbox == []
    [request] = http.requests
    assert request["data"]["To"] == "+1 555 010 0007" and request["data"]["From"] == "+15550000000"
    body = request["data"]["Body"]
    assert issued.link in body and issued.code in body
    assert forbidden_words_in(body) == []
    assert "naltrexone" not in body.lower() and "injection" not in body.lower()
    event = AuditEvent.objects.get(object_type="portal_invite")
    assert "sent by text to +1 555 010 0007" in event.detail and "15550100007" in event.detail

    page = Client().get(f"/portal/invite/{token_of(issued.link)}/").content.decode()
    assert "sign in with your phone number, in digits only: <strong>15550100007</strong>" in page
    assert "Email or phone number" in Client().get("/portal/sign-in/").content.decode()
    account = accept_invite(token=token_of(issued.link), password=NEW_PASSWORD,
                            password_again=NEW_PASSWORD, at=NOW)  # fmt: skip
    assert account.user.get_username() == "15550100007" and account.user.email == ""
    answer = Client().post(
        "/portal/sign-in/", {"username": "15550100007", "password": NEW_PASSWORD}
    )
    assert answer.status_code == 302 and answer["Location"] == "/portal/"


def test_staff_may_choose_text_for_a_patient_with_an_email(alice: Patient) -> None:
    with_phone(alice, email="alice@example.org")
    http = FakeTwilioHttp()
    issued = invite_patient(alice.mrn, "alice@example.org", actor=NURSE, at=NOW,
                            site="https://x", send_by="sms",
                            sms=TwilioSms.from_config(CONFIG, http_client=http))  # fmt: skip
    assert issued.sent_by == "sms" and issued.email_sent and len(http.requests) == 1
    assert mail.outbox == []  # by text only
    assert issued.login == "alice@example.org"  # the email stays the sign-in name


def test_with_an_email_the_invitation_still_goes_by_email(alice: Patient) -> None:
    with_phone(alice, email="alice@example.org")
    http = FakeTwilioHttp()
    issued = invite_patient(alice.mrn, "alice@example.org", actor=NURSE, at=NOW,
                            site="https://x", sms=TwilioSms.from_config(CONFIG, http_client=http))  # fmt: skip
    assert issued.sent_by == "email" and len(mail.outbox) == 1 and http.requests == []


def test_text_without_a_phone_on_the_chart_is_refused_and_nothing_is_made(alice: Patient) -> None:
    with_phone(alice, phone="")
    with pytest.raises(InputError) as refused:
        invite_patient(alice.mrn, "", actor=NURSE, at=NOW, site="https://x", send_by="sms")
    assert refused.value.field == "phone"
    assert not alice.portal_invites.exists()


def test_a_refused_number_leaves_the_invitation_for_staff_to_read_out(alice: Patient) -> None:
    with_phone(alice)
    http = FakeTwilioHttp()
    http.errors.append((400, 21211, "The 'To' number is not a valid phone number."))
    issued = invite_patient(alice.mrn, "", actor=NURSE, at=NOW, site="https://x",
                            sms=TwilioSms.from_config(CONFIG, http_client=http))  # fmt: skip
    assert not issued.email_sent and "21211" in issued.email_error
    assert alice.portal_invites.get().status == "open"


def test_a_clinic_name_that_gives_the_program_away_is_not_texted(
    alice: Patient, settings: Any
) -> None:
    with_phone(alice)
    settings.CLINIC_INFO = dataclasses.replace(settings.CLINIC_INFO, short_name="Naltrexone Clinic")
    http = FakeTwilioHttp()
    issued = invite_patient(alice.mrn, "", actor=NURSE, at=NOW, site="https://x",
                            sms=TwilioSms.from_config(CONFIG, http_client=http))  # fmt: skip
    assert not issued.email_sent and "not sent" in issued.email_error and http.requests == []


def test_the_text_is_neutral_and_short(alice: Patient) -> None:
    body = invite_text("https://x/portal/invite/" + "t" * 43 + "/", "https://x/portal/invite/",
                       "ABCD-EFGH", NOW)  # fmt: skip
    assert forbidden_words_in(body) == []
    assert len(body) <= 320  # two SMS segments at most


def test_the_nurse_chooses_text_on_the_invitation_page(
    alice: Patient, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_phone(alice)
    http = FakeTwilioHttp()
    sms = TwilioSms.from_config(CONFIG, http_client=http)
    monkeypatch.setattr(invites, "transports_from_config", lambda config: {"sms": sms})
    nurse = login(Role.NURSE, "nina.nurse")
    form = nurse.get(f"/patients/{alice.mrn}/portal/").content.decode()
    assert re.search(r'value="sms" checked', form)  # no email on the chart: text is chosen
    assert "Text message to +1 555 010 0007" in form
    page = nurse.post(f"/patients/{alice.mrn}/portal/", {"email": "", "send_by": "sms"})
    html = page.content.decode()
    assert page.status_code == 200 and "sent to +1 555 010 0007" in html
    assert "<dd>15550100007</dd>" in html
    assert len(http.requests) == 1 and PatientAccount.objects.count() == 0
    refused = nurse.post(f"/patients/{alice.mrn}/portal/", {"email": "", "send_by": "email"})
    assert (
        refused.status_code == 400 and "Email: is not an email address" in refused.content.decode()
    )
