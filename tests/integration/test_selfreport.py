"""Issue 11: the patient's dose log and daily check-in through the services: one transaction each,
audited under the patient account, bad input refused naming the field and nothing written, and
the check-in alerts raised by the same refresh as every other alert."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from naltrack.accounts.actors import PatientActor
from naltrack.alerts.models import Alert, CareStatus
from naltrack.alerts.services import refresh_patient
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.patients.models import Patient
from naltrack.selfreport.models import CheckIn, DoseLogEntry
from naltrack.selfreport.services import (
    log_dose,
    read_checkin,
    read_dose_log,
    submit_checkin,
)
from naltrack.treatment.services import sign_order
from tests.integration.conftest import (
    NOW,
    ORDER_DOSES,
    PRESCRIBER,
    TODAY,
    at,
    make_patient,
    started_on_injection,
)
from tests.integration.portal_helpers import give_portal_account, portal_actor

pytestmark = pytest.mark.django_db
NO_USE: dict[str, Any] = dict(craving="2", opioid_use="no", alcohol_use="no")
MOOD_OK = ("0", "0", "0")


def on_tablets(mrn: str = "MRN-SR01", regimen: str = "oral_daily") -> tuple[Patient, PatientActor]:
    p = make_patient(mrn, start=TODAY - timedelta(days=20))
    sign_order(p, formulation="oral", regimen=regimen, dose_mg=ORDER_DOSES[regimen], actor=PRESCRIBER,
               at=at(TODAY - timedelta(days=20)))  # fmt: skip
    return p, portal_actor(give_portal_account(p))


def test_the_dose_log_lists_today_and_the_past_seven_days() -> None:
    p, me = on_tablets()
    log = read_dose_log(me, at=NOW)
    assert [d.day for d in log.days] == [TODAY - timedelta(days=i) for i in range(8)]
    assert all(d.mg == 50 and d.entry is None for d in log.days)
    assert AuditEvent.objects.filter(actor=me.username, action="read", object_type="dose_log",
                                     patient_mrn=p.mrn).count() == 1  # fmt: skip


def test_a_logged_tablet_is_self_reported_coverage_never_observed() -> None:
    p, me = on_tablets()
    for i in range(3):
        log_dose(me, day=TODAY - timedelta(days=i), status="taken", at=NOW)
    log_dose(me, day=TODAY - timedelta(days=3), status="skipped", reason="ran out", at=NOW)
    entries = {
        e.day: (e.status, e.reason, e.recorded_by) for e in DoseLogEntry.objects.filter(patient=p)
    }
    assert entries[TODAY - timedelta(days=3)] == ("skipped", "ran out", me.username)
    care = CareStatus.objects.get(patient=p)
    assert care.last_dose_on == TODAY  # the log reaches the refresh's dosing record
    assert care.days_covered_90 == 3
    # and the chart's coverage tells observed from self-reported (chart tests show the page)
    from naltrack.chart.services import read_chart

    cov = read_chart(p, TODAY).coverage
    assert cov is not None
    assert (cov.observed.days_covered, cov.with_self_reported.days_covered) == (0, 3)
    assert AuditEvent.objects.filter(actor=me.username, object_type="dose_log_entry").count() == 4


def test_a_dose_can_be_corrected_and_each_change_is_audited() -> None:
    p, me = on_tablets()
    log_dose(me, day=TODAY, status="skipped", reason="forgot", at=NOW)
    log_dose(me, day=TODAY, status="taken", at=NOW + timedelta(minutes=5))
    assert DoseLogEntry.objects.get(patient=p, day=TODAY).status == "taken"
    actions = list(AuditEvent.objects.filter(object_type="dose_log_entry").order_by("id")
                   .values_list("action", flat=True))  # fmt: skip
    assert actions == ["create", "update"]


@pytest.mark.parametrize(
    ("days_back", "status", "reason", "field"),
    [(8, "taken", "", "day"), (-1, "taken", "", "day"), (0, "lost", "", "status"),
     (0, "taken", "because", "reason")],
)  # fmt: skip
def test_a_bad_dose_entry_is_refused_and_nothing_written(
    days_back: int, status: str, reason: str, field: str
) -> None:
    _p, me = on_tablets()
    with pytest.raises(InputError) as err:
        log_dose(me, day=TODAY - timedelta(days=days_back), status=status, reason=reason, at=NOW)
    assert err.value.field == field
    assert not DoseLogEntry.objects.exists()
    assert not AuditEvent.objects.filter(object_type="dose_log_entry").exists()


def test_every_other_day_tablets_only_on_their_days() -> None:
    _p, me = on_tablets(regimen="oral_every_other_day")
    days = [d.day for d in read_dose_log(me, at=NOW).days]
    assert days == [TODAY - timedelta(days=i) for i in (0, 2, 4, 6)]
    with pytest.raises(InputError) as err:
        log_dose(me, day=TODAY - timedelta(days=1), status="taken", at=NOW)
    assert err.value.message == "no tablet is scheduled on this day"


def test_an_injection_patient_has_no_tablets_to_log() -> None:
    p = started_on_injection("MRN-SR02", TODAY - timedelta(days=5))
    me = portal_actor(give_portal_account(p))
    log = read_dose_log(me, at=NOW)
    assert (log.days, log.has_schedule) == ([], False)


def test_the_first_check_in_asks_the_mood_questions_and_the_next_week_again() -> None:
    _p, me = on_tablets()
    assert read_checkin(me, at=NOW).mood_due is True
    page = submit_checkin(me, at=NOW, **NO_USE, phq2=MOOD_OK)
    assert page.done is not None and page.done.phq2_interest == 0
    for i in range(1, 8):
        page = read_checkin(me, at=NOW + timedelta(days=i))
        assert page.mood_due is (i >= 7), i


def test_one_check_in_a_day() -> None:
    p, me = on_tablets()
    submit_checkin(me, at=NOW, **NO_USE, phq2=MOOD_OK)
    with pytest.raises(ConflictError) as err:
        submit_checkin(me, at=NOW + timedelta(hours=2), **NO_USE)
    assert err.value.field == "day"
    assert CheckIn.objects.filter(patient=p).count() == 1


@pytest.mark.parametrize(
    ("answers", "field"),
    [({"craving": "12"}, "craving"), ({"opioid_use": ""}, "opioid_use"),
     ({"side_effects": ["rash"]}, "side_effects"), ({"phq2": None}, "phq2_interest"),
     ({"phq2": ("0", "9", "0")}, "phq2_mood")],
)  # fmt: skip
def test_a_bad_check_in_is_refused_naming_the_field(answers: dict[str, object], field: str) -> None:
    _p, me = on_tablets()
    with pytest.raises(InputError) as err:
        submit_checkin(me, at=NOW, **{**NO_USE, "phq2": MOOD_OK, **answers})
    assert err.value.field == field
    assert not CheckIn.objects.exists()
    assert not AuditEvent.objects.filter(object_type="checkin").exists()


def test_thoughts_of_self_harm_raise_an_urgent_alert_naming_the_crisis_line() -> None:
    p, me = on_tablets()
    page = submit_checkin(me, at=NOW, **NO_USE, phq2=("1", "1", "1"), crisis_line="988")
    assert page.self_harm_reported is True
    alert = Alert.objects.get(patient=p, code="CHECKIN_SELF_HARM_THOUGHTS")
    assert alert.severity == "urgent" and "988" in alert.message
    assert (
        AuditEvent.objects.filter(actor=me.username, action="create", object_type="checkin").count()
        == 1
    )


def test_opioid_use_after_the_injection_wore_off_raises_an_urgent_alert() -> None:
    p = started_on_injection("MRN-SR03", TODAY - timedelta(days=30))
    me = portal_actor(give_portal_account(p))
    submit_checkin(me, at=NOW, craving="7", opioid_use="yes", alcohol_use="no",
                   use_what="pills", phq2=MOOD_OK)  # fmt: skip
    alert = Alert.objects.get(patient=p, code="CHECKIN_OPIOID_USE")
    assert alert.severity == "urgent" and "worn off" in alert.message and "(pills)" in alert.message


def test_three_days_of_high_craving_raise_an_alert_on_the_third() -> None:
    p, me = on_tablets()
    for i in range(3):
        submit_checkin(me, at=NOW + timedelta(days=i), craving="8", opioid_use="no",
                       alcohol_use="no", phq2=MOOD_OK if i == 0 else None)  # fmt: skip
        raised = Alert.objects.filter(patient=p, code="CHECKIN_CRAVING_HIGH").exists()
        assert raised is (i == 2)


def test_an_injection_site_complaint_raises_an_alert() -> None:
    p = started_on_injection("MRN-SR04", TODAY - timedelta(days=3))
    me = portal_actor(give_portal_account(p))
    submit_checkin(me, at=NOW, **NO_USE, side_effects=["injection_site", "nausea"], phq2=MOOD_OK)
    assert Alert.objects.get(patient=p, code="CHECKIN_INJECTION_SITE").severity == "high"


def test_the_nightly_refresh_keeps_the_check_in_alert() -> None:
    p, me = on_tablets()
    submit_checkin(me, at=NOW, **NO_USE, phq2=("3", "2", "0"))
    refresh_patient(p, at=NOW + timedelta(days=1))
    assert Alert.objects.get(patient=p, code="CHECKIN_PHQ2_POSITIVE").status == "open"
