"""`naltrack check` over consents, disclosures, emergencies, break-the-glass and care teams
(issue 10): a clinic written by the use cases passes; a disclosure without its accounting, its
audit event, its basis, its labels or its notice, and an access out of bounds, are listed."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.consent import Recipient, RecipientClass
from naltrack.disclosure.models import Consent, Disclosure, Emergency
from naltrack.disclosure.services import ConsentInput, disclose, record_consent, revoke_consent
from naltrack.integrity.checks import check_integrity
from naltrack.integrity.disclosures import MIGRATED_BY
from naltrack.patients.careteam import add_to_care_team, break_glass
from naltrack.patients.models import BreakGlass, CareTeamMember, Patient
from tests.integration.conftest import COORDINATOR, NOW, NURSE, PASSWORD, TODAY, make_patient

pytestmark = pytest.mark.django_db

REASON = "Unresponsive after a suspected overdose; the ED needs current medications."
RIVERA = Recipient("Dr. Rivera", RecipientClass.TREATING_PROVIDERS)
ED = Recipient("Mercy ED", RecipientClass.TREATING_PROVIDERS)


@dataclasses.dataclass
class Clinic:
    patient: Patient
    other: Patient
    consent: Consent
    by_consent: Disclosure
    by_emergency: Disclosure
    glass: BreakGlass


def consent(p: Patient) -> Consent:
    return record_consent(p, ConsentInput(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=3),
        recipient_names=("Dr. Rivera",), purposes=("TREAT",), record_kinds=("medications",),
        expiry_event="end_of_treatment",
    ), actor=NURSE, at=NOW - timedelta(days=3))  # fmt: skip


@pytest.fixture
def clinic(settings: Any) -> Clinic:
    settings.CONFIG = dataclasses.replace(settings.CONFIG, care_team_required=True)
    p, other = make_patient("MRN-0950"), make_patient("MRN-0951")
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    create_staff("lou.nurse", PASSWORD, Role.NURSE)
    add_to_care_team(p, "nina.nurse", actor=COORDINATOR, at=NOW)
    c = consent(p)
    consent(other)
    by_consent = disclose(p, RIVERA, "TREAT", {"medications"}, NURSE, NOW).disclosure
    by_emergency = disclose(p, ED, "ETREAT", {"medications"}, NURSE, NOW, REASON).disclosure
    glass = break_glass(p, "Covering the evening clinic; the patient is here now.",
                        actor=Actor(None, "lou.nurse", Role.NURSE), at=NOW)  # fmt: skip
    return Clinic(p, other, c, by_consent, by_emergency, glass)


def findings() -> list[str]:
    return [str(f) for f in check_integrity().findings]


def test_a_clinic_written_by_its_use_cases_passes(clinic: Clinic) -> None:
    report = check_integrity()
    assert report.ok, [str(f) for f in report.findings]
    # 2 patients + 2 episodes, 2 consents, 2 disclosures, 1 emergency, 1 access, 1 team row
    assert report.records == 4 + 2 + 2 + 1 + 1 + 1


def test_upgraded_care_teams_need_no_audit_event_but_new_rows_do(clinic: Clinic) -> None:
    CareTeamMember.objects.create(patient=clinic.other, username="nina.nurse", added_by=MIGRATED_BY, added_at=NOW)  # fmt: skip
    assert findings() == []
    row = CareTeamMember.objects.create(patient=clinic.other, username="lou.nurse", added_by="x", added_at=NOW)  # fmt: skip
    assert findings() == [
        "patients_careteammember: 1 record(s) without the audit event of their writing "
        f"(create care_team_member): ids {row.pk}"
    ]


def test_a_disclosure_slipped_in_without_its_audit_event_is_listed(clinic: Clinic) -> None:
    row = Disclosure.objects.create(
        patient=clinic.patient, recipient_name="Acme", purpose="TREAT", record_kinds=["medications"],
        labels=clinic.by_consent.labels, basis="consent", consent=clinic.consent,
        channel="record_export", disclosed_by="x", disclosed_at=NOW, notice=clinic.by_consent.notice,
    )  # fmt: skip
    assert findings() == [
        "disclosure_disclosure: 1 record(s) without the audit event of their writing "
        f"(export disclosure): ids {row.pk}"
    ]


def test_records_that_left_without_their_accounting_are_listed(clinic: Clinic) -> None:
    record(at=NOW, actor="x", action=AuditAction.EXPORT, object_type="disclosure", object_id="9999",
           patient_mrn="MRN-0950")  # fmt: skip
    assert findings() == [
        "disclosure_disclosure: 1 disclosure(s) in the audit trail without their accounting row "
        "(disclosure ids): ids 9999"
    ]


def test_a_consent_deleted_behind_the_applications_back_is_listed(clinic: Clinic) -> None:
    spare = consent(clinic.other)
    Consent.objects.filter(pk=spare.pk).delete()
    assert findings() == [
        "disclosure_consent: 1 audit event(s) name a consent that is not in the database "
        f"(removed behind the application's back): ids {spare.pk}"
    ]


def test_a_disclosure_under_another_patients_consent_is_listed(clinic: Clinic) -> None:
    theirs = Consent.objects.get(patient=clinic.other)
    Disclosure.objects.filter(pk=clinic.by_consent.pk).update(consent=theirs)
    assert findings() == [
        "disclosure_disclosure: 1 disclosure(s) whose consent or emergency is another patient's: "
        f"ids {clinic.by_consent.pk}"
    ]


def test_a_disclosure_after_the_revocation_was_recorded_is_listed(clinic: Clinic) -> None:
    revoke_consent(clinic.patient, clinic.consent.pk, revoked_on=TODAY - timedelta(days=1),
                   revoked_by="Test Patient", note="letter", actor=NURSE, at=NOW - timedelta(days=1))  # fmt: skip
    assert findings() == [
        "disclosure_disclosure: 1 disclosure(s) under a consent not yet signed or already revoked "
        f"when they were made: ids {clinic.by_consent.pk}"
    ]


def test_a_revocation_recorded_later_does_not_make_earlier_disclosures_wrong(
    clinic: Clinic,
) -> None:
    # the patient's letter is dated before the disclosure but reached the program after it
    revoke_consent(clinic.patient, clinic.consent.pk, revoked_on=TODAY - timedelta(days=1),
                   revoked_by="Test Patient", note="letter", actor=NURSE, at=NOW + timedelta(hours=1))  # fmt: skip
    assert findings() == []


def test_a_disclosure_after_its_emergency_ended_is_listed(clinic: Clinic) -> None:
    Emergency.objects.update(
        ends_at=NOW - timedelta(minutes=1), declared_at=NOW - timedelta(hours=2)
    )
    assert findings() == [
        "disclosure_disclosure: 1 disclosure(s) made under an emergency that had already ended: "
        f"ids {clinic.by_emergency.pk}"
    ]


def test_a_disclosure_stripped_of_its_labels_or_notice_is_listed(clinic: Clinic) -> None:
    Disclosure.objects.filter(pk=clinic.by_consent.pk).update(labels=[{"code": "R"}])
    Disclosure.objects.filter(pk=clinic.by_emergency.pk).update(notice="")
    assert findings() == [
        "disclosure_disclosure: 1 disclosure(s) without the security labels of the records they "
        f"sent: ids {clinic.by_consent.pk}",
        f"disclosure_disclosure: 1 disclosure(s) without the 42 CFR 2.32 notice: ids {clinic.by_emergency.pk}",
    ]


def test_an_access_longer_than_any_clinic_may_set_is_listed(clinic: Clinic) -> None:
    BreakGlass.objects.filter(pk=clinic.glass.pk).update(ends_at=NOW + timedelta(hours=48))
    assert findings() == [
        "patients_breakglass: 1 break-the-glass access(es) that end before they open or last "
        f"longer than 24 hours: ids {clinic.glass.pk}"
    ]
