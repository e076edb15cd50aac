"""Sign-in in a real browser (issue 10): the lockout message, and a prescriber setting up and then
passing the second factor with codes from an independent TOTP implementation (pyotp), as the
authenticator app on a phone would show them."""

from __future__ import annotations

from typing import Any

import pyotp
import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from tests.integration.test_signin import PhoneClock, install_phone_clock

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-demo-password-1"


@pytest.fixture(name="otp_clock")
def _otp_clock(monkeypatch: pytest.MonkeyPatch) -> PhoneClock:
    return install_phone_clock(monkeypatch)  # the live server's thread checks codes at this time


def submit_password(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_five_wrong_passwords_show_the_lock_and_refuse_the_right_one(page: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    for i in range(5):
        submit_password(page, "nina.nurse", f"a-wrong-password-{i}")
    alert = page.get_by_role("alert")
    assert "This account is locked after 5 failed sign-ins" in alert.inner_text()
    submit_password(page, "nina.nurse", PASSWORD)
    assert page.url.endswith("/login/")
    assert "ask the program director to unlock it" in page.get_by_role("alert").inner_text()


def test_a_prescriber_sets_up_and_passes_the_second_factor(
    page: Any, settings: Any, otp_clock: PhoneClock
) -> None:
    settings.SIGNIN_REQUIRE_SECOND_FACTOR = True
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    submit_password(page, "pat.prescriber", PASSWORD)
    page.wait_for_url("**/account/two-factor/setup/**")
    assert page.get_by_role("img", name="QR code of the authenticator key").is_visible()
    totp = pyotp.TOTP(page.locator("code.key").inner_text().strip())
    page.get_by_label("Code from the app").fill(totp.at(otp_clock.at))
    page.get_by_role("button", name="Confirm").click()
    assert page.get_by_role("heading", name="Your recovery codes").is_visible()
    assert page.locator("ul.codes li").count() == 10
    page.get_by_role("link", name="I have kept them: continue").click()
    page.wait_for_url("**/today/")

    page.get_by_role("button", name="Sign out").click()
    submit_password(page, "pat.prescriber", PASSWORD)
    page.wait_for_url("**/account/two-factor/?next=**")
    otp_clock.at += totp.interval
    page.get_by_label("Code").fill(totp.at(otp_clock.at))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/today/")
