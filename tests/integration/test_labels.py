"""Labels at write time (issue 10): every table that holds a patient's records has a record kind,
and so the program's security labels (R, 42CFRPart2, SUD, NORDSCLCD; counselling notes also
PSYTHPN), which the channels that send records out attach and filter on."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import ForeignKey, Model

from naltrack.chart.release import release_records
from naltrack.clinical.consent import Recipient, RecipientClass
from naltrack.counselling.models import CounsellingSession
from naltrack.counselling.services import record_session
from naltrack.disclosure.labels import BOOKKEEPING, RECORD_KINDS, kind_of_model, labels_of_model
from naltrack.disclosure.models import Disclosure
from naltrack.disclosure.services import ConsentInput, record_consent
from naltrack.patients.models import Episode, Patient
from tests.integration.conftest import COUNSELOR, NOW, TODAY, make_patient


def patient_tables() -> list[type[Model]]:
    """Patient, and every table with a foreign key to it or to one of its episodes, in every
    naltrack app."""
    return [
        m for m in apps.get_models()
        if m.__module__.startswith("naltrack.")
        and (m is Patient or any(isinstance(f, ForeignKey) and f.related_model in (Patient, Episode)
                                 for f in m._meta.get_fields()))
    ]  # fmt: skip


def test_every_table_of_a_patients_records_has_a_kind() -> None:
    tables = {m._meta.label_lower for m in patient_tables()}
    assert tables - set(RECORD_KINDS) - BOOKKEEPING == set(), (
        "add the new table to disclosure/labels.py"
    )
    assert set(RECORD_KINDS) | BOOKKEEPING <= tables  # nothing listed that is gone


@pytest.mark.parametrize("model", patient_tables(), ids=lambda m: m._meta.label_lower)
def test_every_record_carries_the_program_labels(model: type[Model]) -> None:
    codes = {lb.code for lb in labels_of_model(model)}
    assert {"R", "42CFRPart2", "SUD", "NORDSCLCD"} <= codes
    assert ("PSYTHPN" in codes) is (model is CounsellingSession)


def test_an_unlisted_table_is_refused_rather_than_sent_unlabelled() -> None:
    with pytest.raises(LookupError):
        labels_of_model(apps.get_model("accounts", "StaffProfile"))
    assert kind_of_model(Disclosure) is None


@pytest.mark.django_db
def test_each_released_section_carries_its_own_labels() -> None:
    p = make_patient("MRN-0800")
    record_session(p, held_on=TODAY, kind="individual", attendance="attended", note="Talked.", actor=COUNSELOR, at=NOW)  # fmt: skip
    for scope, kinds in (("general", ("medications",)), ("counselling_notes", ())):
        record_consent(p, ConsentInput(scope=scope, signed_by="T P", signer="patient", signed_on=TODAY,
                                       recipient_names=("Dr. Rivera",), purposes=("TREAT",), record_kinds=kinds,
                                       expiry_event="end_of_treatment"), actor=COUNSELOR, at=NOW)  # fmt: skip
    s = release_records(p, Recipient("Dr. Rivera", RecipientClass.TREATING_PROVIDERS), "TREAT",
                        ["medications", "counselling_notes"], actor=COUNSELOR, at=NOW)  # fmt: skip
    sections = {
        sec["kind"]: {lb["code"] for lb in sec["security"]} for sec in s.as_json()["sections"]
    }
    assert sections["counselling_notes"] == {"R", "42CFRPart2", "SUD", "NORDSCLCD", "PSYTHPN"}
    assert sections["medications"] == {"R", "42CFRPart2", "SUD", "NORDSCLCD"}
    [d] = Disclosure.objects.all()
    assert {lb["code"] for lb in d.labels} == sections["counselling_notes"]
