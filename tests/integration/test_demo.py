"""The demo clinic: about 150 synthetic patients over every stage, each kind of alert open, one
staff account per role, and the same clinic every time for the same day."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from naltrack import demo
from naltrack.accounts.models import StaffProfile
from naltrack.alerts.models import Alert, AlertStatus
from naltrack.appointments.calendar import clinic_calendar
from naltrack.appointments.models import Appointment, Room
from naltrack.clinical.alerts import AlertCode
from naltrack.clinical.calendar import closed_because
from naltrack.integrity.checks import check_integrity
from naltrack.outreach.models import OutreachAttempt
from naltrack.patients.models import Episode, Patient
from naltrack.portal.models import PatientAccount
from naltrack.screening.models import ScreeningRecord
from naltrack.treatment.models import Administration
from tests.integration.conftest import TODAY

pytestmark = pytest.mark.django_db


class Again(Exception):
    pass


def snapshot() -> tuple[list[Any], list[Any]]:
    return (
        sorted(Alert.objects.values_list("patient__mrn", "code", "message")),
        sorted(Administration.objects.values_list("patient__mrn", "given_on", "status")),
    )


def test_the_demo_clinic_covers_every_stage_and_every_alert_and_is_deterministic() -> None:
    with pytest.raises(Again), transaction.atomic():
        assert demo.seed(TODAY) == demo.PATIENTS
        first = snapshot()
        raise Again  # roll the first clinic back, then seed again
    assert demo.seed(TODAY) == demo.PATIENTS
    assert snapshot() == first
    assert 140 <= Patient.objects.count() <= 160
    assert demo.seed(TODAY) == 0  # a seeded clinic is left alone
    open_codes = set(
        Alert.objects.exclude(status=AlertStatus.RESOLVED).values_list("code", flat=True)
    )
    assert open_codes == {c.value for c in AlertCode}
    assert set(StaffProfile.objects.values_list("role", flat=True)) == {
        "prescriber", "nurse", "counselor", "coordinator", "director"}  # fmt: skip
    waiting = ScreeningRecord.objects.filter(signed_at__isnull=True, decision="not_yet")
    assert waiting.exists()  # waiting out the opioid-free interval
    assert Episode.objects.filter(status="discharged").exists()
    # Its history written straight to the MAR is audited too: `naltrack check` passes on it.
    report = check_integrity()
    assert report.ok, [str(f) for f in report.findings]
    # Outreach after missed doses (issue 12): reached, tried again, a wrong number.
    outcomes = set(OutreachAttempt.objects.values_list("outcome", flat=True))
    assert {"reached", "no_answer", "message_left", "wrong_number"} <= outcomes
    # Visits are booked with a time of day, a few by the day only (reminders name both).
    booked = Appointment.objects.filter(status="booked")
    assert booked.filter(time__isnull=False).exists() and booked.filter(time__isnull=True).exists()
    # The clinic's calendar (issue 12): opening hours, a holiday, rooms; no visit booked ahead on a
    # closed day, and the coming fortnight's timed visits have a clinician and a room.
    cal = clinic_calendar()
    assert cal.hours is not None and 6 not in cal.hours and len(cal.holidays) == 1
    assert Room.objects.count() == len(demo.DEMO_ROOMS)
    assert not [a for a in booked.filter(on__gte=TODAY) if closed_because(cal, a.on)]
    assert booked.filter(clinician__isnull=False, room__isnull=False).exists()
    # Portal logins for a few demo patients (issue 11), printed by `make run`.
    assert PatientAccount.objects.count() == len(demo.PORTAL)
    for i, language, _what in demo.PORTAL:
        c = Client()
        answer = c.post(
            "/portal/sign-in/", {"username": demo.portal_login(i), "password": demo.PASSWORD}
        )
        assert answer.status_code == 302
        home = c.get("/portal/")
        assert home.status_code == 200 and home["Content-Language"] == language
