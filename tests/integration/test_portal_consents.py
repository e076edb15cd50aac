"""My consents (issue 10): the patient reads their consents in plain words with the core's status
and the disclosures made under each, revokes an active one in writing (a confirm step, the same
revocation use case staff use, audited as the patient), and never sees another patient's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.audit.models import AuditAction, AuditEvent
from naltrack.clinical.consent import Recipient, RecipientClass
from naltrack.disclosure.models import Consent
from naltrack.disclosure.services import ConsentInput, disclose, record_consent
from naltrack.patients.models import Patient
from naltrack.reminders.models import Reminder, SupportConsent
from naltrack.reminders.support import SupportInput, add_support_person
from tests.integration.conftest import COORDINATOR, NOW, NURSE, TODAY, login, make_patient
from tests.integration.portal_helpers import give_portal_account, portal_client

pytestmark = pytest.mark.django_db

LOGIN = "mrn-0600@example.org"


def primary_care(**changes: Any) -> ConsentInput:
    values: dict[str, Any] = dict(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=5),
        recipient_names=("Dr. Ana Rivera",), recipient_classes=("health_plans",), purposes=("TREAT",),
        record_kinds=("medications",), expires_on=TODAY + timedelta(days=90),
    )  # fmt: skip
    values.update(changes)
    return ConsentInput(**values)


@pytest.fixture
def patient() -> Patient:
    return make_patient("MRN-0600")


def test_the_patient_sees_each_consent_in_plain_words_with_what_was_shared(
    patient: Patient, fixed_today: Any
) -> None:
    active = record_consent(patient, primary_care(), actor=NURSE, at=NOW)
    disclose(patient, Recipient("Dr. Ana Rivera", RecipientClass.TREATING_PROVIDERS), "TREAT",
             {"medications"}, NURSE, NOW)  # fmt: skip
    expired = record_consent(patient, primary_care(
        signed_on=TODAY - timedelta(days=60), expires_on=TODAY - timedelta(days=1),
        recipient_names=("Hope Rehab",), recipient_classes=()), actor=NURSE, at=NOW)  # fmt: skip
    add_support_person(patient, SupportInput("Ana Sister", "sister", "email", ("visit",),
                                             email="ana@example.org"), by=COORDINATOR, at=NOW)  # fmt: skip
    disclose(patient, Recipient("Mercy Hospital ED", RecipientClass.TREATING_PROVIDERS), "TREAT",
             {"medications"}, NURSE, NOW,
             "Unresponsive after a suspected overdose; the ED needs current medications.")  # fmt: skip
    c = portal_client(give_portal_account(patient))
    page = c.get("/portal/consents/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/portal/consents/" aria-current="page"' in html  # the nav entry
    mine = html.split(f'id="consent-{active.pk}"')[1].split("</section>")[0]
    assert "Dr. Ana Rivera; My health plan and others who pay for my care" in mine
    assert "My medicines, doses and allergies" in mine and "My treatment" in mine
    assert "Active" in mine and f"/portal/consents/{active.pk}/revoke/" in mine
    assert "to Dr. Ana Rivera" in mine  # the disclosure made under it: what and why
    assert "My medicines, doses and allergies · My treatment" in mine
    old = html.split(f'id="consent-{expired.pk}"')[1].split("</section>")[0]
    assert "Expired" in old and "Nothing has been shared under it." in old
    assert "/revoke/" not in old  # an expired consent has nothing left to revoke
    support = html.split("Messages to Ana Sister")[1].split("</section>")[
        0
    ]  # the support-person consent
    assert "Reminders of my visits" in support and "Active" in support
    emergency = html.split('id="emergency-h"')[1].split("</section>")[0]
    assert "to Mercy Hospital ED" in emergency and "Mercy Hospital ED" not in mine
    reads = AuditEvent.objects.filter(actor=f"patient:{LOGIN}", action=AuditAction.READ)
    # One page view, one read event (issue 12), naming both parts read.
    [read] = reads.filter(object_type="consents")
    assert "also read disclosures" in read.detail


def test_the_patient_revokes_in_writing_and_the_chart_shows_it_revoked(
    patient: Patient, fixed_today: Any
) -> None:
    consent = record_consent(patient, primary_care(), actor=NURSE, at=NOW)
    c = portal_client(give_portal_account(patient))
    url = f"/portal/consents/{consent.pk}/revoke/"
    confirm = c.get(url).content.decode()
    assert 'name="confirm"' in confirm and "I revoke this consent." in confirm
    unticked = c.post(url, {"reason": "Changed doctors"})
    assert unticked.status_code == 400 and b"tick the box" in unticked.content
    assert "Changed doctors" in unticked.content.decode()  # the patient's words are kept
    assert Consent.objects.get(pk=consent.pk).revoked_on is None
    assert c.post(url, {"confirm": "yes", "reason": "Changed doctors"}).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_on == TODAY and consent.revocation_note == "Changed doctors"
    assert consent.revoked_by == f"{patient.given_name} {patient.family_name}"
    assert consent.revocation_recorded_by == f"patient:{LOGIN}"
    event = AuditEvent.objects.get(object_type="consent", action=AuditAction.UPDATE)
    assert event.actor == f"patient:{LOGIN}" and "revoked in writing" in event.detail
    assert "Revoked" in c.get("/portal/consents/").content.decode()
    chart = login(Role.COORDINATOR, "cora.coordinator").get(f"/patients/{patient.mrn}/consents/")
    assert "revoked" in chart.content.decode()
    # Nothing leaves under it any more (the one consent filter decides).
    with pytest.raises(Exception, match="revoked"):
        disclose(patient, Recipient("Dr. Ana Rivera"), "TREAT", {"medications"}, NURSE, NOW)
    # A second revocation changes nothing.
    assert c.post(url, {"confirm": "yes"}).status_code == 302
    assert AuditEvent.objects.filter(object_type="consent", action=AuditAction.UPDATE).count() == 1


def test_revoking_a_support_persons_consent_stops_their_messages(
    patient: Patient, fixed_today: Any
) -> None:
    person = add_support_person(patient, SupportInput("Ana Sister", "sister", "email", ("visit",),
                                                      email="ana@example.org"), by=COORDINATOR, at=NOW)  # fmt: skip
    support = SupportConsent.objects.get(support_person=person)
    c = portal_client(give_portal_account(patient))
    assert c.post(f"/portal/consents/{support.consent_id}/revoke/", {"confirm": "yes"}).status_code == 302  # fmt: skip
    support.refresh_from_db()
    assert support.withdrawn_at is not None and support.consent.revoked_on == TODAY
    assert not Reminder.objects.filter(support_person=person, status="pending").exists()


def test_another_patients_consent_is_not_found_and_the_attempt_audited(
    patient: Patient, fixed_today: Any
) -> None:
    other = make_patient("MRN-0601")
    theirs = record_consent(other, primary_care(), actor=NURSE, at=NOW)
    c = portal_client(give_portal_account(patient))
    url = f"/portal/consents/{theirs.pk}/revoke/"
    assert c.get(url).status_code == 404
    posted = c.post(url, {"confirm": "yes", "reason": "not mine"})
    assert posted.status_code == 404 and b"Dr. Ana Rivera" not in posted.content
    assert Consent.objects.get(pk=theirs.pk).revoked_on is None
    refused = AuditEvent.objects.filter(object_type="portal_refused", actor=f"patient:{LOGIN}")
    assert refused.count() == 2 and refused.first().object_id == str(other.pk)  # type: ignore[union-attr]
    assert other.mrn not in c.get("/portal/consents/").content.decode()
    assert c.get("/portal/consents/999999/revoke/").status_code == 404


def test_the_consents_page_is_in_spanish_for_a_spanish_speaking_patient(
    patient: Patient, fixed_today: Any
) -> None:
    record_consent(patient, primary_care(), actor=NURSE, at=NOW)
    html = portal_client(give_portal_account(patient, language="es")).get("/portal/consents/")
    text = html.content.decode()
    assert "Mis consentimientos" in text and "Activo" in text


def test_the_revocation_use_case_refuses_a_patient_actor_on_another_record(
    patient: Patient, fixed_today: Any
) -> None:
    from naltrack.accounts.actors import NotOwnRecord
    from naltrack.disclosure.services import revoke_consent
    from tests.integration.portal_helpers import portal_actor

    other = make_patient("MRN-0601")
    theirs = record_consent(other, primary_care(), actor=NURSE, at=NOW)
    actor = portal_actor(give_portal_account(patient))
    with pytest.raises(NotOwnRecord):
        revoke_consent(other, theirs.pk, revoked_on=TODAY, revoked_by="X", note="n", actor=actor, at=NOW)  # fmt: skip
    assert Consent.objects.get(pk=theirs.pk).revoked_on is None
