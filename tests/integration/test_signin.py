"""Sign-in as an attacker and as staff would meet it (issue 10): lockouts per account and per
address (django-axes), bad API tokens counted the same way, the director's audited unlock, the
password policy, idle sign-out, signing out everywhere, and the second factor with codes computed
by an independent TOTP implementation (pyotp, RFC 6238)."""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff, create_token
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.signin.lockout import LOCK_OBJECT
from naltrack.signin.sessions import LAST_SEEN
from tests.integration.conftest import NOW, PASSWORD, login

pytestmark = pytest.mark.django_db

ATTACKER = "10.66.0.1"


def post_login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return client.get("/today/").status_code == 200


# ---- lockout -------------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_account_until_the_director_unlocks_it() -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    answers = [post_login(attacker, "nina.nurse", f"guess-{i}-wrong-pw") for i in range(30)]
    # Four refusals as a wrong password, then the lock from the fifth on, with its reason.
    assert [r.status_code for r in answers[:4]] == [200] * 4
    assert "Please enter a correct username and password" in answers[0].content.decode()
    assert {r.status_code for r in answers[4:]} == {429}
    assert "This account is locked after" in answers[-1].content.decode()
    assert "ask the program director to unlock it" in answers[-1].content.decode()

    # The right password is refused while locked, from this address and from any other.
    assert post_login(attacker, "nina.nurse", PASSWORD).status_code == 429
    elsewhere = Client(REMOTE_ADDR="10.0.0.8")
    assert post_login(elsewhere, "nina.nurse", PASSWORD).status_code == 429
    assert not signed_in(elsewhere)

    # Every attempt is audited, and the lock once for the account and once for the address.
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, actor="nina.nurse")
    assert failed.exclude(object_type=LOCK_OBJECT).count() == 32
    locks = AuditEvent.objects.filter(object_type=LOCK_OBJECT, action=AuditAction.LOGIN_FAILED)
    assert sorted(locks.values_list("object_id", flat=True)) == [
        "account:nina.nurse",
        f"address:{ATTACKER}",
    ]

    # The director sees both locks and lifts the account's: the nurse signs in from her desk.
    director = login(Role.DIRECTOR, "dana.director")
    page = director.get("/staff/lockouts/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "nina.nurse" in text and ATTACKER in text
    assert (
        director.post("/staff/lockouts/", {"kind": "account", "value": "nina.nurse"}).status_code
        == 302
    )
    assert post_login(elsewhere, "nina.nurse", PASSWORD).status_code == 302
    assert signed_in(elsewhere)
    unlocked = AuditEvent.objects.get(object_type=LOCK_OBJECT, action=AuditAction.UPDATE)
    assert (unlocked.actor, unlocked.object_id) == ("dana.director", "account:nina.nurse")
    assert "unlocked by the director" in unlocked.detail

    # The attacker's address stays locked (30 failures) until it is unlocked too.
    assert post_login(attacker, "nina.nurse", PASSWORD).status_code == 429
    director.post("/staff/lockouts/", {"kind": "address", "value": ATTACKER})
    assert post_login(attacker, "nina.nurse", PASSWORD).status_code == 302


def test_an_address_is_locked_after_failures_on_many_accounts() -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    sprayer = Client(REMOTE_ADDR=ATTACKER)
    limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
    # One wrong password each for many names: no account reaches its own limit.
    codes = [post_login(sprayer, f"user{i}", "wrong-password-x").status_code for i in range(limit)]
    assert codes[: limit - 1] == [200] * (limit - 1) and codes[-1] == 429
    assert post_login(sprayer, "nina.nurse", PASSWORD).status_code == 429
    assert (
        "Sign-in from this address is locked"
        in post_login(sprayer, "nina.nurse", PASSWORD).content.decode()
    )
    # The nurse herself, from another address, is not locked out.
    assert post_login(Client(REMOTE_ADDR="10.0.0.8"), "nina.nurse", PASSWORD).status_code == 302


def test_a_right_password_clears_the_accounts_earlier_failures() -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    c = Client()
    for _ in range(settings.SIGNIN_ACCOUNT_FAILURE_LIMIT - 1):
        assert post_login(c, "nina.nurse", "a-typo-password").status_code == 200
    assert post_login(c, "nina.nurse", PASSWORD).status_code == 302
    c.post("/logout/")
    # A new typo starts from one again, not from the limit.
    assert post_login(c, "nina.nurse", "a-typo-password").status_code == 200
    assert post_login(c, "nina.nurse", PASSWORD).status_code == 302


def test_bad_api_tokens_lock_their_address() -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    good = create_token("nina.nurse", at=NOW)
    prober = Client(REMOTE_ADDR=ATTACKER)
    bad = {"Authorization": "Bearer nt_guessed-token-0000"}
    limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
    codes = [prober.get("/api/patients", headers=bad).status_code for _ in range(limit)]
    assert codes == [401] * limit
    refused = prober.get("/api/patients", headers=bad)
    assert refused.status_code == 429
    assert refused.json() == {
        "message": "too many failed sign-ins or bad tokens from this address; try again later",
        "field": None,
    }
    # Even a good token is refused from the locked address, and works from any other.
    assert (
        prober.get("/api/patients", headers={"Authorization": f"Bearer {good}"}).status_code == 429
    )
    other = Client(REMOTE_ADDR="10.0.0.8")
    assert (
        other.get("/api/patients", headers={"Authorization": f"Bearer {good}"}).status_code == 200
    )
    # Each bad token is audited; so is the lock.
    assert (
        AuditEvent.objects.filter(object_type="api_token", action=AuditAction.LOGIN_FAILED).count()
        == limit
    )
    assert (
        AuditEvent.objects.filter(object_type=LOCK_OBJECT, object_id=f"address:{ATTACKER}").count()
        == 1
    )


def test_only_the_director_sees_and_lifts_lockouts() -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for _ in range(settings.SIGNIN_ACCOUNT_FAILURE_LIMIT):
        post_login(attacker, "nina.nurse", "wrong-password-x")
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    assert prescriber.get("/staff/lockouts/").status_code == 403
    assert (
        prescriber.post("/staff/lockouts/", {"kind": "account", "value": "nina.nurse"}).status_code
        == 403
    )
    assert post_login(attacker, "nina.nurse", PASSWORD).status_code == 429
    assert not AuditEvent.objects.filter(
        object_type=LOCK_OBJECT, action=AuditAction.UPDATE
    ).exists()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "user", "value": "nina.nurse"}, "kind: must be account or address"),
        ({"kind": "address", "value": "not-an-address"}, "value: must be an IP address"),
        ({"kind": "account", "value": "nobody"}, "value: no failed sign-ins are counted"),
        ({"kind": "account", "value": " "}, "value: is required"),
    ],
)
def test_a_bad_unlock_is_refused_naming_the_field(form: dict[str, str], message: str) -> None:
    director = login(Role.DIRECTOR, "dana.director")
    response = director.post("/staff/lockouts/", form)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(object_type=LOCK_OBJECT).exists()


def test_a_sign_in_from_the_server_itself_is_not_refused_for_want_of_an_address() -> None:
    """Django's test client and commands authenticate with no request: no lock applies to them,
    the password check still does."""
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    c = Client()
    assert c.login(username="nina.nurse", password=PASSWORD)
    assert signed_in(c)
    assert not Client().login(username="nina.nurse", password="a-wrong-password")


# ---- password policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("nina.nurse", "Short-pw1!", "at least 12 characters"),
        ("nina.nurse", "qwertyqwerty", "too common"),
        ("nina.nurse", "738291046652019", "entirely numeric"),
        ("margaret.hamilton", "margaret.hamilton7", "too similar to the username"),
    ],
)
def test_the_password_policy_refuses_weak_passwords(
    username: str, password: str, message: str
) -> None:
    with pytest.raises(InputError) as refused:
        create_staff(username, password, Role.NURSE)
    assert refused.value.field == "password"
    assert message in refused.value.message


def test_a_long_uncommon_password_is_accepted() -> None:
    assert create_staff("nina.nurse", "quiet-harbour-lantern-42", Role.NURSE).check_password(
        "quiet-harbour-lantern-42"
    )


# ---- sessions ------------------------------------------------------------------------------------


def idle_for(client: Client, seconds: float) -> None:
    """Move the session's last request `seconds` back from the last one it recorded (at sign-in
    or at the previous page, a moment ago): the test reads no clock."""
    session = client.session
    session[LAST_SEEN] = session[LAST_SEEN] - seconds
    session.save()


def test_an_idle_session_is_signed_out() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    timeout = settings.SIGNIN_IDLE_TIMEOUT_S
    idle_for(nurse, timeout - 90)
    assert nurse.get("/today/").status_code == 200  # still within the idle time
    idle_for(nurse, timeout + 5)
    response = nurse.get("/today/")
    assert response.status_code == 302 and response["Location"] == "/login/?next=%2Ftoday%2F"
    assert not signed_in(nurse)  # the session is gone, not only this request
    page = nurse.get("/login/").content.decode()
    assert f"You were signed out after {timeout // 60} minutes without activity." in page


def test_an_idle_htmx_request_sends_the_whole_page_to_sign_in() -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    idle_for(nurse, settings.SIGNIN_IDLE_TIMEOUT_S + 5)
    response = nurse.get("/today/", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/login/")


def test_the_idle_timeout_is_the_clinics_setting(settings: Any) -> None:
    settings.SIGNIN_IDLE_TIMEOUT_S = 5 * 60
    nurse = login(Role.NURSE, "nina.nurse")
    idle_for(nurse, 6 * 60)
    assert nurse.get("/today/").status_code == 302


def test_sign_out_everywhere_ends_every_session_of_the_user_only() -> None:
    desk = login(Role.NURSE, "nina.nurse")
    ward = Client()
    assert post_login(ward, "nina.nurse", PASSWORD).status_code == 302
    colleague = login(Role.PRESCRIBER, "pat.prescriber")
    assert signed_in(desk) and signed_in(ward) and signed_in(colleague)
    assert "Sign out everywhere" in desk.get("/account/security/").content.decode()

    response = desk.post("/account/sign-out-everywhere/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(desk) and not signed_in(ward)
    assert signed_in(colleague)
    event = AuditEvent.objects.get(object_type="session")
    assert (event.actor, event.action) == ("nina.nurse", AuditAction.UPDATE)
    assert event.detail == "signed out everywhere (2 sessions ended)"
    assert (
        desk.get("/account/sign-out-everywhere/").status_code == 302
    )  # GET: to sign-in, no change


# ---- second factor -------------------------------------------------------------------------------


class PhoneClock:
    """The time django-otp checks codes at, set by the test (no test reads the real clock): the
    authenticator app on the phone and the server agree on it, as they do in life."""

    def __init__(self, at: float) -> None:
        self.at = at

    def time(self) -> float:
        return self.at


def install_phone_clock(monkeypatch: pytest.MonkeyPatch) -> PhoneClock:
    from django_otp.plugins.otp_totp import models as totp_models

    clock = PhoneClock(NOW.timestamp())
    monkeypatch.setattr(totp_models, "time", clock)  # django-otp calls time.time()
    return clock


@pytest.fixture
def otp_clock(monkeypatch: pytest.MonkeyPatch) -> PhoneClock:
    return install_phone_clock(monkeypatch)


@pytest.fixture
def second_factor_required(settings: Any, otp_clock: PhoneClock) -> None:
    settings.SIGNIN_REQUIRE_SECOND_FACTOR = True
    # django-otp slows down guesses (1 s, 2 s, 4 s... after failures); the tests do not wait.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def enrol(client: Client, at: float = NOW.timestamp()) -> tuple[pyotp.TOTP, str, list[str]]:
    """Set up the authenticator as a person would: read the key, type the app's code."""
    setup = client.get("/account/two-factor/setup/")
    assert setup.status_code == 200
    secret = setup.context["enrolment"].secret
    assert "data:image/svg+xml" in setup.content.decode()  # the QR code to scan
    totp = pyotp.TOTP(secret)  # an independent RFC 6238 implementation, as the phone's app
    wrong = client.post(
        "/account/two-factor/setup/", {"code": "000000" if totp.at(at) != "000000" else "111111"}
    )
    assert "is not the code the authenticator shows now" in wrong.content.decode()
    code = totp.at(at)
    done = client.post("/account/two-factor/setup/", {"code": code, "next": "/today/"})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", done.content.decode())
    assert len(codes) == 10 and "shown only once" in done.content.decode()
    return totp, code, codes


def test_a_prescriber_must_set_up_and_pass_the_second_factor(
    second_factor_required: None, otp_clock: PhoneClock
) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    first = Client()
    assert post_login(first, "pat.prescriber", PASSWORD).status_code == 302
    # No page before the authenticator is set up.
    response = first.get("/today/")
    assert response.status_code == 302
    assert response["Location"] == "/account/two-factor/setup/?next=%2Ftoday%2F"
    totp, used_code, recovery = enrol(first)
    assert signed_in(first)
    assert (
        AuditEvent.objects.filter(
            object_type="second_factor", detail__startswith="authenticator set up"
        ).count()
        == 1
    )

    # The next sign-in asks for a code; a used one is not taken again (a replay), the next is.
    second = Client()
    assert post_login(second, "pat.prescriber", PASSWORD).status_code == 302
    assert second.get("/today/")["Location"] == "/account/two-factor/?next=%2Ftoday%2F"
    assert not signed_in(second)
    replay = second.post("/account/two-factor/", {"code": used_code, "next": "/today/"})
    assert replay.status_code == 200 and "This code is not right" in replay.content.decode()
    otp_clock.at += totp.interval  # half a minute later, the app shows the next code
    next_code = totp.at(otp_clock.at)
    passed = second.post("/account/two-factor/", {"code": next_code, "next": "/today/"})
    assert passed.status_code == 302 and passed["Location"] == "/today/"
    assert signed_in(second)

    # A recovery code works once.
    third, fourth = Client(), Client()
    for c in (third, fourth):
        assert post_login(c, "pat.prescriber", PASSWORD).status_code == 302
    assert third.post("/account/two-factor/", {"code": recovery[0]}).status_code == 302
    assert signed_in(third)
    assert fourth.post("/account/two-factor/", {"code": recovery[0]}).status_code == 200
    assert not signed_in(fourth)
    assert "9 unused recovery codes" in third.get("/account/security/").content.decode()
    passed_events = AuditEvent.objects.filter(object_type="second_factor", action=AuditAction.LOGIN)
    assert [e.detail for e in passed_events.order_by("seq")] == [
        "second factor passed (authenticator)",
        "second factor passed (recovery code; 9 recovery codes left)",
    ]


def test_a_director_is_asked_and_a_nurse_is_not(second_factor_required: None) -> None:
    director = login(Role.DIRECTOR, "dana.director")
    assert director.get("/audit/")["Location"].startswith("/account/two-factor/setup/")
    nurse = login(Role.NURSE, "nina.nurse")
    assert signed_in(nurse)


def test_in_development_the_second_factor_is_not_required_unless_set_up() -> None:
    assert settings.SIGNIN_REQUIRE_SECOND_FACTOR is False  # tests run in development mode
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    assert signed_in(prescriber)


def test_wrong_codes_lock_the_account_and_end_the_session(second_factor_required: None) -> None:
    first = login(Role.PRESCRIBER, "pat.prescriber")
    enrol(first)
    second = Client()
    post_login(second, "pat.prescriber", PASSWORD)
    limit = settings.SIGNIN_ACCOUNT_FAILURE_LIMIT
    answers = [second.post("/account/two-factor/", {"code": "12345x"}) for _ in range(limit)]
    assert [a.status_code for a in answers[:-1]] == [200] * (limit - 1)
    assert answers[-1].status_code == 429
    assert "This account is locked" in answers[-1].content.decode()
    assert second.get("/today/")["Location"].startswith("/login/")  # signed out
    assert post_login(Client(), "pat.prescriber", PASSWORD).status_code == 429


def test_guessing_codes_is_slowed_down_with_a_clear_message(
    second_factor_required: None, settings: Any
) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    first = login(Role.PRESCRIBER, "pat.prescriber")
    totp, _, _ = enrol(first)
    second = Client()
    post_login(second, "pat.prescriber", PASSWORD)
    # As django-otp leaves a device after many wrong codes in a row: held back for 2^(n-1) seconds
    # from the last one (here, years: the test does not depend on the real clock).
    TOTPDevice.objects.filter(confirmed=True).update(
        throttling_failure_count=30, throttling_failure_timestamp=NOW
    )
    settings.OTP_TOTP_THROTTLE_FACTOR = 1
    held = second.post("/account/two-factor/", {"code": totp.at(NOW.timestamp() + totp.interval)})
    assert held.status_code == 429
    assert "Too many wrong codes in a row: wait" in held.content.decode()
    assert not signed_in(second)


# --- a lost phone and lost recovery codes: the director resets the second factor ------------


def test_the_director_resets_a_lost_second_factor_and_the_console_can_too(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from naltrack.accounts.services import Actor
    from naltrack.cli.main import main
    from naltrack.signin.second_factor import has_authenticator, reset_second_factor

    user = create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    StaticDevice.objects.create(user=user, name="recovery codes", confirmed=True)
    nurse = Actor(9, "nina.nurse", Role.NURSE, "10.0.0.8")
    with pytest.raises(PermissionRefused):
        reset_second_factor("pat.prescriber", by=nurse, at=NOW)
    assert has_authenticator(user)
    director = Actor(5, "dana.director", Role.DIRECTOR, "10.0.0.11")
    assert reset_second_factor("pat.prescriber", by=director, at=NOW) == 2
    assert not has_authenticator(user) and not StaticDevice.objects.filter(user=user).exists()
    event = AuditEvent.objects.filter(object_type="second_factor").get()
    assert (
        event.actor == "dana.director" and "second factor reset for pat.prescriber" in event.detail
    )
    with pytest.raises(InputError) as nothing:
        reset_second_factor("pat.prescriber", by=director, at=NOW)
    assert nothing.value.field == "user"
    # the console, for a clinic whose only director lost the phone
    TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)
    assert main(["user", "reset-second-factor", "pat.prescriber"]) == 0
    assert "authenticator and recovery codes removed" in capsys.readouterr().out
    assert not has_authenticator(user)
    assert main(["user", "reset-second-factor", "nobody.here"]) == 2
    assert "user" in capsys.readouterr().err
