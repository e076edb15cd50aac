"""The portal's foundation: a patient account signs in on the portal's own page and sees Home in
its language; staff are refused by the portal, patients by the staff side; reads are audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.actors import NotOwnRecord, PermissionRefused
from naltrack.accounts.roles import Action, Role
from naltrack.audit.models import AuditEvent
from naltrack.patients.models import Patient
from tests.integration.conftest import PASSWORD, login, make_patient
from tests.integration.portal_helpers import give_portal_account, portal_actor, portal_client

pytestmark = pytest.mark.django_db


def test_a_patient_signs_in_and_sees_home_and_the_read_is_audited(
    alice: Patient, fixed_today: Any
) -> None:
    account = give_portal_account(alice)
    c = portal_client(account)
    page = c.get("/portal/")
    assert page.status_code == 200
    assert b"Hello, Alice" in page.content
    assert page["Content-Language"] == "en"
    read = AuditEvent.objects.filter(object_type="portal_home").get()
    assert read.actor == "patient:mrn-0001@example.org"
    assert read.patient_mrn == "MRN-0001"


def test_home_is_in_the_account_language(alice: Patient, fixed_today: Any) -> None:
    account = give_portal_account(alice, language="es")
    page = portal_client(account).get("/portal/")
    assert page["Content-Language"] == "es"
    assert b'<html lang="es">' in page.content


def test_signed_out_visitor_is_sent_to_the_portal_sign_in() -> None:
    answer = Client().get("/portal/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/portal/sign-in/?next=")


def test_staff_cannot_sign_in_to_the_portal(db: None) -> None:
    from naltrack.accounts.services import create_staff

    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    answer = Client().post("/portal/sign-in/", {"username": "nina.nurse", "password": PASSWORD})
    assert answer.status_code == 200
    assert b"not right" in answer.content
    assert "_auth_user_id" not in Client().session


def test_a_staff_session_is_refused_by_portal_pages(db: None) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    assert nurse.get("/portal/").status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/today/",
        "/patients/",
        "/patients/MRN-0001/",
        "/account/",
        "/account/security/",
        "/alerts/",
        "/api/patients/MRN-0001",
    ],
)
def test_a_patient_session_cannot_reach_staff_pages_or_api(alice: Patient, path: str) -> None:
    c = portal_client(give_portal_account(alice))
    assert c.get(path).status_code == 403


def test_the_patient_actor_acts_only_on_its_own_record(alice: Patient) -> None:
    other = make_patient("MRN-0200")
    actor = portal_actor(give_portal_account(alice))
    actor.require_own(alice.pk)
    with pytest.raises(NotOwnRecord):
        actor.require_own(other.pk)
    assert not actor.can(Action.VIEW_CHART)
    with pytest.raises(PermissionRefused):
        actor.require(Action.VIEW_CHART)


def test_a_patient_signed_in_on_the_staff_page_is_still_kept_to_the_portal(alice: Patient) -> None:
    from tests.integration.portal_helpers import PORTAL_PASSWORD

    give_portal_account(alice)
    c = Client()
    c.post("/login/", {"username": "mrn-0001@example.org", "password": PORTAL_PASSWORD})
    for path in ("/today/", "/account/", "/patients/", "/api/patients"):
        assert c.get(path).status_code == 403, path
    assert c.get("/portal/").status_code == 200


def test_a_page_asking_for_another_patients_record_answers_404_and_is_audited(
    alice: Patient,
) -> None:
    from django.http import HttpRequest, HttpResponse
    from django.test import RequestFactory

    from naltrack.accounts.actors import PatientActor
    from naltrack.portal.pages import portal_view

    other = make_patient("MRN-0201")

    @portal_view
    def nosy(request: HttpRequest, actor: PatientActor) -> HttpResponse:
        actor.require_own(other.pk)
        return HttpResponse("never")

    account = give_portal_account(alice)
    request = RequestFactory().get("/portal/x/")
    request.user = account.user
    request.session = {}  # type: ignore[assignment]
    request.user.is_verified = lambda: False  # type: ignore[attr-defined]  # no OTPMiddleware here
    answer = nosy(request)
    assert answer.status_code == 404 and b"never" not in answer.content
    event = AuditEvent.objects.get(object_type="portal_refused")
    assert (event.actor, event.object_id, event.patient_mrn) == (
        "patient:mrn-0001@example.org", str(other.pk), "MRN-0001")  # fmt: skip
