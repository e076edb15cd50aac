"""Consents, the one consent filter, the accounting, break-the-glass (42 CFR 2.51), their pages and
their API, on SQLite and PostgreSQL. The rule itself is tested in tests/unit/test_consent.py."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_token
from naltrack.audit.models import AuditEvent
from naltrack.chart.release import release_records
from naltrack.clinical.consent import (
    EMERGENCY_HOURS,
    REDISCLOSURE_NOTICE,
    DisclosureRefused,
    Purpose,
    Recipient,
    RecipientClass,
    RecordKind,
)
from naltrack.clinical.errors import ConflictError, InputError, NotFoundError
from naltrack.counselling.services import record_session
from naltrack.disclosure.models import Consent, Disclosure, Emergency
from naltrack.disclosure.services import (
    ConsentInput,
    accounting,
    accounting_csv,
    active_emergency,
    disclose,
    list_consents,
    record_consent,
    review,
    revoke_consent,
)
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from tests.integration.conftest import (
    COORDINATOR,
    COUNSELOR,
    DIRECTOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    login,
    make_patient,
)

pytestmark = pytest.mark.django_db

ED = Recipient("Mercy Hospital Emergency Department", RecipientClass.TREATING_PROVIDERS)
RIVERA = Recipient("Dr. Ana Rivera", RecipientClass.TREATING_PROVIDERS)
EMPLOYER = Recipient("Acme Logistics")
MEDS = {RecordKind.MEDICATIONS.value}
REASON = "Unresponsive after a suspected overdose; the ED needs current medications."


def tpo(**changes: Any) -> ConsentInput:
    values: dict[str, Any] = dict(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=5),
        recipient_classes=tuple(c.value for c in RecipientClass), purposes=("TREAT", "HPAYMT", "HOPERAT"),
        all_records=True, expiry_event="none",
    )  # fmt: skip
    values.update(changes)
    return ConsentInput(**values)


def primary_care(**changes: Any) -> ConsentInput:
    values: dict[str, Any] = dict(
        scope="general", signed_by="Test Patient", signer="patient", signed_on=TODAY - timedelta(days=5),
        recipient_names=("Dr. Ana Rivera",), purposes=("TREAT",), record_kinds=("medications",),
        expires_on=TODAY + timedelta(days=90),
    )  # fmt: skip
    values.update(changes)
    return ConsentInput(**values)


@pytest.fixture
def patient() -> Patient:
    return make_patient("MRN-0500")


def audit(kind: str, mrn: str = "MRN-0500") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=kind, patient_mrn=mrn))


# ---- consents -------------------------------------------------------------------------------


def test_recording_a_consent_keeps_the_2_31_elements_and_is_audited(patient: Patient) -> None:
    c = record_consent(patient, tpo(), actor=NURSE, at=NOW)
    c.refresh_from_db()
    assert c.all_records and "counselling_notes" not in c.record_kinds
    assert set(c.purposes) == {"TREAT", "HPAYMT", "HOPERAT"} and c.expiry_event == "none"
    assert (c.signed_by, c.signed_on, c.recorded_by) == ("Test Patient", TODAY - timedelta(days=5), "nina.nurse")  # fmt: skip
    [event] = audit("consent")
    assert (event.action, event.actor, event.remote_addr) == ("create", "nina.nurse", "10.0.0.8")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"recipient_names": (), "recipient_classes": ()}, "recipient_names"),
        ({"purposes": ()}, "purposes"),
        ({"purposes": ("ETREAT",)}, "purposes"),
        ({"purposes": ("BRIBE",)}, "purposes"),
        ({"record_kinds": ()}, "record_kinds"),
        ({"record_kinds": ("medications", "counselling_notes")}, "record_kinds"),
        ({"expires_on": None}, "expires_on"),
        ({"expires_on": TODAY - timedelta(days=6)}, "expires_on"),
        ({"expires_on": None, "expiry_event": "none"}, "expiry_event"),  # "none": TPO only
        ({"signed_on": TODAY + timedelta(days=1)}, "signed_on"),
        ({"signed_by": "  "}, "signed_by"),
        ({"signer": "neighbour"}, "signer"),
        ({"recipient_names": ("x" * 201,)}, "recipient_names"),
    ],
)
def test_an_incomplete_consent_is_refused_naming_the_field_and_writes_nothing(
    patient: Patient, changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(InputError) as e:
        record_consent(patient, primary_care(**changes), actor=NURSE, at=NOW)
    assert e.value.field == field
    assert not Consent.objects.exists() and not audit("consent")


def test_a_counselling_notes_consent_covers_notes_only(patient: Patient) -> None:
    c = record_consent(patient, primary_care(scope="counselling_notes", record_kinds=("medications",)),
                       actor=COUNSELOR, at=NOW)  # fmt: skip
    assert c.record_kinds == ["counselling_notes"]


def test_revocation_in_writing_ends_the_consent_from_its_day(patient: Patient) -> None:
    c = record_consent(patient, tpo(), actor=NURSE, at=NOW)
    disclose(patient, ED, "TREAT", MEDS, NURSE, at(TODAY - timedelta(days=1)))
    revoke_consent(patient, c.pk, revoked_on=TODAY, revoked_by="Test Patient", note="Signed letter, scanned",
                   actor=COORDINATOR, at=NOW)  # fmt: skip
    c.refresh_from_db()
    assert (c.revoked_on, c.revoked_by, c.revocation_recorded_by) == (TODAY, "Test Patient", "cora.coordinator")  # fmt: skip
    with pytest.raises(DisclosureRefused) as e:
        disclose(patient, ED, "TREAT", MEDS, NURSE, NOW)
    assert e.value.message == f"not disclosed: consent {c.pk} was revoked on {TODAY}"
    assert [a.action for a in audit("consent")] == ["update", "create"]


def test_revocation_refusals(patient: Patient) -> None:
    c = record_consent(patient, tpo(), actor=NURSE, at=NOW)
    other = make_patient("MRN-0501")
    with pytest.raises(NotFoundError):
        revoke_consent(other, c.pk, revoked_on=TODAY, revoked_by="X", note="n", actor=NURSE, at=NOW)
    with pytest.raises(InputError) as e:
        revoke_consent(patient, c.pk, revoked_on=TODAY - timedelta(days=9), revoked_by="X", note="n",
                       actor=NURSE, at=NOW)  # fmt: skip
    assert e.value.field == "revoked_on"
    with pytest.raises(InputError) as e:
        revoke_consent(
            patient, c.pk, revoked_on=TODAY, revoked_by="X", note=" ", actor=NURSE, at=NOW
        )
    assert e.value.field == "note"
    revoke_consent(patient, c.pk, revoked_on=TODAY, revoked_by="X", note="n", actor=NURSE, at=NOW)
    with pytest.raises(ConflictError):
        revoke_consent(
            patient, c.pk, revoked_on=TODAY, revoked_by="X", note="n", actor=NURSE, at=NOW
        )


def test_listing_consents_is_an_audited_read(patient: Patient) -> None:
    record_consent(patient, tpo(), actor=NURSE, at=NOW)
    assert len(list_consents(patient, actor=COORDINATOR, at=NOW)) == 1
    assert [(e.action, e.actor) for e in audit("consents")] == [("read", "cora.coordinator")]


# ---- the consent filter -----------------------------------------------------------------------


def test_without_a_consent_nothing_leaves_and_the_attempt_is_audited(patient: Patient) -> None:
    with pytest.raises(DisclosureRefused) as e:
        disclose(patient, EMPLOYER, "PATRQT", MEDS, NURSE, NOW)
    assert "no consent" in e.value.message
    assert not Disclosure.objects.exists()
    [event] = audit("disclosure_refused")
    assert event.action == "export" and "Acme Logistics" in event.detail


def test_a_permitted_disclosure_is_accounted_with_labels_and_carries_the_notice(
    patient: Patient,
) -> None:
    c = record_consent(patient, primary_care(), actor=NURSE, at=NOW)
    released = disclose(patient, Recipient("dr. ana  RIVERA"), "TREAT", MEDS, PRESCRIBER, NOW,
                        affiliation="Eastside Primary Care")  # fmt: skip
    assert released.notice == REDISCLOSURE_NOTICE
    assert released.notice.startswith("This record which has been disclosed to you is protected")
    assert f"Consent {c.pk}" in released.scope and "revocable in writing" in released.scope
    d = Disclosure.objects.get()
    assert (d.consent_id, d.basis, d.purpose, d.record_kinds, d.disclosed_by) == (
        c.pk,
        "consent",
        "TREAT",
        ["medications"],
        "pat.prescriber",
    )
    assert {lb["code"] for lb in d.labels} == {"R", "42CFRPart2", "SUD", "NORDSCLCD"}
    [event] = audit("disclosure")
    assert event.action == "export" and event.object_id == str(d.pk)


def test_counselling_notes_need_their_own_consent(patient: Patient) -> None:
    record_consent(patient, tpo(), actor=NURSE, at=NOW)
    notes = {RecordKind.COUNSELLING_NOTES.value}
    with pytest.raises(DisclosureRefused) as e:
        disclose(patient, RIVERA, "TREAT", notes, COUNSELOR, NOW)
    assert "consent of their own" in e.value.message
    n = record_consent(patient, primary_care(scope="counselling_notes"), actor=COUNSELOR, at=NOW)
    released = disclose(patient, RIVERA, "TREAT", notes | MEDS, COUNSELOR, NOW)
    assert (
        released.disclosure.notes_consent_id == n.pk and released.disclosure.consent_id is not None
    )
    assert "PSYTHPN" in released.disclosure.label_codes()


def test_an_expired_consent_covers_nothing_from_its_expiry(patient: Patient) -> None:
    record_consent(patient, primary_care(expires_on=TODAY), actor=NURSE, at=NOW)
    disclose(patient, RIVERA, "TREAT", MEDS, NURSE, at(TODAY - timedelta(days=1)))
    with pytest.raises(DisclosureRefused) as e:
        disclose(patient, RIVERA, "TREAT", MEDS, NURSE, NOW)
    assert "expired" in e.value.message


def test_end_of_treatment_is_the_patients_discharge(patient: Patient) -> None:
    from naltrack.treatment.services import discontinue

    record_consent(patient, primary_care(expires_on=None, expiry_event="end_of_treatment"), actor=NURSE, at=NOW)  # fmt: skip
    disclose(patient, RIVERA, "TREAT", MEDS, NURSE, NOW)
    discontinue(patient, reason="completed", on=TODAY, actor=PRESCRIBER, at=NOW)
    with pytest.raises(DisclosureRefused) as e:
        disclose(patient, RIVERA, "TREAT", MEDS, NURSE, NOW)
    assert "end of treatment" in e.value.message


@pytest.mark.parametrize("actor", [COORDINATOR, DIRECTOR])
def test_only_clinicians_send_records_out(patient: Patient, actor: Any) -> None:
    record_consent(patient, tpo(), actor=NURSE, at=NOW)
    with pytest.raises(PermissionRefused):
        disclose(patient, ED, "TREAT", MEDS, actor, NOW)


def test_a_nurse_cannot_release_counselling_notes_she_cannot_read(patient: Patient) -> None:
    record_consent(patient, primary_care(scope="counselling_notes"), actor=COUNSELOR, at=NOW)
    with pytest.raises(PermissionRefused):
        release_records(patient, RIVERA, "TREAT", ["counselling_notes"], actor=NURSE, at=NOW)
    assert not Disclosure.objects.exists()


# ---- break-the-glass (42 CFR 2.51) ---------------------------------------------------------


def test_an_emergency_discloses_without_consent_and_is_time_limited(patient: Patient) -> None:
    released = disclose(
        patient, ED, "ETREAT", MEDS, NURSE, NOW, REASON, affiliation="Mercy Hospital"
    )
    e = Emergency.objects.get()
    assert (e.reason, e.declared_by, e.recipient_name) == (REASON, "nina.nurse", ED.name)
    assert e.ends_at == NOW + timedelta(hours=EMERGENCY_HOURS)
    assert released.disclosure.basis == "medical_emergency" and released.disclosure.emergency == e
    assert "42 CFR 2.51" in released.scope and released.notice == REDISCLOSURE_NOTICE
    assert active_emergency(patient, NOW + timedelta(hours=EMERGENCY_HOURS - 1)) == e
    # within the window the same medical personnel receive more without a new declaration
    disclose(patient, ED, "ETREAT", {"observations"}, NURSE, NOW + timedelta(hours=3))
    assert Emergency.objects.count() == 1 and Disclosure.objects.filter(emergency=e).count() == 2
    # after it, the exception must be declared again with its reason
    later = NOW + timedelta(hours=EMERGENCY_HOURS)
    assert active_emergency(patient, later) is None
    with pytest.raises(DisclosureRefused):
        disclose(patient, ED, "ETREAT", MEDS, NURSE, later)
    assert [a.action for a in audit("emergency")] == ["create"]


def test_an_emergency_needs_a_real_reason_a_clinician_and_medical_personnel(
    patient: Patient,
) -> None:
    with pytest.raises(InputError) as e:
        disclose(patient, ED, "ETREAT", MEDS, NURSE, NOW, "urgent")
    assert e.value.field == "emergency_reason"
    with pytest.raises(PermissionRefused):
        disclose(patient, ED, "ETREAT", MEDS, COUNSELOR, NOW, REASON)
    with pytest.raises(DisclosureRefused) as r:
        disclose(patient, EMPLOYER, "ETREAT", MEDS, NURSE, NOW, REASON)
    assert "medical personnel" in r.value.message
    with pytest.raises(DisclosureRefused):
        disclose(patient, ED, "ETREAT", {"counselling_notes"}, PRESCRIBER, NOW, REASON)
    assert not Emergency.objects.exists() and not Disclosure.objects.exists()


# ---- accounting and review -------------------------------------------------------------------


def test_the_accounting_lists_every_disclosure_and_exports_csv(patient: Patient) -> None:
    record_consent(patient, primary_care(), actor=NURSE, at=NOW)
    disclose(patient, RIVERA, "TREAT", MEDS, NURSE, NOW)
    disclose(patient, Recipient("=HYPERLINK(\"x\")", RecipientClass.TREATING_PROVIDERS), "ETREAT", MEDS, NURSE, NOW, REASON)  # fmt: skip
    rows = accounting(patient, actor=COORDINATOR, at=NOW)
    assert [d.basis for d in rows] == ["medical_emergency", "consent"]
    body = accounting_csv(patient, actor=COORDINATOR, at=NOW)
    table = list(csv.reader(io.StringIO(body)))
    assert table[0][:4] == ["disclosed_at", "recipient", "recipient_affiliation", "purpose"]
    assert len(table) == 3
    assert any(r[1].startswith("'=") for r in table[1:])  # a formula is never live in the CSV
    assert [e.action for e in AuditEvent.objects.filter(object_type__startswith="disclosures")] == ["export", "read"]  # fmt: skip


def test_the_directors_review_lists_disclosures_and_emergencies(patient: Patient) -> None:
    disclose(patient, ED, "ETREAT", MEDS, NURSE, NOW, REASON)
    with pytest.raises(PermissionRefused):
        review(actor=NURSE, at=NOW)
    r = review(actor=DIRECTOR, at=NOW)
    assert len(r.disclosures) == 1 and len(r.emergencies) == 1
    [event] = AuditEvent.objects.filter(object_type="disclosure_review")
    assert event.actor == "dana.director" and "MRN-0500" in event.detail


# ---- pages --------------------------------------------------------------------------------------


@pytest.fixture
def pages(fixed_today: None) -> dict[str, Client]:
    return {"nurse": login(Role.NURSE, "nina.nurse"), "counselor": login(Role.COUNSELOR, "cole.counselor"),
            "coordinator": login(Role.COORDINATOR, "cora.coordinator"), "director": login(Role.DIRECTOR, "dana.director")}  # fmt: skip


CONSENT_POST = {
    "form": "consent", "scope": "general", "single_tpo": "on", "all_records": "on", "expiry_event": "none",
    "discloser": "This naltrexone treatment program", "signed_by": "Test Patient", "signer": "patient",
    "signed_on": TODAY.isoformat(),
}  # fmt: skip


def test_consent_pages_record_revoke_and_refuse_beside_the_field(patient: Patient, pages: dict[str, Client]) -> None:  # fmt: skip
    c = pages["coordinator"]
    url = f"/patients/{patient.mrn}/consents/"
    assert "No consent on file" in c.get(url).content.decode()
    bad = c.post(url, CONSENT_POST | {"single_tpo": "", "recipient_names": "Dr. Ana Rivera"})
    assert bad.status_code == 200
    assert (
        '<div class="field-error" id="id_purposes_error"><p>choose at least one purpose</p></div>'
        in bad.content.decode()
    )
    assert not Consent.objects.exists()
    assert c.post(url, CONSENT_POST).status_code == 302
    consent = Consent.objects.get()
    page = c.get(url).content.decode()
    assert "in force" in page and "All SUD records" in page
    missing = c.post(url, {"form": "revoke", "consent": consent.pk, "revoked_on": TODAY.isoformat(), "revoked_by": "", "note": ""})  # fmt: skip
    assert missing.status_code == 200 and "This field is required" in missing.content.decode()
    done = c.post(url, {"form": "revoke", "consent": consent.pk, "revoked_on": TODAY.isoformat(),
                        "revoked_by": "Test Patient", "note": "Letter received"})  # fmt: skip
    assert done.status_code == 302
    assert "revoked" in c.get(url).content.decode()
    assert pages["director"].get(url).status_code == 403


def test_release_page_refuses_then_releases_under_an_emergency_and_flags_the_chart(
    patient: Patient, pages: dict[str, Client]
) -> None:
    n = pages["nurse"]
    url = f"/patients/{patient.mrn}/release/"
    ask = {"recipient_name": ED.name, "recipient_class": "treating_providers", "purpose": "TREAT",
           "record_kinds": ["medications"], "format": "summary"}  # fmt: skip
    refused = n.post(url, ask)
    assert refused.status_code == 200 and "not disclosed: no consent" in refused.content.decode()
    assert not Disclosure.objects.exists()
    ok = n.post(url, ask | {"purpose": "ETREAT", "emergency_reason": REASON})
    body = ok.content.decode()
    assert ok.status_code == 200 and "prohibition on re-disclosure" in body
    assert "These rules prohibit you from using or disclosing this record" in body
    assert "42CFRPart2" in body
    chart = n.get(f"/patients/{patient.mrn}/").content.decode()
    assert "Medical emergency (42 CFR 2.51) active until" in chart
    exported = n.post(url, ask | {"purpose": "ETREAT", "format": "json"})
    assert exported["Content-Type"] == "application/json"
    assert exported.json()["notice"] == REDISCLOSURE_NOTICE
    assert Disclosure.objects.count() == 2
    accounting_page = n.get(f"/patients/{patient.mrn}/disclosures/").content.decode()
    assert "emergency, 42 CFR 2.51" in accounting_page
    csv_body = n.get(f"/patients/{patient.mrn}/disclosures.csv").content.decode()
    assert csv_body.count("\n") == 3
    review_page = pages["director"].get("/disclosures/").content.decode()
    assert REASON in review_page and "active" in review_page
    assert pages["coordinator"].get(url).status_code == 403


# ---- API ------------------------------------------------------------------------------------------


def bearer(username: str, role: Role) -> dict[str, str]:
    from naltrack.accounts.services import create_staff

    create_staff(username, "a-long-demo-password-1", role)
    return {"Authorization": f"Bearer {create_token(username, at=NOW)}"}


def test_api_consents_accounting_and_the_filters_403(patient: Patient, fixed_today: None) -> None:
    c = Client()
    nurse = bearer("nina.nurse", Role.NURSE)
    base = f"/api/patients/{patient.mrn}"
    body = {"scope": "general", "signed_by": "Test Patient", "signer": "patient", "signed_on": TODAY.isoformat(),
            "recipient_names": ["Dr. Ana Rivera"], "purposes": ["TREAT"], "record_kinds": ["medications"],
            "expires_on": (TODAY + timedelta(days=30)).isoformat()}  # fmt: skip
    bad = c.post(
        f"{base}/consents", body | {"purposes": []}, content_type="application/json", headers=nurse
    )
    assert bad.status_code == 400 and bad.json() == {
        "message": "choose at least one purpose",
        "field": "purposes",
    }
    made = c.post(f"{base}/consents", body, content_type="application/json", headers=nurse)
    assert made.status_code == 201, made.content
    cid = made.json()["id"]
    assert made.json()["status"] == "in force"
    assert c.get(f"{base}/consents", headers=nurse).json()["total"] == 1
    release = {
        "recipient_name": "Acme Logistics",
        "purpose": "PATRQT",
        "record_kinds": ["medications"],
    }
    refused = c.post(f"{base}/release", release, content_type="application/json", headers=nurse)
    assert refused.status_code == 403
    assert refused.json()["message"].startswith("not disclosed:")
    ok = c.post(f"{base}/release", release | {"recipient_name": "Dr. Ana Rivera", "purpose": "TREAT"},
                content_type="application/json", headers=nurse)  # fmt: skip
    assert ok.status_code == 201, ok.content
    assert ok.json()["notice"] == REDISCLOSURE_NOTICE
    assert {s["code"] for s in ok.json()["security"]} >= {"R", "42CFRPart2", "SUD"}
    revoked = c.post(f"{base}/consents/{cid}/revoke", {"revoked_on": TODAY.isoformat(), "revoked_by": "Test Patient",
                     "note": "letter"}, content_type="application/json", headers=nurse)  # fmt: skip
    assert revoked.status_code == 200 and revoked.json()["revoked_on"] == TODAY.isoformat()
    assert revoked.json()["status"] == "revoked"
    again = c.post(f"{base}/consents/{cid}/revoke", {"revoked_on": TODAY.isoformat(), "revoked_by": "X", "note": "n"},
                   content_type="application/json", headers=nurse)  # fmt: skip
    assert again.status_code == 409
    listed = c.get(f"{base}/disclosures", headers=nurse).json()
    assert listed["total"] == 1 and listed["items"][0]["consent_ids"] == [cid]
    director = bearer("dana.director", Role.DIRECTOR)
    assert c.get(f"{base}/consents", headers=director).status_code == 403


def test_record_session_then_release_notes_with_their_consent(patient: Patient) -> None:
    record_session(patient, held_on=TODAY, kind="individual", attendance="attended", note="Discussed cravings.",
                   actor=COUNSELOR, at=NOW)  # fmt: skip
    record_consent(patient, primary_care(scope="counselling_notes"), actor=COUNSELOR, at=NOW)
    s = release_records(
        patient, RIVERA, Purpose.TREATMENT, ["counselling_notes"], actor=COUNSELOR, at=NOW
    )
    [section] = s.sections
    assert section.rows[0][3] == "Discussed cravings."
    assert s.as_json()["notice"] == REDISCLOSURE_NOTICE


def test_patients_without_a_record_release_nothing() -> None:
    p = register_patient(PatientInput("MRN-0502", "No", "Episode", date(1990, 1, 1), "female"),
                         actor=COORDINATOR, at=NOW)  # fmt: skip
    with pytest.raises(DisclosureRefused):
        release_records(p, ED, "TREAT", ["demographics"], actor=NURSE, at=NOW)
