"""Issue 11, "How it is shown": the patient's whole journey through the portal in one browser test
on a 390 px phone, through the pages only (no service calls after the setup).

Two patients, because one person cannot make every step meaningful: "the next injection" needs an
injection, "log a tablet dose" needs tablets (the injection patient's dose page says there are no
tablets to log, which the test checks too).

- Ana (monthly injection, 5 days ago): the nurse invites her from the chart; she opens the link,
  sets a password, sees the protection status and the next injection's days, finds no tablets to
  log, completes a check-in that raises staff alerts, downloads the wallet card (the PDF is read
  back with pypdf) and adds a support person.
- Ben (daily tablets, a phone and no email on the chart): the nurse invites him by text message
  (the reminders' SMS transport, Twilio's HTTP layer faked); he types the code from the text,
  sets a password, sees today's tablets and the protection status on Home and logs today's
  dose; later he signs in again with his phone number's digits.
- The nurse then sees Ana's check-in and alerts and Ben's logged tablet on their charts.

Every portal page is checked to be no wider than the phone."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.config import ReminderConfig, forbidden_words_in
from naltrack.patients.models import Patient
from naltrack.portal import invites
from naltrack.reminders.transports import TwilioSms
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.services import (
    AdministrationInput,
    PlanInput,
    change_plan,
    record_administration,
    sign_order,
)
from tests.e2e.conftest import sign_in
from tests.integration.conftest import (
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    make_patient,
    make_ready,
    started_on_injection,
)
from tests.integration.reminder_fakes import FakeTwilioHttp

pytestmark = pytest.mark.django_db(transaction=True)
STAFF_PASSWORD = "a-long-demo-password-1"
ANA_PASSWORD = "sunny-porch-and-coffee-4"
BEN_PASSWORD = "quiet-river-and-toast-9"
PHONE = {"width": 390, "height": 844}
BEN_PHONE = "+1 555 010 0072"
SMS_CONFIG = ReminderConfig(
    clinic_short_name="Eastside Health", public_url="https://eastside.example.org",
    sms_provider="twilio", twilio_account_sid="AC" + "0" * 32,
    twilio_auth_token="test-auth-token", twilio_from="+15550000000",
)  # fmt: skip
LAST_SHOT = TODAY - timedelta(days=5)
FIRST_TABLET = TODAY - timedelta(days=1)  # given at the clinic yesterday


def _fits_the_phone(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _invite_from_the_chart(nurse: Any, mrn: str, email: str) -> str:
    """The nurse invites the patient by email from the chart; returns the link shown once."""
    nurse.goto(f"/patients/{mrn}/")
    nurse.get_by_role("link", name="Patient portal invitation").click()
    nurse.get_by_label("Patient's email (they will sign in with it)").fill(email)
    nurse.get_by_role("button", name="Send the invitation").click()
    assert f"sent to {email}" in nurse.locator("#issued").inner_text()
    return str(nurse.locator("#invite-link").inner_text())


def _set_password(me: Any, password: str) -> None:
    _fits_the_phone(me)
    me.get_by_label("New password", exact=True).fill(password)
    me.get_by_label("Type the password again").fill(password)
    me.get_by_role("button", name="Save and sign in").click()
    me.wait_for_url("**/portal/")


def _nav(me: Any, name: str) -> None:
    me.get_by_role("navigation", name="Portal").get_by_role("link", name=name).click()


def test_the_patient_journey_on_a_phone(
    page: Any, browser: Any, live_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    texts = FakeTwilioHttp()  # Ben's phone: what the SMS provider was asked to deliver
    sms = TwilioSms.from_config(SMS_CONFIG, http_client=texts)
    monkeypatch.setattr(invites, "transports_from_config", lambda config: {"sms": sms})
    ana = started_on_injection("MRN-0971", LAST_SHOT)
    change_plan(ana, PlanInput(formulation="xr_injection", regimen="xr_injection"),
                reason="start", actor=PRESCRIBER, at=at(LAST_SHOT, 8))  # fmt: skip
    Patient.objects.filter(pk=ana.pk).update(
        support_person_name="Sam Example", support_person_phone="555 0199"
    )
    ben = make_patient("MRN-0972", start=FIRST_TABLET - timedelta(days=2))
    make_ready(ben, FIRST_TABLET)
    screening = run_screening(ben, {}, formulation="oral", actor=PRESCRIBER, at=at(FIRST_TABLET, 9))
    sign_screening(screening.pk, actor=PRESCRIBER, at=at(FIRST_TABLET, 9), **attested(screening.pk))
    change_plan(ben, PlanInput(formulation="oral", regimen="oral_daily"), reason="start",
                actor=PRESCRIBER, at=at(FIRST_TABLET, 9))  # fmt: skip
    sign_order(ben, formulation="oral", regimen="oral_daily", dose_mg=50, actor=PRESCRIBER,
               at=at(FIRST_TABLET, 9))  # fmt: skip
    record_administration(ben, AdministrationInput(formulation="oral", given_at=at(FIRST_TABLET),
                          dose_mg=50), actor=NURSE, at=at(FIRST_TABLET))  # fmt: skip
    Patient.objects.filter(pk=ben.pk).update(phone=BEN_PHONE, email="")
    create_staff("nina.nurse", STAFF_PASSWORD, Role.NURSE)

    # The nurse invites both patients from their charts.
    sign_in(page, "nina.nurse", STAFF_PASSWORD)
    ana_link = _invite_from_the_chart(page, ana.mrn, "ana.journey@example.org")
    page.goto(f"/patients/{ben.mrn}/")
    page.get_by_role("link", name="Patient portal invitation").click()
    assert page.get_by_label(f"Text message to {BEN_PHONE}").is_checked()  # no email: by text
    page.get_by_role("button", name="Send the invitation").click()
    assert f"sent to {BEN_PHONE}" in page.locator("#issued").inner_text()
    page.screenshot(path=str(tmp_path / "0-nurse-invites-by-text.png"), full_page=True)
    [text] = texts.requests
    assert text["data"]["To"] == BEN_PHONE and forbidden_words_in(text["data"]["Body"]) == []
    found = re.search(r"type the code ([A-Z0-9]{4}-[A-Z0-9]{4})", text["data"]["Body"])
    assert found, text["data"]["Body"]
    ben_code = found.group(1)

    # Ana opens the link on her phone and sets a password.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE, accept_downloads=True)
    me = phone.new_page()
    me.goto(ana_link)
    _set_password(me, ANA_PASSWORD)

    # Home: the protection status and the next injection's days.
    assert me.get_by_role("heading", level=1).inner_text() == f"Hello, {ana.given_name}"
    protection = me.locator("#protection").inner_text()
    assert "You are protected now." in protection
    assert f"Your last injection was on {LAST_SHOT.day} {LAST_SHOT:%B}" in protection
    until = LAST_SHOT + timedelta(days=28)
    assert f"until about {until.day} {until:%B}" in protection
    nxt = me.locator("#next-injection").inner_text()
    earliest = LAST_SHOT + timedelta(days=21)
    assert f"{earliest:%A} {earliest.day} {earliest:%B}" in nxt
    assert me.locator("#todays-dose").count() == 0  # no tablets on an injection plan
    _fits_the_phone(me)
    me.screenshot(path=str(tmp_path / "1-home-injection.png"), full_page=True)

    # Doses: an injection patient has no tablets to log, and the page says so.
    _nav(me, "Doses")
    assert "You have no tablets to log right now." in me.locator("main").inner_text()
    assert me.get_by_role("button", name="I took it").count() == 0
    _fits_the_phone(me)

    # Check-in: opioid use and a sore injection site raise staff alerts.
    _nav(me, "Check-in")
    craving = me.get_by_role("group", name="How strong is your craving today?")
    craving.get_by_label("7", exact=True).check()
    me.get_by_role("group", name="any opioids?").get_by_label("Yes").check()
    me.get_by_role("group", name="any alcohol?").get_by_label("No").check()
    me.get_by_label("If yes, what did you use?").fill("heroin")
    for question in ("little interest", "feeling down", "better off dead"):
        me.get_by_role("group", name=question).get_by_label("Not at all").check()
    me.get_by_label("Pain or a lump where you had the shot").check()
    _fits_the_phone(me)
    me.get_by_role("button", name="Send my check-in").click()
    answer = me.locator("main").inner_text()
    assert "You checked in today" in answer and "can cause a fatal overdose" in answer
    _fits_the_phone(me)
    me.screenshot(path=str(tmp_path / "2-checked-in.png"), full_page=True)

    # Wallet card: shown on the phone, then downloaded and read back.
    _nav(me, "Wallet card")
    assert me.get_by_role("heading", level=1).inner_text() == "My wallet card"
    assert "Last injection: Nov. 16, 2026." in me.locator("main").inner_text()
    _fits_the_phone(me)
    with me.expect_download() as download:
        me.get_by_role("link", name="Wallet size (PDF)").click()
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    words = " ".join(" ".join(p.extract_text().split()) for p in pdf.pages)
    assert "I TAKE NALTREXONE" in words
    assert ana.family_name.upper() in words.upper() and ana.given_name in words
    assert "Emergency contact: Sam Example 555 0199" in words

    # Support people: Ana adds her sister for visit reminders.
    me.goto("/portal/reminders/")
    me.get_by_role("link", name="Support people").click()
    me.get_by_label("Their name").fill("Maria Example")
    me.get_by_label("Who they are to you (for example: sister, friend)").fill("sister")
    me.get_by_label("Their email").fill("maria@example.org")
    me.locator("#add-support").get_by_label("Reminders of my visits").check()
    me.get_by_role("button", name="Save and agree").click()
    assert "Maria Example" in me.get_by_role("heading", level=2).first.inner_text()
    _fits_the_phone(me)
    me.screenshot(path=str(tmp_path / "3-support.png"), full_page=True)
    phone.close()

    # Ben types the code from his text message, sets a password, sees today's tablets and
    # logs one.
    phone = browser.new_context(base_url=live_server.url, viewport=PHONE)
    me = phone.new_page()
    me.goto("/portal/invite/")
    _fits_the_phone(me)
    me.get_by_label("Invitation code", exact=True).fill(ben_code)
    me.get_by_role("button", name="Continue").click()
    assert (
        "sign in with your phone number, in digits only: 15550100072"
        in me.locator("main").inner_text()
    )
    _set_password(me, BEN_PASSWORD)
    assert me.get_by_role("heading", level=1).inner_text() == f"Hello, {ben.given_name}"
    assert "Take 50 mg today." in me.locator("#todays-dose").inner_text()
    protection = me.locator("#protection").inner_text()
    assert "Take your tablet today to stay protected." in protection
    assert f"Your last tablet was on {FIRST_TABLET.day} {FIRST_TABLET:%B}" in protection
    assert me.locator("#next-injection").count() == 0
    _fits_the_phone(me)
    me.screenshot(path=str(tmp_path / "4-home-tablets.png"), full_page=True)
    me.locator("#todays-dose").get_by_role("link", name="Log my doses").click()
    today = me.locator("li.dose").first
    assert today.get_by_role("heading").inner_text().startswith("Today")
    today.get_by_role("button", name="I took it").click()
    assert "Saved" in me.locator(".messages").inner_text()
    assert me.locator("li.dose").first.locator(".status").inner_text() == "Taken"
    _fits_the_phone(me)
    # Signed out, he signs in again with his phone number's digits.
    me.get_by_role("button", name="Sign out").or_(me.get_by_role("link", name="Sign out")).click()
    me.goto("/portal/sign-in/")
    me.get_by_label("Email or phone number").fill("15550100072")
    me.get_by_label("Password").fill(BEN_PASSWORD)
    me.get_by_role("button", name="Sign in").click()
    me.wait_for_url("**/portal/")
    assert me.get_by_role("heading", level=1).inner_text() == f"Hello, {ben.given_name}"
    phone.close()

    # The nurse sees Ana's check-in and alerts, and Ben's tablet, on their charts.
    page.goto(f"/patients/{ana.mrn}/")
    alerts = page.locator("section", has=page.get_by_role("heading", name="Open alerts"))
    assert "The patient reported opioid use (heroin)" in alerts.inner_text()
    assert "pain or a lump at the injection site" in alerts.inner_text()
    checkins = page.locator("section", has=page.get_by_role("heading", name="Daily check-ins"))
    assert "7/10" in checkins.inner_text() and "opioids" in checkins.inner_text()
    reminders = page.locator("section[aria-labelledby=h-reminders]").inner_text()
    assert "visit reminders to Maria Example (sister)" in reminders
    page.goto(f"/patients/{ben.mrn}/")
    log = page.locator("section", has=page.get_by_role("heading", name="Tablet dose log"))
    assert "taken" in log.inner_text() and "self-reported" in log.inner_text()
