"""Portal invitations: a nurse or coordinator invites from the chart; the link and code are shown
once, sent by email, kept only as digests, work once and expire; a new invitation kills the old
ones; the patient sets a password (the project's validators), may add an authenticator app, and
signs in on the portal's own page, where lockouts apply."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pyotp
import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.patients.models import Patient
from naltrack.portal.invites import accept_invite, invite_patient, open_invite
from naltrack.portal.models import InviteStatus, PatientAccount, PortalInvite
from tests.integration.conftest import NOW, NURSE, login
from tests.integration.portal_helpers import PORTAL_PASSWORD
from tests.integration.test_signin import PhoneClock, install_phone_clock

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "river-stones-and-tea-9"


@pytest.fixture
def otp_clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> PhoneClock:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows guesses down; the tests do not wait
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return install_phone_clock(monkeypatch)


def send_invite(
    staff: Client, mrn: str = "MRN-0001", email: str = "alice@example.org"
) -> dict[str, str]:
    page = staff.post(f"/patients/{mrn}/portal/", {"email": email})
    assert page.status_code == 200, page.content[:400]
    html = page.content.decode()
    link = re.search(r'<code id="invite-link">([^<]+)</code>', html)
    code = re.search(r'<code id="invite-code" class="key">([A-Z0-9-]+)</code>', html)
    assert link and code
    return {
        "link": link.group(1),
        "path": link.group(1).split("testserver")[1],
        "code": code.group(1),
    }


def test_nurse_invites_from_the_chart_and_the_email_carries_link_and_code(alice: Patient) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    chart = nurse.get("/patients/MRN-0001/").content.decode()
    assert 'href="/patients/MRN-0001/portal/"' in chart
    sent = send_invite(nurse)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert sent["link"] in message.body and sent["code"] in message.body
    # Neutral: the clinic's short name, no name of the patient, the drug or the program.
    for word in ("Alice", "Example", "naltrexone", "injection", "MRN"):
        assert word.lower() not in f"{message.subject} {message.body}".lower()
    invite = PortalInvite.objects.get()
    token = sent["path"].rstrip("/").split("/")[-1]
    code = sent["code"].replace("-", "")
    stored = " ".join(str(v) for v in PortalInvite.objects.values_list().get())
    assert token not in stored and code not in stored  # digests only
    assert invite.expires_at == invite.created_at + timedelta(hours=72)
    event = AuditEvent.objects.get(object_type="portal_invite")
    assert (event.actor, event.action, event.patient_mrn) == (
        "nina.nurse",
        AuditAction.CREATE,
        "MRN-0001",
    )


def test_coordinator_may_invite_and_counselor_may_not(alice: Patient) -> None:
    coordinator = login(Role.COORDINATOR, "cora.coordinator")
    assert (
        'href="/patients/MRN-0001/portal/"'
        in coordinator.get("/patients/MRN-0001/").content.decode()
    )
    send_invite(coordinator)
    counselor = login(Role.COUNSELOR, "cole.counselor")
    assert "/portal/" not in counselor.get("/patients/MRN-0001/").content.decode()
    assert (
        counselor.post("/patients/MRN-0001/portal/", {"email": "a@example.org"}).status_code == 403
    )
    assert PortalInvite.objects.count() == 1


def test_a_bad_email_is_refused_beside_the_field(alice: Patient) -> None:
    page = login(Role.NURSE, "nina.nurse").post(
        "/patients/MRN-0001/portal/", {"email": "not-an-email"}
    )
    assert page.status_code == 400
    assert "Email: is not an email address" in page.content.decode()
    assert not PortalInvite.objects.exists() and not mail.outbox


def test_the_patient_accepts_by_link_once(alice: Patient, fixed_today: Any) -> None:
    sent = send_invite(login(Role.NURSE, "nina.nurse"))
    patient = Client()
    form = patient.get(sent["path"])  # opening the link changes nothing
    assert form.status_code == 200 and b"alice@example.org" in form.content
    assert patient.get(sent["path"]).status_code == 200
    weak = patient.post(sent["path"], {"password": "short", "password_again": "short"})
    assert weak.status_code == 200 and b"too short" in weak.content
    assert not PatientAccount.objects.exists()
    mismatch = patient.post(
        sent["path"], {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"}
    )
    assert b"The two passwords are not the same." in mismatch.content
    done = patient.post(sent["path"], {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/portal/"
    assert patient.get("/portal/").status_code == 200
    account = PatientAccount.objects.get()
    assert (account.patient, account.user.username) == (alice, "alice@example.org")
    assert PortalInvite.objects.get().status == InviteStatus.USED
    assert Client().get(sent["path"]).status_code == 410  # used up
    accepted = AuditEvent.objects.filter(
        object_type="portal_invite", action=AuditAction.UPDATE
    ).get()
    assert accepted.actor == "patient:alice@example.org"
    # The portal's own sign-in page now works with that password.
    again = Client().post(
        "/portal/sign-in/", {"username": "Alice@Example.org", "password": NEW_PASSWORD}
    )
    assert again.status_code == 302


def test_the_patient_accepts_by_code(alice: Patient) -> None:
    sent = send_invite(login(Role.NURSE, "nina.nurse"))
    patient = Client()
    typed = sent["code"].replace("-", " ").lower()  # as a person might type it
    step1 = patient.post("/portal/invite/", {"code": typed})
    assert b"Set your password" in step1.content
    step2 = patient.post("/portal/invite/", {"code": typed, "password": NEW_PASSWORD,
                                             "password_again": NEW_PASSWORD})  # fmt: skip
    assert step2.status_code == 302
    assert PatientAccount.objects.filter(patient=alice).exists()


def test_wrong_codes_lock_the_address(alice: Patient) -> None:
    prober = Client(REMOTE_ADDR="10.9.9.9")
    limit = settings.SIGNIN_ADDRESS_FAILURE_LIMIT
    answers = [
        prober.post("/portal/invite/", {"code": f"AAAA-{i:04d}"}).status_code for i in range(limit)
    ]
    assert answers == [200] * limit
    assert prober.post("/portal/invite/", {"code": "AAAA-BBBB"}).status_code == 429
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, object_type="portal_invite")
    assert failed.count() == limit


def test_a_new_invitation_kills_the_old_one_and_resets_lost_access(
    alice: Patient, otp_clock: PhoneClock
) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    first = send_invite(nurse)
    second = send_invite(nurse)
    assert Client().get(first["path"]).status_code == 410
    assert Client().post("/portal/invite/", {"code": first["code"]}).status_code == 200
    assert list(PortalInvite.objects.values_list("status", flat=True)) == ["open", "revoked"]
    c = Client()
    c.post(second["path"], {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    enrol_authenticator(c)
    # Lost phone and password: staff invite again; accepting sets a new password and removes the app.
    third = send_invite(nurse)
    Client().post(third["path"], {"password": PORTAL_PASSWORD, "password_again": PORTAL_PASSWORD})
    assert c.get("/portal/").status_code == 302  # the old session ended: to sign-in
    fresh = Client()
    assert (
        fresh.post(
            "/portal/sign-in/", {"username": "alice@example.org", "password": NEW_PASSWORD}
        ).status_code
        == 200
    )
    answer = fresh.post(
        "/portal/sign-in/", {"username": "alice@example.org", "password": PORTAL_PASSWORD}
    )
    assert answer["Location"] == "/portal/"  # no second factor asked any more
    assert PatientAccount.objects.count() == 1


def test_an_invitation_expires(alice: Patient) -> None:
    issued = invite_patient("MRN-0001", "alice@example.org", actor=NURSE, at=NOW, site="https://x")
    token = issued.link.rstrip("/").split("/")[-1]
    assert open_invite(token=token, at=issued.expires_at - timedelta(seconds=1)) is not None
    assert open_invite(token=token, at=issued.expires_at) is None
    with pytest.raises(Exception, match="expired or was already used"):
        accept_invite(token=token, password=NEW_PASSWORD, password_again=NEW_PASSWORD,
                      at=issued.expires_at + timedelta(hours=1))  # fmt: skip


def enrol_authenticator(c: Client) -> pyotp.TOTP:
    setup = c.get("/portal/settings/authenticator/")
    assert setup.status_code == 200 and "data:image/svg+xml" in setup.content.decode()
    totp = pyotp.TOTP(setup.context["enrolment"].secret)
    done = c.post("/portal/settings/authenticator/", {"code": totp.at(NOW.timestamp())})
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", done.content.decode())
    assert len(codes) == 10
    return totp


def test_optional_authenticator_at_accept_then_asked_at_sign_in(
    alice: Patient, otp_clock: PhoneClock
) -> None:
    sent = send_invite(login(Role.NURSE, "nina.nurse"))
    c = Client()
    answer = c.post(
        sent["path"],
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD, "second_factor": "1"},
    )
    assert answer["Location"] == "/portal/settings/authenticator/"
    totp = enrol_authenticator(c)
    assert c.get("/portal/").status_code == 200
    c.post("/portal/sign-out/")
    answer = c.post("/portal/sign-in/", {"username": "alice@example.org", "password": NEW_PASSWORD})
    assert answer["Location"].startswith("/portal/sign-in/code/")
    assert c.get("/portal/")["Location"].startswith(
        "/portal/sign-in/code/"
    )  # no page before the code
    wrong = c.post(
        "/portal/sign-in/code/",
        {"code": "000000" if totp.at(NOW.timestamp()) != "000000" else "111111"},
    )
    assert b"That code is not right." in wrong.content
    otp_clock.at += 30  # the next code
    right = c.post("/portal/sign-in/code/", {"code": totp.at(otp_clock.at), "next": "/portal/"})
    assert right.status_code == 302 and c.get("/portal/").status_code == 200


def test_portal_sign_in_locks_after_failures(alice: Patient) -> None:
    from tests.integration.portal_helpers import give_portal_account

    give_portal_account(alice)
    c = Client(REMOTE_ADDR="10.8.8.8")
    codes = [c.post("/portal/sign-in/", {"username": "mrn-0001@example.org", "password": "wrong-one"}).status_code
             for _ in range(settings.SIGNIN_ACCOUNT_FAILURE_LIMIT)]  # fmt: skip
    assert codes[-1] == 429
    locked = Client().post(
        "/portal/sign-in/", {"username": "mrn-0001@example.org", "password": PORTAL_PASSWORD}
    )
    assert locked.status_code == 429 and b"Sign-in is locked" in locked.content
