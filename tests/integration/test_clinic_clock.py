"""The clinic's clock (issue 9, part 3): "today", due days, the Today lists, the screening day and
the reports are the clinic's days in NALTRACK_TIME_ZONE, not UTC's.

Two clinics, each at an instant when its day differs from UTC's:
- Los Angeles at 23:30 on Saturday 21 November 2026 (PST, UTC-8): 07:30 on the 22nd in UTC;
- Auckland at 00:30 on Sunday 22 November 2026 (NZDT, UTC+13): 11:30 on the 21st in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from naltrack import clock
from naltrack.accounts.roles import Role
from naltrack.alerts.models import CareStatus
from naltrack.alerts.services import refresh_patient
from naltrack.appointments.models import Appointment
from naltrack.clinical.errors import InputError
from naltrack.config import read_config
from naltrack.monitoring.services import record_observation
from naltrack.reports.services import read_report
from naltrack.screening.services import run_screening
from naltrack.worklist.services import today_worklist
from tests.integration.conftest import (
    DIRECTOR,
    NURSE,
    login,
    make_patient,
    make_ready,
    started_on_injection,
)

# These tests call the application's clock with the wall clock pinned by `clinic_at` (they never
# read the real time; test_purity's rule is about that): the names say it is the clinic's clock.
clinic_now, clinic_today = clock.now, clock.today


@dataclass(frozen=True)
class Clinic:
    zone: str
    instant: datetime  # the moment of the test, in UTC
    local_day: date  # the clinic's day at that instant
    utc_day: date


BEHIND = Clinic("America/Los_Angeles", datetime(2026, 11, 22, 7, 30, tzinfo=UTC),
                date(2026, 11, 21), date(2026, 11, 22))  # fmt: skip
AHEAD = Clinic("Pacific/Auckland", datetime(2026, 11, 21, 11, 30, tzinfo=UTC),
               date(2026, 11, 22), date(2026, 11, 21))  # fmt: skip
CLINICS = pytest.mark.parametrize("c", [BEHIND, AHEAD], ids=["los_angeles_23h30", "auckland_00h30"])


@pytest.fixture
def clinic_at(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the clinic in `c.zone`, with the wall clock at `c.instant`."""

    def use(c: Clinic) -> None:
        # The care-team restriction off, as in the rest of the suite (tests/settings.py): these
        # tests are of the clock, and their builders assign no care teams.
        settings.CONFIG = read_config({"NALTRACK_DEBUG": "true", "NALTRACK_TIME_ZONE": c.zone,
                                       "NALTRACK_CARE_TEAM_REQUIRED": "false"})  # fmt: skip
        settings.TIME_ZONE = settings.CONFIG.time_zone  # what settings.py does at start
        monkeypatch.setattr(timezone, "now", lambda: c.instant)

    return use


def test_the_instants_are_what_the_names_say() -> None:
    local = BEHIND.instant.astimezone(ZoneInfo(BEHIND.zone))
    assert (local.date(), local.hour, local.minute) == (BEHIND.local_day, 23, 30)
    local = AHEAD.instant.astimezone(ZoneInfo(AHEAD.zone))
    assert (local.date(), local.hour, local.minute) == (AHEAD.local_day, 0, 30)


@CLINICS
def test_today_is_the_clinics_day(c: Clinic, clinic_at: Any) -> None:
    clinic_at(c)
    assert clinic_today() == c.local_day != c.utc_day
    assert clock.local_day(c.instant) == c.local_day
    now = clinic_now()
    assert now == c.instant and now.utcoffset() == ZoneInfo(c.zone).utcoffset(c.instant)


@CLINICS
def test_a_fixed_demo_day_is_the_clinics_day_too(c: Clinic, clinic_at: Any, settings: Any) -> None:
    clinic_at(c)
    settings.CONFIG = read_config(
        {"NALTRACK_DEBUG": "true", "NALTRACK_TIME_ZONE": c.zone, "NALTRACK_TODAY": "2026-12-01"}
    )
    assert clinic_today() == date(2026, 12, 1)
    local = c.instant.astimezone(ZoneInfo(c.zone))
    assert (clinic_now().hour, clinic_now().minute) == (local.hour, local.minute)


@pytest.mark.django_db
@CLINICS
def test_services_take_the_clinics_day(c: Clinic, clinic_at: Any) -> None:
    clinic_at(c)
    p = make_patient("MRN-0601", start=c.local_day - timedelta(days=10))
    make_ready(p, c.local_day - timedelta(days=1))
    # The screening is dated the clinic's day.
    rec = run_screening(p, {}, formulation="xr_injection", actor=NURSE, at=c.instant)
    assert rec.as_of == c.local_day
    # An observation is "in the future" only after the clinic's day.
    tomorrow = c.local_day + timedelta(days=1)
    with pytest.raises(InputError) as err:
        record_observation(p, kind="craving", observed_on=tomorrow, data={"value": 3},
                           actor=NURSE, at=c.instant)  # fmt: skip
    assert err.value.field == "observed_on"
    obs = record_observation(p, kind="craving", observed_on=c.local_day, data={"value": 3},
                             actor=NURSE, at=c.instant)  # fmt: skip
    assert obs.observed_on == c.local_day
    # The report may end today (the clinic's), not later.
    report = read_report(c.local_day - timedelta(days=7), c.local_day, actor=DIRECTOR, at=c.instant)
    assert report.end == c.local_day
    with pytest.raises(InputError) as err:
        read_report(c.local_day - timedelta(days=7), tomorrow, actor=DIRECTOR, at=c.instant)
    assert (err.value.field, err.value.message) == ("end", "is in the future")


@pytest.mark.django_db
@CLINICS
def test_the_care_status_due_day_and_the_today_page(c: Clinic, clinic_at: Any) -> None:
    clinic_at(c)
    # Injected 28 days before the clinic's today: due today, overdue from tomorrow (Part A A5).
    p = started_on_injection("MRN-0602", c.local_day - timedelta(days=28))
    late = started_on_injection("MRN-0603", c.local_day - timedelta(days=29))
    for patient in (p, late):
        refresh_patient(patient, at=c.instant)
    care = CareStatus.objects.get(patient=p)
    assert care.computed_on == c.local_day
    assert (care.next_due_on, care.overdue_from) == (c.local_day, c.local_day + timedelta(days=1))
    assert CareStatus.objects.get(patient=late).overdue_from == c.local_day
    for day, kind in ((c.local_day, "injection"), (c.utc_day, "lab")):
        Appointment.objects.create(patient=p, kind=kind, on=day, booked_by="cora.coordinator",
                                   booked_at=c.instant)  # fmt: skip

    work = today_worklist(clinic_today(), actor=NURSE)
    assert work.injections_overdue is not None and work.injections_due is not None
    assert [s.patient.mrn for s in work.injections_overdue.rows] == ["MRN-0603"]
    assert [s.patient.mrn for s in work.injections_due.rows] == ["MRN-0602"]
    assert work.appointments_today is not None
    # The next injection booked by the MAR for today, and this one; not the lab on UTC's day.
    rows = work.appointments_today.rows
    assert {a.on for a in rows} == {c.local_day} and {a.kind for a in rows} == {"injection"}
    assert len(rows) == 2

    html = login(Role.NURSE, "nina.nurse").get("/today/").content.decode()
    assert f"Today is {c.local_day:%a} {c.local_day.day} {c.local_day:%b %Y}." in html
    section = html.split('id="h-appt"')[1].split("</section>")[0]
    assert "(2)" in section and "Injection" in section and "Lab" not in section
    overdue = (
        html.split('id="h-overdue"')[1].split("</section>")[0] if 'id="h-overdue"' in html else ""
    )
    assert "MRN-0603" in overdue or "Patient MRN-0603" in overdue
