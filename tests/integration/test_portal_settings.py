"""Settings: the patient's language (used from the next page on), their password (the project's
validators; this device stays signed in), and removing the authenticator app. Each write is
audited under the patient account; a bad value is named beside its field and changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from naltrack.audit.models import AuditEvent
from naltrack.patients.models import Patient
from naltrack.portal.models import PatientAccount
from tests.integration.portal_helpers import PORTAL_PASSWORD, give_portal_account, portal_client
from tests.integration.test_portal_invites import enrol_authenticator
from tests.integration.test_signin import PhoneClock, install_phone_clock

pytestmark = pytest.mark.django_db
NEW = "a-new-long-patient-password-8"


@pytest.fixture
def phone_clock(monkeypatch: pytest.MonkeyPatch, settings: Any) -> PhoneClock:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # django-otp slows guesses down; the tests do not wait
    settings.OTP_STATIC_THROTTLE_FACTOR = 0
    return install_phone_clock(monkeypatch)


def test_language_is_saved_and_used(alice: Patient, fixed_today: Any) -> None:
    c = portal_client(give_portal_account(alice))
    assert c.post("/portal/settings/", {"form": "language", "language": "es"}).status_code == 302
    assert PatientAccount.objects.get().language == "es"
    assert c.get("/portal/")["Content-Language"] == "es"
    bad = c.post("/portal/settings/", {"form": "language", "language": "fr"})
    assert bad.status_code == 400 and PatientAccount.objects.get().language == "es"
    event = AuditEvent.objects.get(object_type="portal_account", detail="language en -> es")
    assert event.actor == "patient:mrn-0001@example.org"


def test_password_change(alice: Patient) -> None:
    c = portal_client(give_portal_account(alice))
    wrong = c.post(
        "/portal/settings/", {"form": "password", "current": "nope", "new": NEW, "new_again": NEW}
    )
    assert wrong.status_code == 400 and b"That is not your current password." in wrong.content
    weak = c.post(
        "/portal/settings/",
        {"form": "password", "current": PORTAL_PASSWORD, "new": "123", "new_again": "123"},
    )
    assert weak.status_code == 400 and b"too short" in weak.content
    done = c.post(
        "/portal/settings/",
        {"form": "password", "current": PORTAL_PASSWORD, "new": NEW, "new_again": NEW},
    )
    assert done.status_code == 302
    assert c.get("/portal/").status_code == 200  # still signed in here
    login = Client().post("/portal/sign-in/", {"username": "mrn-0001@example.org", "password": NEW})
    assert login.status_code == 302
    assert (
        AuditEvent.objects.filter(object_type="portal_account", detail="password changed").count()
        == 1
    )


def test_removing_the_authenticator_needs_the_password(
    alice: Patient, phone_clock: PhoneClock
) -> None:
    c = portal_client(give_portal_account(alice))
    enrol_authenticator(c)
    assert b"backup codes left" in c.get("/portal/settings/").content
    refused = c.post("/portal/settings/", {"form": "remove_factor", "password": "nope"})
    assert refused.status_code == 400
    assert (
        c.post(
            "/portal/settings/", {"form": "remove_factor", "password": PORTAL_PASSWORD}
        ).status_code
        == 302
    )
    assert b"Set up an authenticator app" in c.get("/portal/settings/").content
    again = Client().post(
        "/portal/sign-in/", {"username": "mrn-0001@example.org", "password": PORTAL_PASSWORD}
    )
    assert again["Location"] == "/portal/"  # no code asked any more
