"""`naltrack check`: a clinic written through the use cases passes; a record written, deleted or
renumbered behind the application's back is listed with its table and id (exit 1); and when the
database refuses the audit write in the middle of a use case, nothing is left half-written."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.db import DatabaseError, connection

from naltrack.audit.models import AuditEvent
from naltrack.cli import ops
from naltrack.clinical.errors import ConflictError
from naltrack.integrity.checks import check_integrity
from naltrack.monitoring.models import Observation
from naltrack.monitoring.services import record_observation
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient
from naltrack.treatment.models import Administration, TreatmentPlan
from naltrack.treatment.services import PlanInput, change_plan, record_administration
from tests.integration.conftest import (
    COORDINATOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    make_patient,
    started_on_injection,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(db: None) -> Patient:
    p = started_on_injection("MRN-0901", TODAY - timedelta(days=30))
    change_plan(p, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Six months"),
                reason="First plan", actor=PRESCRIBER, at=at(TODAY - timedelta(days=29)))  # fmt: skip
    make_patient("MRN-0902")
    return p


def run_check(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = ops.check(argparse.Namespace())
    out = capsys.readouterr()
    return code, out.out + out.err


def test_a_clinic_written_by_its_use_cases_passes(clinic: Patient, capsys: Any) -> None:
    report = check_integrity()
    assert report.ok, [str(f) for f in report.findings]
    assert report.records >= 10
    code, out = run_check(capsys)
    assert code == 0 and "integrity check passed" in out


def test_a_dose_written_behind_the_applications_back_is_listed(
    clinic: Patient, capsys: Any
) -> None:
    given = Administration.objects.get(patient=clinic)
    orphan = Administration.objects.create(
        patient=clinic, episode=given.episode, given_at=at(TODAY), given_on=TODAY,
        formulation="oral", product="naltrexone 50 mg tablet", dose_mg=50, route="oral",
        site="oral", status="given", recorded_by="nobody", recorded_at=at(TODAY),
    )  # fmt: skip
    code, out = run_check(capsys)
    assert code == 1
    assert "integrity check FAILED: 1 problem" in out
    assert (
        "treatment_administration: 1 record(s) without the audit event of their writing "
        f"(create administration): ids {orphan.pk}"
    ) in out


def test_an_observation_and_a_plan_version_slipped_in_are_listed(clinic: Patient) -> None:
    plan = TreatmentPlan.objects.get(patient=clinic)
    Observation.objects.create(patient=clinic, kind="weight", observed_on=TODAY,
                               data={"weight_kg": 80}, recorded_by="nobody", recorded_at=NOW)  # fmt: skip
    TreatmentPlan.objects.create(
        patient=clinic, episode=plan.episode, version=3, formulation=plan.formulation,
        regimen=plan.regimen, reason="slipped in", created_by="nobody", created_at=NOW,
    )  # fmt: skip
    findings = [str(f) for f in check_integrity().findings]
    assert any(f.startswith("monitoring_observation: 1 record(s) without") for f in findings)
    assert any(f.startswith("treatment_treatmentplan: 1 record(s) without") for f in findings)
    assert (
        "treatment_treatmentplan: 1 episode(s) whose plan versions do not run 1, 2, 3, ... "
        f"without a gap (episode ids): ids {plan.episode_id}"
    ) in findings


def test_a_record_deleted_behind_the_applications_back_is_listed(clinic: Patient) -> None:
    obs = Observation.objects.filter(patient=clinic).order_by("pk").first()
    assert obs is not None
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Observation._meta.db_table} WHERE id = %s", [obs.pk])
    findings = [str(f) for f in check_integrity().findings]
    assert findings == [
        "monitoring_observation: 1 audit event(s) name a observation that is not in the "
        f"database (removed behind the application's back): ids {obs.pk}"
    ]


def test_a_dose_filed_under_another_patients_episode_is_listed(clinic: Patient) -> None:
    other = Patient.objects.get(mrn="MRN-0902")
    dose = Administration.objects.get(patient=clinic)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Administration._meta.db_table} SET patient_id = %s WHERE id = %s",
            [other.pk, dose.pk],
        )
    findings = [str(f) for f in check_integrity().findings]
    assert (
        "treatment_administration: 1 record(s) whose patient is not their episode's patient: "
        f"ids {dose.pk}"
    ) in findings


def test_a_broken_audit_chain_fails_the_check(clinic: Patient) -> None:
    from tests.integration.test_audit_chain import behind_the_back

    event = AuditEvent.objects.order_by("seq")[2]
    behind_the_back(f"UPDATE {AuditEvent._meta.db_table} SET actor = 'x' WHERE id = {event.pk}")
    findings = [str(f) for f in check_integrity().findings]
    assert findings == [
        f"audit_auditevent: the hash chain is broken at event id {event.pk} (seq 3): its fields "
        "do not match its hash: altered"
    ]


REFUSE = {
    "sqlite": [
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent "
        "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; "
        "END; $$ LANGUAGE plpgsql",
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent FOR EACH ROW "
        "EXECUTE FUNCTION refuse_audit()",
    ],
}
ALLOW = {
    "sqlite": ["DROP TRIGGER refuse_audit"],
    "postgresql": ["DROP TRIGGER refuse_audit ON audit_auditevent", "DROP FUNCTION refuse_audit()"],
}


def database_says(sqls: dict[str, list[str]]) -> None:
    with connection.cursor() as cursor:
        for sql in sqls[connection.vendor]:
            cursor.execute(sql)


def counts() -> tuple[int, ...]:
    return (Patient.objects.count(), Observation.objects.count(), Administration.objects.count(),
            TreatmentPlan.objects.count(), AuditEvent.objects.count())  # fmt: skip


def test_a_refused_audit_write_leaves_no_half_written_record(clinic: Patient) -> None:
    """The database refuses the audit event in the middle of each use case (after its record
    is written): the use case fails whole, and the check finds nothing half-written."""
    before = counts()
    database_says(REFUSE)
    attempts: list[Callable[[], object]] = [
        lambda: register_patient(PatientInput(mrn="MRN-0903", given_name="Test", family_name="Refused",
                                              birth_date=TODAY.replace(year=1990), sex_at_birth="female"),
                                 actor=COORDINATOR, at=NOW),
        lambda: record_observation(clinic, kind="weight", observed_on=TODAY, data={"weight_kg": 81, "height_cm": 178},
                                   actor=NURSE, at=NOW),
        lambda: record_administration(clinic, injection(TODAY, confirm_warnings=True), actor=NURSE, at=at(TODAY)),
        lambda: change_plan(clinic, PlanInput(formulation="xr_injection", regimen="xr_injection", goals="Eight months"),
                            reason="Goal changed", actor=PRESCRIBER, at=NOW),
    ]  # fmt: skip
    for attempt in attempts:
        # (SQLite reports a trigger's refusal as an IntegrityError, which register_patient takes
        # for a duplicate MRN: a misleading message, but nothing is written.)
        with pytest.raises((DatabaseError, ConflictError)):
            attempt()
    database_says(ALLOW)
    assert counts() == before
    report = check_integrity()
    assert report.ok, [str(f) for f in report.findings]
