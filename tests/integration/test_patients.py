"""Patient services on a real database: validation, one transaction each, every access audited."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from naltrack.audit.models import AppendOnlyError, AuditAction, AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Indication
from naltrack.patients.models import Episode, Patient
from naltrack.patients.services import PatientInput, open_episode, read_patient, register_patient
from tests.integration.conftest import COORDINATOR, NOW, PRESCRIBER

pytestmark = pytest.mark.django_db

BOB = PatientInput(
    mrn="MRN-0002",
    given_name="Bob",
    family_name="Sample",
    birth_date=date(1979, 1, 15),
    sex_at_birth="male",
)


def test_tests_run_on_the_configured_database(vendor: str) -> None:
    from django.conf import settings

    assert vendor == settings.CONFIG.database.engine


def test_registering_a_patient_writes_the_patient_and_one_audit_event() -> None:
    patient = register_patient(BOB, actor=COORDINATOR, at=NOW)
    assert Patient.objects.get(mrn="MRN-0002") == patient
    event = AuditEvent.objects.get()
    assert (event.actor, event.action, event.patient_mrn, event.at) == (
        COORDINATOR.username,
        AuditAction.CREATE,
        "MRN-0002",
        NOW,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"mrn": "MRN 0002"}, "mrn"),
        ({"given_name": "  "}, "given_name"),
        ({"birth_date": date(2026, 11, 22)}, "birth_date"),
        ({"birth_date": date(1890, 1, 1)}, "birth_date"),
        ({"sex_at_birth": "unknown"}, "sex_at_birth"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "call me"}, "phone"),
        ({"preferred_reminder_channel": "pigeon"}, "preferred_reminder_channel"),
        ({"preferred_reminder_channel": "sms"}, "phone"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        register_patient(dataclasses.replace(BOB, **change), actor=COORDINATOR, at=NOW)
    assert err.value.field == field
    assert Patient.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_a_duplicate_mrn_is_refused_and_nothing_is_half_written(alice: Patient) -> None:
    with pytest.raises(InputError) as err:
        register_patient(dataclasses.replace(BOB, mrn=alice.mrn), actor=COORDINATOR, at=NOW)
    assert err.value.field == "mrn"
    assert Patient.objects.count() == 1
    assert AuditEvent.objects.count() == 1  # only Alice's registration


def test_reading_a_chart_is_audited_with_who_and_from_where(alice: Patient) -> None:
    assert read_patient(alice.mrn, actor=PRESCRIBER, at=NOW) == alice
    event = AuditEvent.objects.filter(action=AuditAction.READ).get()
    assert (event.actor, event.patient_mrn, event.remote_addr) == (
        "pat.prescriber",
        alice.mrn,
        "10.0.0.7",
    )
    with pytest.raises(InputError):
        read_patient("MRN-9999", actor=PRESCRIBER, at=NOW)


def test_one_active_episode_per_patient(alice: Patient) -> None:
    episode = open_episode(
        alice, frozenset({Indication.OUD}), date(2026, 11, 1), actor=COORDINATOR, at=NOW
    )
    assert episode.indications == frozenset({Indication.OUD})
    with pytest.raises(InputError) as err:
        open_episode(
            alice, frozenset({Indication.AUD}), date(2026, 11, 2), actor=COORDINATOR, at=NOW
        )
    assert err.value.field == "patient"
    assert Episode.objects.count() == 1
    with pytest.raises(InputError) as err:
        open_episode(alice, frozenset(), date(2026, 11, 2), actor=COORDINATOR, at=NOW)
    assert err.value.field == "indications"


def test_the_database_refuses_an_episode_without_an_indication(alice: Patient) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Episode.objects.create(
            patient=alice, treats_oud=False, treats_aud=False, start_date=date(2026, 11, 1)
        )


def test_audit_events_cannot_be_changed_or_deleted_by_the_app(alice: Patient) -> None:
    event = AuditEvent.objects.get()
    event.detail = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(detail="tampered")


def test_the_database_itself_refuses_to_change_or_delete_audit_events(alice: Patient) -> None:
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET detail = 'tampered'", f"DELETE FROM {table}"):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AuditEvent.objects.get().detail == ""
