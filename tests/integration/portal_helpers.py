"""Builders for the patient portal's tests: a patient with a portal account, and a browser
client signed in to the portal as that patient."""

from __future__ import annotations

from django.test import Client

from naltrack.accounts.actors import Console, PatientActor
from naltrack.patients.models import Patient
from naltrack.portal.models import PatientAccount
from naltrack.portal.services import create_account, patient_actor_for
from tests.integration.conftest import NOW

PORTAL_PASSWORD = "a-long-patient-password-7"


def give_portal_account(
    patient: Patient, login: str | None = None, *, language: str = "en"
) -> PatientAccount:
    """A portal account for `patient`, signing in as `login` (default: <mrn>@example.org)."""
    login = login or f"{patient.mrn.lower()}@example.org"
    return create_account(
        patient, login, PORTAL_PASSWORD, by=Console("console:test"), at=NOW, language=language
    )


def portal_actor(account: PatientAccount) -> PatientActor:
    return patient_actor_for(account, "10.0.1.1")


def portal_client(account: PatientAccount) -> Client:
    """A client signed in through the portal's own sign-in page."""
    c = Client()
    answer = c.post(
        "/portal/sign-in/",
        {"username": account.user.get_username(), "password": PORTAL_PASSWORD},
    )
    assert answer.status_code == 302, answer.content[:500]
    return c
