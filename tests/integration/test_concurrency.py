"""Writes that are safe under concurrency and faults (issue 9, part 4), on SQLite and PostgreSQL.

Real threads (each with its own database connection) and real processes, against committed data
(`transaction=True`). A short pause before every audit row widens the window between a use case's
checks and its commit, so that a use case that checked outside its lock would be caught; no test
asserts on time.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor, create_staff, create_token
from naltrack.alerts import services as alert_services
from naltrack.alerts.models import Alert, CareStatus
from naltrack.alerts.services import RefreshOutcome, acknowledge, refresh_all
from naltrack.appointments.models import Appointment
from naltrack.audit import services as audit_services
from naltrack.audit.models import AuditEvent
from naltrack.clinical.alerts import evaluate_alerts
from naltrack.clinical.errors import InputError
from naltrack.clinical.vocab import Indication
from naltrack.monitoring.models import Observation
from naltrack.monitoring.services import record_observation
from naltrack.patients.models import Episode, Patient
from naltrack.patients.services import PatientInput, open_episode, register_patient
from naltrack.screening.models import ScreeningRecord
from naltrack.screening.services import run_screening, sign_screening
from naltrack.treatment.models import Administration, TreatmentPlan
from naltrack.treatment.services import PlanInput, change_plan, record_administration
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import (
    COORDINATOR,
    NOW,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    injection,
    make_patient,
    make_ready,
    order,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_data")]

SECOND_PRESCRIBER = Actor(7, "paz.prescriber", Role.PRESCRIBER, "10.0.0.13")
NALTRACK = Path(sys.executable).with_name("naltrack")


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released together; each result, or the exception it raised."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            start.wait()
            results[i] = call()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


@pytest.fixture
def slow_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every audit row is written after a pause: the use case has read and checked by then."""
    real = audit_services.record

    def paused(**kwargs: Any) -> AuditEvent:
        time.sleep(0.3)
        return real(**kwargs)

    monkeypatch.setattr(audit_services, "record", paused)


def refusals(results: list[object]) -> list[InputError]:
    return [r for r in results if isinstance(r, InputError)]


# --- two staff at once: one write, one clear refusal ------------------------------------------


def test_two_prescribers_signing_one_screening_at_once_sign_it_once(slow_audit: None) -> None:
    p = make_patient("MRN-C001")
    make_ready(p, TODAY)
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 9))
    attestation = attested(rec.pk)
    results = race(
        lambda: sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), **attestation),
        lambda: sign_screening(rec.pk, actor=SECOND_PRESCRIBER, at=at(TODAY, 9), **attestation),
    )
    signed = [r for r in results if isinstance(r, ScreeningRecord)]
    assert len(signed) == 1, results
    [refused] = refusals(results)
    assert (refused.field, refused.message) == (
        "screening",
        f"already signed by {signed[0].signed_by}",
    )
    rec.refresh_from_db()
    assert rec.signed_by == signed[0].signed_by
    assert AuditEvent.objects.filter(object_type="screening", action="update").count() == 1


def test_two_coordinators_opening_an_episode_at_once_open_one(slow_audit: None) -> None:
    p = register_patient(PatientInput(mrn="MRN-C002", given_name="Test", family_name="Patient C002",
                                      birth_date=date(1985, 6, 1), sex_at_birth="male"),
                         actor=COORDINATOR, at=NOW)  # fmt: skip

    def opening() -> Episode:
        return open_episode(p, frozenset({Indication.OUD}), TODAY, actor=COORDINATOR, at=NOW)

    results = race(opening, opening)
    assert Episode.objects.filter(patient=p).count() == 1, results
    [refused] = refusals(results)
    assert (refused.field, refused.message) == (
        "patient",
        "the patient already has an active episode",
    )


# --- a database error mid use case leaves nothing half-written ---------------------------------


def test_a_failed_observation_leaves_no_row_no_audit_and_no_alert(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = make_patient("MRN-C003")
    before = AuditEvent.objects.count()
    monkeypatch.setattr(audit_services, "record", _fail)
    with pytest.raises(DatabaseError):
        record_observation(p, kind="phq9", observed_on=TODAY, data={"items": [3] * 9},
                           actor=NURSE, at=NOW)  # fmt: skip
    assert not Observation.objects.filter(patient=p).exists()
    assert AuditEvent.objects.count() == before
    assert not Alert.objects.filter(patient=p).exists()  # the item-9 alert was never raised


def test_a_failed_injection_leaves_no_administration_and_no_next_visit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    p = make_patient("MRN-C004")
    make_ready(p, TODAY)
    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(TODAY, 9))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(TODAY, 9), **attested(rec.pk))
    order(p, TODAY)
    audits = AuditEvent.objects.count()
    monkeypatch.setattr(audit_services, "record", _fail)
    with pytest.raises(DatabaseError):
        record_administration(p, injection(TODAY), actor=NURSE, at=at(TODAY))
    assert not Administration.objects.filter(patient=p).exists()
    assert not Appointment.objects.filter(patient=p).exists()
    assert AuditEvent.objects.count() == audits


def test_a_failed_plan_change_leaves_no_version(monkeypatch: pytest.MonkeyPatch) -> None:
    p = make_patient("MRN-C005")
    plan = PlanInput(formulation="xr_injection", regimen="xr_injection")
    change_plan(p, plan, reason="first plan", actor=PRESCRIBER, at=NOW)
    monkeypatch.setattr(audit_services, "record", _fail)
    with pytest.raises(DatabaseError):
        change_plan(p, plan, reason="second version", actor=PRESCRIBER, at=NOW)
    assert list(TreatmentPlan.objects.filter(patient=p).values_list("version", flat=True)) == [1]


def _fail(**kwargs: Any) -> AuditEvent:
    """The database fails when the audit row is written, after the use case's first rows."""
    raise DatabaseError("injected: the disk is full")


# --- alerts after commit ----------------------------------------------------------------------


def test_alerts_are_refreshed_after_the_callers_transaction_commits() -> None:
    p = make_patient("MRN-C006")
    with transaction.atomic():
        record_observation(p, kind="phq9", observed_on=TODAY, data={"items": [0] * 8 + [2]},
                           actor=NURSE, at=NOW)  # fmt: skip
        assert not Alert.objects.filter(patient=p).exists()  # not inside the writing transaction
    assert Alert.objects.filter(patient=p, code="SUICIDE_RISK").exists()
    assert CareStatus.objects.filter(patient=p).exists()


def test_a_write_that_rolls_back_refreshes_nothing() -> None:
    p = make_patient("MRN-C007")
    with pytest.raises(RuntimeError), transaction.atomic():
        record_observation(p, kind="phq9", observed_on=TODAY, data={"items": [0] * 8 + [2]},
                           actor=NURSE, at=NOW)  # fmt: skip
        raise RuntimeError("the caller gives up")
    assert not Alert.objects.filter(patient=p).exists()
    assert not CareStatus.objects.filter(patient=p).exists()


def test_a_failed_refresh_keeps_the_write_and_logs_no_patient_details(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    p = make_patient("MRN-C008")

    def broken(*args: Any) -> None:
        raise ValueError(f"bad record of {p.given_name} {p.family_name} {p.mrn}")

    monkeypatch.setattr(alert_services, "_refresh_locked", broken)
    with caplog.at_level(logging.ERROR, logger="naltrack.alerts"):
        obs = record_observation(p, kind="craving", observed_on=TODAY, data={"value": 3},
                                 actor=NURSE, at=NOW)  # fmt: skip
    assert Observation.objects.filter(pk=obs.pk).exists()
    assert f"patient id {p.pk}: ValueError at" in caplog.text
    for detail in (p.mrn, p.family_name, "bad record"):
        assert detail not in caplog.text


# --- the nightly refresh ----------------------------------------------------------------------


def _fail_first_evaluation(monkeypatch: pytest.MonkeyPatch) -> None:
    real = evaluate_alerts
    calls = []

    def evaluate(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise KeyError("items")
        return real(*args)

    monkeypatch.setattr(alert_services, "evaluate_alerts", evaluate)


def test_the_nightly_refresh_isolates_a_failing_patient(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = make_patient("MRN-C010"), make_patient("MRN-C011")
    _fail_first_evaluation(monkeypatch)  # refresh_all goes by patient id: the first one fails
    with caplog.at_level(logging.ERROR, logger="naltrack.alerts"):
        outcome = refresh_all(at=NOW)
    assert outcome == RefreshOutcome(refreshed=1, failed=1)
    assert not CareStatus.objects.filter(patient=first).exists()
    assert CareStatus.objects.get(patient=second).computed_on == TODAY
    assert f"patient id {first.pk}: KeyError at" in caplog.text
    assert first.mrn not in caplog.text


def test_a_record_that_cannot_be_read_fails_alone(caplog: pytest.LogCaptureFixture) -> None:
    bad, good = make_patient("MRN-C014"), make_patient("MRN-C015")
    # A liver result stored without its upper limits (written around the service, as an old
    # import might have): reading it fails.
    Observation.objects.create(patient=bad, kind="liver", observed_on=TODAY, data={"alt": 90},
                               recorded_by="import", recorded_at=NOW)  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="naltrack.alerts"):
        assert refresh_all(at=NOW) == RefreshOutcome(refreshed=1, failed=1)
    assert CareStatus.objects.get(patient=good).computed_on == TODAY
    assert f"patient id {bad.pk}: KeyError at snapshot.py" in caplog.text


def test_alerts_refresh_command_exits_non_zero_when_a_patient_failed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from naltrack.cli.main import main

    make_patient("MRN-C012"), make_patient("MRN-C013")
    _fail_first_evaluation(monkeypatch)
    assert main(["alerts", "refresh"]) == 1
    out, err = capsys.readouterr()
    assert "refreshed alerts and care status for 1 patients" in out
    assert "1 patients failed" in err


def test_a_refresh_during_an_acknowledgement_keeps_its_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The nightly refresh resolves an alert while a nurse acknowledges it: the refresh waits for
    the patient, so the nurse's note is not written over with the one it read before."""
    p = make_patient("MRN-C016")
    record_observation(p, kind="phq9", observed_on=TODAY, data={"items": [0] * 8 + [2]},
                       actor=NURSE, at=NOW)  # fmt: skip
    alert = Alert.objects.get(patient=p, code="SUICIDE_RISK")
    acknowledging, evaluated = threading.Event(), threading.Event()
    real_record, real_evaluate = audit_services.record, alert_services._evaluate

    def record(**kwargs: Any) -> AuditEvent:  # the acknowledgement, its alert row written
        acknowledging.set()
        evaluated.wait(timeout=2)  # give the refresh every chance to read in between
        return real_record(**kwargs)

    def evaluate(*args: Any) -> None:
        evaluated.set()
        real_evaluate(*args)

    monkeypatch.setattr(audit_services, "record", record)
    monkeypatch.setattr(alert_services, "_evaluate", evaluate)

    def refresh_meanwhile() -> RefreshOutcome:
        acknowledging.wait(timeout=10)
        return refresh_all(at=NOW + timedelta(days=400))  # the PHQ-9 is too old: resolved

    results = race(
        lambda: acknowledge(alert.pk, actor=NURSE, at=NOW, note="called, safety plan reviewed"),
        refresh_meanwhile,
    )
    assert results[1] == RefreshOutcome(refreshed=1, failed=0), results
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.resolved_by) == (
        "resolved",
        NURSE.username,
        "naltrack",
    )
    assert (
        alert.note
        == "nina.nurse: called, safety plan reviewed\nCondition cleared on re-evaluation."
    )


def test_the_nightly_refresh_agrees_with_refreshing_each_patient() -> None:
    """Chunked, batched reads give the same alerts and care status as one patient at a time."""
    for i, first in enumerate((TODAY - timedelta(days=30), TODAY - timedelta(days=45), TODAY)):
        started_on_injection(f"MRN-C02{i}", first)
    p = make_patient("MRN-C029")
    record_observation(
        p, kind="phq9", observed_on=TODAY, data={"items": [0] * 8 + [1]}, actor=NURSE, at=NOW
    )
    later = at(TODAY + timedelta(days=20))
    assert refresh_all(at=later, chunk=2).failed == 0
    batched = _state()
    CareStatus.objects.all().delete()
    Alert.objects.all().delete()
    for patient in Patient.objects.all():
        alert_services.refresh_patient(patient, at=later)
    assert _state() == batched
    assert any(alerts for _, alerts in batched.values())  # something to compare


def _state() -> dict[str, tuple[dict[str, Any], list[tuple[str, str, str]]]]:
    out = {}
    for p in Patient.objects.order_by("mrn"):
        row: dict[str, Any] = dict(CareStatus.objects.filter(patient=p).values().first() or {})
        care = {k: v for k, v in row.items() if k != "id"}
        alerts = sorted(
            Alert.objects.filter(patient=p)
            .exclude(status="resolved")
            .values_list("code", "status", "message")
        )
        out[p.mrn] = (care, alerts)
    return out


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgresql://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def test_two_alerts_refreshes_at_once_both_finish() -> None:
    """Today a second `naltrack alerts refresh` started while one runs ended in a traceback."""
    day = date(1980, 1, 1)
    patients = Patient.objects.bulk_create(
        Patient(mrn=f"MRN-R{i:03d}", given_name="Test", family_name=f"Refresh {i}", birth_date=day,
                sex_at_birth="female", created_at=NOW) for i in range(300)
    )  # fmt: skip
    Episode.objects.bulk_create(
        Episode(patient=p, treats_oud=True, start_date=TODAY - timedelta(days=5)) for p in patients
    )
    env = {
        **os.environ,
        "NALTRACK_DEBUG": "true",
        "NALTRACK_DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "naltrack.settings",
    }
    procs = [
        subprocess.Popen([str(NALTRACK), "alerts", "refresh"], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
        assert "for 300 patients" in out
    assert CareStatus.objects.count() == 300


# --- four clients at once against a running server -------------------------------------------


def test_four_clients_at_once_get_no_server_error(live_server: Any, fixed_today: None) -> None:
    """Today on SQLite 392 of 490 requests of 4 clients in 5 s were a 500 "database is locked"."""
    mrns = [make_patient(f"MRN-L{i:03d}").mrn for i in range(4)]
    create_staff("lou.nurse", "a-long-demo-password-1", Role.NURSE)
    token = create_token("lou.nurse", at=NOW)
    statuses: list[int] = []

    def call(method: str, path: str, body: object = None) -> None:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"{live_server.url}/api{path}", data=data, method=method, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                statuses.append(r.status)
        except urllib.error.HTTPError as err:
            statuses.append(err.code)

    def client(i: int) -> Callable[[], None]:
        def work() -> None:
            for n in range(6):
                # Everyone writes to the same patient and to their own: the lock and SQLite's
                # write lock are both contended.
                for mrn in (mrns[0], mrns[i]):
                    call("POST", f"/patients/{mrn}/observations",
                         {"kind": "craving", "observed_on": TODAY.isoformat(), "data": {"value": n}})  # fmt: skip
                call("GET", f"/patients/{mrns[i]}")
                call("GET", "/worklist/today")

        return work

    results = race(*(client(i) for i in range(4)))
    assert results == [None] * 4
    assert len(statuses) == 4 * 6 * 4
    assert [s for s in statuses if s >= 500] == []
    assert Observation.objects.filter(patient__mrn=mrns[0]).count() == 4 * 6 + 6
