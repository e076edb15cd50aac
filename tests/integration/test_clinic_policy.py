"""The clinic's policy file reaches every decision: change NALTRACK_POLICY_FILE, restart, and the
screening decision, the care status due days, the Today lists and the alerts change, each stored
with the version that produced it (on SQLite and on PostgreSQL). The director's policy page shows
every setting beside its default and the generated rules document."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.alerts.models import Alert, CareStatus
from naltrack.alerts.services import refresh_all, refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinic import active_policy
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_VERSION
from naltrack.config import read_config
from naltrack.patients.models import Patient
from naltrack.patients.records import AssessmentInput, record_assessment
from naltrack.reports.services import read_report
from naltrack.screening.services import run_screening, sign_screening
from naltrack.worklist.services import today_worklist
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import (
    DIRECTOR,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    attested,
    login,
    make_patient,
    make_ready,
    started_on_injection,
)

# A clinic that waits longer after fentanyl (A1) and calls an injection overdue later (A5).
RIVERSIDE = """\
version = "riverside-2026.2"
injection_overdue_from_day = 33

[opioid_free_interval.fentanyl]
deferral_days = 14
review_days = 21
"""
VERSION = "riverside-2026.2"


@pytest.fixture
def policy_file(tmp_path: Path) -> Path:
    path = tmp_path / "riverside.toml"
    path.write_text(RIVERSIDE, encoding="utf-8")
    return path


def restart(settings: Any, policy_file: Path | None) -> None:
    """What a restart does: read the configuration from the environment again, with or without
    NALTRACK_POLICY_FILE (settings.py calls the same read_config at start)."""
    environ = {k: v for k, v in os.environ.items() if k != "NALTRACK_POLICY_FILE"}
    if policy_file is not None:
        environ["NALTRACK_POLICY_FILE"] = str(policy_file)
    settings.CONFIG = read_config(environ)


def fentanyl_patient(mrn: str, last_use: date) -> Patient:
    p = make_patient(mrn, start=TODAY - timedelta(days=20))
    make_ready(p, TODAY)
    record_assessment(p, AssessmentInput(
        assessed_on=TODAY, substance="OUD", dsm5_criteria=("craving", "tolerance", "cut_down", "time_spent"),
        last_opioid_use=last_use, last_opioid_kind="fentanyl",
    ), actor=PRESCRIBER, at=at(TODAY, 8))  # fmt: skip
    return p


@pytest.mark.django_db
def test_changing_the_policy_file_and_restarting_changes_the_decisions(
    settings: Any, policy_file: Path
) -> None:
    last_use = TODAY - timedelta(days=11)  # fentanyl: default defers 10 days, Riverside 14
    screened = fentanyl_patient("MRN-0501", last_use)
    injected = started_on_injection("MRN-0502", TODAY - timedelta(days=30))  # day 30 today

    restart(settings, None)
    assert active_policy().version == DEFAULT_VERSION
    before = run_screening(screened, {}, formulation="xr_injection", actor=NURSE, at=at(TODAY))
    refresh_patient(injected, at=at(TODAY))
    care = CareStatus.objects.get(patient=injected)
    assert (before.decision, before.earliest_start_date) == ("needs_review", TODAY)
    assert before.policy_version == DEFAULT_VERSION
    assert care.overdue_from == TODAY - timedelta(days=1)  # day 29 (Part A A5)
    assert care.policy_version == DEFAULT_VERSION
    overdue = today_worklist(TODAY, actor=NURSE).injections_overdue
    assert overdue is not None and [c.patient.mrn for c in overdue.rows] == ["MRN-0502"]
    waning = Alert.objects.filter(patient=injected).exclude(status="resolved")
    assert {a.policy_version for a in waning} == {DEFAULT_VERSION}

    restart(settings, policy_file)
    assert active_policy().version == VERSION
    after = run_screening(screened, {}, formulation="xr_injection", actor=NURSE, at=at(TODAY))
    assert (after.decision, after.earliest_start_date) == ("not_yet", last_use + timedelta(days=14))
    assert after.policy_version == VERSION
    assert any(f["code"] == "OPIOID_FREE_INTERVAL" for f in after.result["findings"])
    # The nightly refresh (the app command's use case) applies the clinic policy on its own.
    refresh_all(at=at(TODAY))
    care = CareStatus.objects.get(patient=injected)
    assert care.overdue_from == TODAY + timedelta(days=3)  # day 33 under Riverside
    assert care.policy_version == VERSION
    overdue = today_worklist(TODAY, actor=NURSE).injections_overdue
    assert overdue is not None and overdue.rows == []
    assert all(
        a.policy_version == VERSION
        for a in Alert.objects.filter(patient=injected).exclude(status="resolved")
    )
    report = read_report(TODAY - timedelta(days=30), TODAY, actor=DIRECTOR, at=at(TODAY))
    assert report.policy_version == VERSION

    # A screening decided under the old policy is not signed under the new one.
    with pytest.raises(InputError) as err:
        sign_screening(before.pk, actor=PRESCRIBER, at=at(TODAY, 11), **attested(before.pk))
    assert err.value.field == "screening"
    assert DEFAULT_VERSION in err.value.message and VERSION in err.value.message
    sign_screening(after.pk, actor=PRESCRIBER, at=at(TODAY, 11), **attested(after.pk))


@pytest.fixture
def committed_db(committed_data: None) -> str:  # noqa: F811 (the fixture, by name)
    """The test database's URL, for a `naltrack` subprocess to read the committed rows."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        # The suite's SQLite test database is a file (tests/settings.py), so a process opens it.
        return f"sqlite:///{s['NAME']}"
    return f"postgresql://{s['USER']}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def naltrack(*args: str, database_url: str, policy_file: Path | None) -> str:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NALTRACK_") and k != "DJANGO_SETTINGS_MODULE"}  # fmt: skip
    env.update(NALTRACK_DEBUG="true", NALTRACK_DATABASE_URL=database_url, NALTRACK_TODAY=str(TODAY),
               NALTRACK_TIME_ZONE="UTC")  # fmt: skip
    if policy_file is not None:
        env["NALTRACK_POLICY_FILE"] = str(policy_file)
    done = subprocess.run(
        [str(Path(sys.executable).with_name("naltrack")), *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_nightly_refresh_command_runs_under_the_policy_file(
    committed_db: str, policy_file: Path
) -> None:
    """End to end, on each database: the `naltrack alerts refresh` process started with the clinic's
    file computes other due days than one started without it, and records the version."""
    injected = started_on_injection("MRN-0503", TODAY - timedelta(days=30))
    naltrack("alerts", "refresh", database_url=committed_db, policy_file=None)
    care = CareStatus.objects.get(patient=injected)
    assert (care.overdue_from, care.policy_version) == (TODAY - timedelta(days=1), DEFAULT_VERSION)

    naltrack("alerts", "refresh", database_url=committed_db, policy_file=policy_file)
    care = CareStatus.objects.get(patient=injected)
    assert (care.overdue_from, care.policy_version) == (TODAY + timedelta(days=3), VERSION)


def test_a_bad_policy_file_stops_the_command_naming_the_variable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('version = "x-1"\ninjection_overdue_from_dya = 31\n', encoding="utf-8")
    env = {**os.environ, "NALTRACK_DEBUG": "true", "NALTRACK_POLICY_FILE": str(bad)}
    done = subprocess.run(
        [str(Path(sys.executable).with_name("naltrack")), "alerts", "refresh"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "NALTRACK_POLICY_FILE" in done.stderr and "'injection_overdue_from_dya'" in done.stderr


# --- the director's policy page ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_today")
def test_the_director_reads_the_running_policy_and_its_rules_document(
    settings: Any, policy_file: Path
) -> None:
    restart(settings, policy_file)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    director = login(Role.DIRECTOR, "dana.director")
    page = director.get("/policy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'Clinic policy <span class="muted small">{VERSION}</span>' in html
    assert "2 settings differ from the naltrack default" in html
    # Every setting with its value, its default, and whether the clinic changed it.
    assert html.count('<tr class="changed">') == 2
    assert (
        "<td><code>injection_overdue_from_day</code></td><td><strong>33</strong></td><td>29</td>"
        in html
    )
    assert (
        "<td><code>opioid_free_interval.fentanyl</code></td><td><strong>deferral_days 14, review_days 21</strong></td><td>deferral_days 10, review_days 14</td>"
        in html
    )
    assert "<td><code>cows_withdrawal_min</code></td><td><strong>5</strong></td><td>5</td>" in html
    # The rules document generated from this policy, rendered as HTML (tables, headings).
    assert "<h1>naltrack clinical rules</h1>" in html
    assert f"Policy version: <strong>{VERSION}</strong>" in html
    assert "<table>" in html and "<th>setting</th>" in html
    # Linked from the navigation; the read is audited as a read of configuration.
    assert 'href="/policy/" aria-current="page">Policy</a>' in html
    event = AuditEvent.objects.get(object_type="clinic_policy")
    assert (event.actor, event.action, event.object_id) == ("dana.director", "read", VERSION)
    assert f"Policy {VERSION}." in html  # the footer of every page


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_today")
def test_the_policy_page_is_for_the_director_and_prescribers_only() -> None:
    assert login(Role.PRESCRIBER, "pat.prescriber").get("/policy/").status_code == 200
    for role, name in ((Role.NURSE, "nina.nurse"), (Role.COORDINATOR, "cora.coordinator"),
                       (Role.COUNSELOR, "cole.counselor")):  # fmt: skip
        client = login(role, name)
        assert client.get("/policy/").status_code == 403
        assert 'href="/policy/"' not in client.get("/today/").content.decode()
    assert AuditEvent.objects.filter(object_type="clinic_policy").count() == 1


@pytest.mark.django_db
@pytest.mark.usefixtures("fixed_today")
def test_the_chart_and_the_report_show_the_running_version(
    settings: Any, policy_file: Path
) -> None:
    p = started_on_injection("MRN-0504", TODAY - timedelta(days=30))
    refresh_patient(p, at=at(TODAY))  # day 30: overdue under the default policy
    make_ready(p, TODAY)
    stale = run_screening(p, {}, formulation="xr_injection", actor=NURSE, at=at(TODAY))
    prescriber = login(Role.PRESCRIBER, "pat.prescriber")
    chart = prescriber.get(f"/patients/{p.mrn}/").content.decode()
    assert f"<dt>Policy</dt><dd>{DEFAULT_VERSION}</dd>" in chart
    assert (
        f'action="/screenings/{stale.pk}/sign/"'
        in prescriber.get(f"/screenings/{stale.pk}/").content.decode()
    )
    restart(settings, policy_file)
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    chart = prescriber.get(f"/patients/{p.mrn}/").content.decode()
    # Before the refresh, the chart says its due days came from the previous policy.
    assert f"<dt>Policy</dt><dd>{VERSION} <span" in chart
    assert f"computed under {DEFAULT_VERSION}" in chart
    # A screening decided before the restart says so, and offers no signature.
    detail = prescriber.get(f"/screenings/{stale.pk}/").content.decode()
    assert f"Decided under policy {DEFAULT_VERSION}; the clinic now runs {VERSION}." in detail
    assert f'action="/screenings/{stale.pk}/sign/"' not in detail
    alerts = prescriber.get("/alerts/").content.decode()
    assert f"under policy {DEFAULT_VERSION}" in alerts  # raised before the restart
    report = prescriber.get("/reports/").content.decode()
    assert f"computed under clinic policy <strong>{VERSION}</strong>" in report


@pytest.mark.django_db
def test_the_api_reports_the_version_of_every_stored_decision(
    settings: Any, policy_file: Path
) -> None:
    restart(settings, policy_file)
    # Tokens expire: the clinic's clock on TODAY, when the token was made.
    settings.CONFIG = dataclasses.replace(settings.CONFIG, fixed_today=TODAY)
    p = started_on_injection("MRN-0505", TODAY - timedelta(days=35))
    refresh_patient(p, at=at(TODAY))  # day 35: overdue, waning (alerts) under Riverside
    create_staff("pat.prescriber", "a-long-demo-password-1", Role.PRESCRIBER)
    headers = {"Authorization": f"Bearer {create_token('pat.prescriber', at=at(TODAY))}"}
    client = Client()
    summary = client.get(f"/api/patients/{p.mrn}", headers=headers).json()
    assert summary["care"]["policy_version"] == VERSION
    assert summary["alerts"] and {a["policy_version"] for a in summary["alerts"]} == {VERSION}
    alerts = client.get("/api/alerts", headers=headers).json()
    assert {a["policy_version"] for a in alerts["items"]} == {VERSION}
    start = TODAY - timedelta(days=30)
    report = client.get(f"/api/reports/program?start={start}&end={TODAY}", headers=headers).json()
    assert report["policy_version"] == VERSION
