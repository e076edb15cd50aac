"""The program report: its figures on a small known clinic, the audited and de-identified export,
bad periods named, and the roles that may read it."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from naltrack.monitoring.services import record_side_effect
from naltrack.reports.services import read_report
from naltrack.treatment.services import discontinue, record_administration
from tests.integration.conftest import (
    DIRECTOR,
    NURSE,
    PRESCRIBER,
    TODAY,
    at,
    injection,
    login,
    make_patient,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]
START = TODAY - timedelta(days=89)


def small_clinic() -> None:
    """Three patients started on injections 200, 100 and 20 days ago; the first stopped at day 120;
    the second had a repeat injection on day 28; one more registered but never dosed."""
    a = started_on_injection("MRN-8001", TODAY - timedelta(days=200))
    discontinue(
        a,
        reason="moved away",
        on=TODAY - timedelta(days=80),
        actor=PRESCRIBER,
        at=at(TODAY - timedelta(days=80)),
    )
    b = started_on_injection("MRN-8002", TODAY - timedelta(days=100))
    second = TODAY - timedelta(days=72)
    record_administration(b, injection(second, site="right"), actor=NURSE, at=at(second))
    started_on_injection("MRN-8003", TODAY - timedelta(days=20))
    make_patient("MRN-8004")
    record_side_effect(
        b, kind="injection_site", severity="mild", noted_on=second, actor=NURSE, at=at(second)
    )


def measures(report: object) -> dict[str, tuple[object, object]]:
    return {m.name.strip(): (m.value, m.of) for m in report.measures}  # type: ignore[attr-defined]


def test_the_report_counts_a_known_clinic() -> None:
    small_clinic()
    m = measures(read_report(START, TODAY, actor=DIRECTOR, at=at(TODAY)))
    assert m["Episodes open at the end of the period"] == (3, None)
    assert m["Episodes ended in the period"] == (1, None)
    # day 90: A (first dose 200 days ago) and B (100 days ago) are eligible. Neither was on
    # medication through day 90: A had one injection (28 days), B two (56 days), though both
    # episodes were still open on day 90. Retention is measured from coverage.
    assert m["Retained at day 90 from the first dose"] == (0, 2)
    # day 180: only A is eligible
    assert m["Retained at day 180 from the first dose"] == (0, 1)
    assert m["Injections given"] == (2, None)  # B's repeat and C's first dose fall in the period
    assert m["Repeat injections given on time"] == (1, 1)
    assert m["of which injection-site reactions"] == (1, None)


def test_retention_counts_the_patient_on_medication_not_the_open_episode() -> None:
    """The defect of issue 14: an episode left open after the last injection wore off counted
    as retained. Two episodes, both open today, first injections 120 days ago: one had an
    injection every 28 days (retained at day 90), the other stopped coming after two (not)."""
    start = TODAY - timedelta(days=120)
    kept = started_on_injection("MRN-8101", start)
    for k in (28, 56, 84, 112):
        day = start + timedelta(days=k)
        record_administration(kept, injection(day, site="right" if k % 56 else "left"),
                              actor=NURSE, at=at(day))  # fmt: skip
    gone = started_on_injection("MRN-8102", start)
    day = start + timedelta(days=28)
    record_administration(gone, injection(day, site="right"), actor=NURSE, at=at(day))
    m = measures(read_report(START, TODAY, actor=DIRECTOR, at=at(TODAY)))
    assert m["Episodes open at the end of the period"] == (2, None)
    assert m["Retained at day 90 from the first dose"] == (1, 2)
    assert m["Retained at day 180 from the first dose"] == (0, 0)


def test_the_export_is_audited_and_names_no_patient() -> None:
    small_clinic()
    director = login(Role.DIRECTOR, "dana.director")
    r = director.get(f"/reports/program.csv?start={START}&end={TODAY}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    body = r.content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    assert {"section", "measure", "value", "denominator", "share"} <= set(rows[0])
    assert "MRN-" not in body and "Patient" not in body
    export = AuditEvent.objects.get(action="export")
    assert (export.actor, export.object_type) == ("dana.director", "program_report")
    assert export.detail == f"csv {START}..{TODAY}"


def test_a_bad_period_is_named_and_nothing_is_audited() -> None:
    director = login(Role.DIRECTOR, "dana.director")
    page = director.get(f"/reports/?start={TODAY}&end={TODAY - timedelta(days=5)}").content.decode()
    assert "is before the start" in page and 'class="field-error"' in page
    assert "must be a date" in director.get("/reports/?start=yesterday").content.decode()
    assert director.get("/reports/program.csv?end=2099-01-01").status_code == 400
    assert not AuditEvent.objects.filter(object_type="program_report").exists()
    with pytest.raises(InputError) as err:
        read_report(TODAY - timedelta(days=2000), TODAY, actor=DIRECTOR, at=at(TODAY))
    assert err.value.field == "start"


def test_directors_and_prescribers_read_the_report_others_do_not() -> None:
    assert login(Role.DIRECTOR, "dana.director").get("/reports/").status_code == 200
    assert login(Role.PRESCRIBER, "pat.prescriber").get("/reports/").status_code == 200
    for role, name in ((Role.NURSE, "nina.nurse"), (Role.COORDINATOR, "cora.coordinator")):
        client = login(role, name)
        assert client.get("/reports/").status_code == 403
        assert client.get("/reports/program.csv").status_code == 403
    with pytest.raises(PermissionRefused):
        read_report(START, TODAY, actor=NURSE, at=at(TODAY))


def test_rows_noted_today_count_today_even_for_a_past_period() -> None:
    started_on_injection(
        "MRN-8005", TODAY - timedelta(days=40)
    )  # overdue since day 35, i.e. 5 days ago
    past = TODAY - timedelta(days=30)
    m = measures(read_report(past - timedelta(days=60), past, actor=DIRECTOR, at=at(TODAY)))
    assert m["Injections overdue today"] == (1, None)
