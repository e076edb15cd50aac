"""Part A A6: safety alerts from one patient's snapshot on a given day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from naltrack.clinical.alerts import (
    AlertCode,
    AlertSeverity,
    LiverTest,
    PatientSnapshot,
    Phq9Result,
    TreatmentStatus,
    evaluate_alerts,
)
from naltrack.clinical.coverage import Administration
from naltrack.clinical.vocab import Formulation, Indication
from tests.builders import days

D0 = date(2026, 10, 1)
XR, ORAL = Formulation.XR_INJECTION, Formulation.ORAL


def injected(on_day: int, **kw: Any) -> PatientSnapshot:
    """An OUD patient injected on D0 (overdose reversal agent discussed), seen on day `on_day`."""
    base: dict[str, Any] = dict(
        as_of=D0 + days(on_day),
        indications=frozenset({Indication.OUD}),
        formulation=XR,
        administrations=(Administration(D0, XR, 380),),
        reversal_agent_discussed_at_last_injection=True,
    )
    base.update(kw)
    return PatientSnapshot(**base)


def codes(snapshot: PatientSnapshot) -> dict[AlertCode, AlertSeverity]:
    return {a.code: a.severity for a in evaluate_alerts(snapshot)}


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (24, {}),
        (25, {AlertCode.BLOCKADE_WANING: AlertSeverity.HIGH}),
        (28, {AlertCode.BLOCKADE_WANING: AlertSeverity.HIGH}),
        (29, {AlertCode.INJECTION_OVERDUE: AlertSeverity.URGENT}),
    ],
)
def test_injection_waning_then_overdue(day: int, expected: dict[AlertCode, AlertSeverity]) -> None:
    assert codes(injected(day)) == expected


def test_booking_by_the_due_day_silences_waning_but_not_overdue() -> None:
    assert codes(injected(26, next_injection_booked=D0 + days(28))) == {}
    assert AlertCode.INJECTION_OVERDUE in codes(injected(30, next_injection_booked=D0 + days(28)))


@pytest.mark.parametrize(
    ("day", "severity"),
    [(0, AlertSeverity.HIGH), (27, AlertSeverity.HIGH), (28, AlertSeverity.URGENT),
     (57, AlertSeverity.URGENT), (58, None)],
)  # fmt: skip
def test_stopped_treatment_opens_the_post_treatment_overdose_alert_for_30_days(
    day: int, severity: AlertSeverity | None
) -> None:
    """Stopped while still covered: high, from the day it stops (follow-up before the blockade
    ends); urgent from the first uncovered day for the 30-day post-treatment window."""
    got = codes(injected(day, treatment_status=TreatmentStatus.STOPPED))
    assert got.get(AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK) == severity
    assert AlertCode.INJECTION_OVERDUE not in got  # a stopped patient is not "overdue"


def oral_patient(taken_days: list[int], on_day: int) -> PatientSnapshot:
    return PatientSnapshot(
        as_of=D0 + days(on_day),
        indications=frozenset({Indication.AUD}),
        formulation=ORAL,
        administrations=tuple(Administration(D0 + days(d), ORAL, 50) for d in taken_days),
    )


@pytest.mark.parametrize(("last_taken", "alert"), [(19, False), (18, False), (17, True)])
def test_two_missed_oral_days_in_a_row(last_taken: int, alert: bool) -> None:
    # Seen on day 20 before today's dose: last taken day 17 means days 18 and 19 were missed.
    snapshot = oral_patient(list(range(last_taken + 1)), 20)
    assert (AlertCode.MISSED_ORAL_DOSES in codes(snapshot)) is alert


def test_low_14_day_pdc_alerts_even_without_two_missed_in_a_row() -> None:
    taken = [d for d in range(30) if d % 2 == 0]  # every other day: PDC 0.5, never 2 in a row
    got = evaluate_alerts(oral_patient(taken, 30))
    assert [a.code for a in got] == [AlertCode.MISSED_ORAL_DOSES]
    assert "PDC 0.50" in got[0].message


@pytest.mark.parametrize(
    ("report_day", "covered", "code"),
    [(10, True, AlertCode.OPIOID_USE_WHILE_BLOCKED), (40, False, AlertCode.OPIOID_USE_REPORTED)],
)
def test_opioid_use_while_blocked_is_urgent(
    report_day: int, covered: bool, code: AlertCode
) -> None:
    snapshot = injected(report_day, opioid_use_reports=(D0 + days(report_day),))
    got = codes(snapshot)
    assert code in got
    assert got[code] is (AlertSeverity.URGENT if covered else AlertSeverity.HIGH)


def test_positive_screen_outside_the_lookback_is_not_reopened() -> None:
    assert AlertCode.OPIOID_USE_WHILE_BLOCKED not in codes(
        injected(20, positive_opioid_screens=(D0 + days(5),))
    )
    assert AlertCode.OPIOID_USE_WHILE_BLOCKED in codes(
        injected(19, positive_opioid_screens=(D0 + days(5),))
    )


@pytest.mark.parametrize(
    ("alt", "severity"), [(120, None), (121, AlertSeverity.HIGH), (201, AlertSeverity.URGENT)]
)
def test_lft_rise_during_treatment(alt: float, severity: AlertSeverity | None) -> None:
    snapshot = injected(10, liver_tests=(LiverTest(D0 + days(9), alt, 20, 40, 40),))
    assert codes(snapshot).get(AlertCode.LFT_ELEVATED) is severity


def test_pretreatment_lfts_do_not_open_a_treatment_alert() -> None:
    snapshot = injected(10, liver_tests=(LiverTest(D0 - days(3), 400, 20, 40, 40),))
    assert AlertCode.LFT_ELEVATED not in codes(snapshot)


def test_suicide_risk_follows_the_latest_phq9() -> None:
    risky = (Phq9Result(D0 + days(5), 12, 1),)
    assert codes(injected(10, phq9=risky))[AlertCode.SUICIDE_RISK] is AlertSeverity.URGENT
    recovered = (*risky, Phq9Result(D0 + days(8), 4, 0))
    assert AlertCode.SUICIDE_RISK not in codes(injected(10, phq9=recovered))


def test_surgery_pregnancy_and_reversal_agent() -> None:
    got = codes(
        injected(
            10,
            planned_surgery_date=D0 + days(30),
            pregnant=True,
            reversal_agent_discussed_at_last_injection=False,
        )
    )
    assert got[AlertCode.SURGERY_PLANNED] is AlertSeverity.HIGH
    assert got[AlertCode.PREGNANCY] is AlertSeverity.HIGH
    assert got[AlertCode.REVERSAL_AGENT_NOT_RECORDED] is AlertSeverity.ROUTINE
    assert (
        codes(injected(10, planned_surgery_date=D0 + days(60)))[AlertCode.SURGERY_PLANNED]
        is AlertSeverity.ROUTINE
    )


def test_alerts_are_one_per_code_most_severe_first_with_sources() -> None:
    snapshot = injected(
        40,
        opioid_use_reports=(D0 + days(39), D0 + days(38)),
        phq9=(Phq9Result(D0 + days(39), 20, 2),),
        planned_surgery_date=D0 + days(100),
    )
    alerts = evaluate_alerts(snapshot)
    assert len({a.code for a in alerts}) == len(alerts)
    order = {AlertSeverity.URGENT: 0, AlertSeverity.HIGH: 1, AlertSeverity.ROUTINE: 2}
    assert [order[a.severity] for a in alerts] == sorted(order[a.severity] for a in alerts)
    assert all(a.message and a.action and a.source for a in alerts)


def test_no_administrations_no_dosing_alerts() -> None:
    snapshot = PatientSnapshot(as_of=D0, indications=frozenset({Indication.OUD}), formulation=XR)
    assert evaluate_alerts(snapshot) == []
