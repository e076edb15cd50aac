"""Part A A6: safety alerts from one patient's snapshot on a given day."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from naltrack.clinical.alerts import (
    Alert,
    AlertCode,
    AlertSeverity,
    LiverTest,
    PatientSnapshot,
    Phq9Result,
    TreatmentStatus,
    evaluate_alerts,
)
from naltrack.clinical.coverage import Administration
from naltrack.clinical.policy import DEFAULT_POLICY, Policy
from naltrack.clinical.vocab import Formulation, Indication, StopReason
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


# --- boundary tables and what the clinician reads (Part A A6) ----------------------------------

NALOXONE = "Offer an overdose reversal agent (naloxone) and record it."

# A clinic policy that moves every A6 number, so that a rule reading the default instead of the
# policy it was given is noticed.
CLINIC = dataclasses.replace(
    DEFAULT_POLICY,
    version="clinic-test-1",
    injection_covered_days=30,
    injection_interval_days=30,
    injection_overdue_from_day=32,
    waning_from_day=26,
    oral_mg_per_covered_day=25,
    missed_oral_days_in_a_row=3,
    oral_pdc_window_days=10,
    oral_pdc_alert_below=0.5,
    lft_review_multiple=2.0,
    lft_block_multiple=4.0,
    phq9_item9_min=2,
    event_lookback_days=7,
    surgery_window_days_oral=5,
    surgery_window_days_xr_injection=20,
    surgery_window_days_implant=60,
)


def one(snapshot: PatientSnapshot, code: AlertCode, policy: Policy = DEFAULT_POLICY) -> Alert:
    (alert,) = [a for a in evaluate_alerts(snapshot, policy) if a.code is code]
    return alert


def test_an_alert_as_json_carries_code_severity_message_action_and_source() -> None:
    alert = one(injected(29), AlertCode.INJECTION_OVERDUE)
    assert alert.as_dict() == {
        "code": "INJECTION_OVERDUE",
        "severity": "urgent",
        "message": "Injection overdue since 2026-10-30 (last 2026-10-01): the label's high-risk "
        "time for fatal overdose.",
        "action": f"Contact the patient today and give the injection per the late tiers. {NALOXONE}",
        "source": "VIVITROL label 5.1 (overdose after a missed dose); Part A A6",
    }


def test_waning_alert_tells_staff_to_book_by_the_due_day() -> None:
    alert = one(injected(25), AlertCode.BLOCKADE_WANING)
    assert alert.action == (
        "Book the next injection on or before the due day; remind the patient of overdose risk."
    )
    assert alert.message == (
        "Injection of 2026-10-01 is wearing off (due 2026-10-29) and no next injection is booked "
        "by then."
    )


@pytest.mark.parametrize(
    ("day", "expected"),
    [(25, {}), (26, {AlertCode.BLOCKADE_WANING: AlertSeverity.HIGH}),
     (31, {AlertCode.BLOCKADE_WANING: AlertSeverity.HIGH}),
     (32, {AlertCode.INJECTION_OVERDUE: AlertSeverity.URGENT})],
)  # fmt: skip
def test_injection_alerts_follow_the_clinic_policy(
    day: int, expected: dict[AlertCode, AlertSeverity]
) -> None:
    got = {a.code: a.severity for a in evaluate_alerts(injected(day), CLINIC)}
    assert got == expected


@pytest.mark.parametrize("day", [35, 40, 60])
def test_an_injection_patient_long_overdue_gets_no_oral_adherence_alert(day: int) -> None:
    # The 14-day PDC check is for oral patients only (A6); an overdue injection is its own alert.
    assert codes(injected(day)) == {AlertCode.INJECTION_OVERDUE: AlertSeverity.URGENT}


def test_stopped_while_covered_says_until_when_the_blockade_lasts() -> None:
    alert = one(injected(10, treatment_status=TreatmentStatus.STOPPED),
                AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK)  # fmt: skip
    assert alert.severity is AlertSeverity.HIGH
    assert alert.message == (
        "Treatment stopped; the blockade lasts until 2026-10-28, then tolerance is gone: a "
        "previously tolerated opioid dose can be fatal."
    )
    assert alert.action == (
        f"Before the blockade ends: {NALOXONE} Agree follow-up contact and offer to restart."
    )


@pytest.mark.parametrize(
    ("day", "severity"),
    [(29, AlertSeverity.HIGH), (30, AlertSeverity.URGENT)],
)
def test_stopped_while_covered_follows_the_clinic_injection_coverage(
    day: int, severity: AlertSeverity
) -> None:
    snapshot = injected(day, treatment_status=TreatmentStatus.LOST_TO_FOLLOW_UP)
    assert one(snapshot, AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK, CLINIC).severity is severity


def test_the_post_treatment_alert_asks_to_reach_the_patient() -> None:
    alert = one(injected(28, treatment_status=TreatmentStatus.STOPPED),
                AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK)  # fmt: skip
    assert alert.action == f"Reach the patient: {NALOXONE} Offer to restart treatment."


def test_a_stopped_patient_without_doses_has_no_alert() -> None:
    snapshot = injected(5, administrations=(), treatment_status=TreatmentStatus.STOPPED)
    assert evaluate_alerts(snapshot) == []


def test_a_stopped_oral_patient_gets_no_oral_adherence_alert() -> None:
    snapshot = dataclasses.replace(
        oral_patient([0, 2, 4], 10), treatment_status=TreatmentStatus.STOPPED
    )
    assert codes(snapshot) == {
        AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK: AlertSeverity.URGENT,
    }


def test_missed_oral_doses_alert_counts_the_days_and_names_the_first() -> None:
    alert = one(oral_patient(list(range(18)), 20), AlertCode.MISSED_ORAL_DOSES)
    assert alert.message == "2 days in a row without an oral dose (since 2026-10-19)."
    assert alert.action == (
        "Contact the patient about adherence; consider supervised dosing or the injection. "
        f"{NALOXONE}"
    )


@pytest.mark.parametrize(("last_taken", "alert"), [(17, False), (16, True)])
def test_missed_oral_days_in_a_row_follow_the_clinic_policy(last_taken: int, alert: bool) -> None:
    # Clinic: 3 days in a row; 25 mg a day, so each 25 mg dose covers its own day.
    snapshot = dataclasses.replace(
        oral_patient([], 20),
        administrations=tuple(
            Administration(D0 + days(d), ORAL, 25) for d in range(last_taken + 1)
        ),
    )
    got = [a.code for a in evaluate_alerts(snapshot, CLINIC)]
    assert (AlertCode.MISSED_ORAL_DOSES in got) is alert


@pytest.mark.parametrize(
    ("taken", "message"),
    [
        ([0, 1, 2, 3, 5, 6, 8, 9], None),  # 8 of 10 days: exactly 0.80 is not below
        ([0, 1, 3, 5, 6, 8, 9], "Oral doses cover 7 of the last 10 days (PDC 0.70, below 0.80)."),
    ],
)
def test_oral_pdc_alert_opens_only_below_0_80(taken: list[int], message: str | None) -> None:
    """A6: PDC over the last 14 days (here the 10 days since the first dose) under 0.80."""
    got = [
        a for a in evaluate_alerts(oral_patient(taken, 10)) if a.code is AlertCode.MISSED_ORAL_DOSES
    ]
    assert [a.message for a in got] == ([message] if message else [])
    if got:
        assert got[0].action == (
            "Review adherence with the patient; consider supervised dosing or the injection."
        )


def test_oral_pdc_counts_the_last_14_days_only() -> None:
    # Doses every day until day 14, then every other day: the 14 days before day 30 are 7 of 14.
    taken = list(range(15)) + list(range(16, 30, 2))
    alert = one(oral_patient(taken, 30), AlertCode.MISSED_ORAL_DOSES)
    assert alert.message == "Oral doses cover 7 of the last 14 days (PDC 0.50, below 0.80)."


def test_oral_pdc_follows_the_clinic_window_threshold_and_mg_per_day() -> None:
    # Clinic: a 10-day window, alert below 0.5, 25 mg per covered day (a 50 mg dose covers 2).
    snapshot = oral_patient([0, 4, 8, 12, 16, 19], 20)
    got = {a.code: a.message for a in evaluate_alerts(snapshot, CLINIC)}
    assert got == {}  # days 10-19: 12-13, 16-17, 19 covered = 5 of 10, not below 0.5
    snapshot = oral_patient([0, 4, 8, 12, 19], 20)
    assert evaluate_alerts(snapshot, CLINIC)[0].message == (
        "Oral doses cover 3 of the last 10 days (PDC 0.30, below 0.50)."
    )


def test_a_one_day_pdc_window_still_counts_yesterday() -> None:
    policy = dataclasses.replace(
        DEFAULT_POLICY, oral_pdc_window_days=1, missed_oral_days_in_a_row=9
    )
    got = [a.message for a in evaluate_alerts(oral_patient([0, 1], 5), policy)]
    assert got == ["Oral doses cover 0 of the last 1 days (PDC 0.00, below 0.80)."]


def test_the_first_oral_dose_today_is_not_judged_yet() -> None:
    assert evaluate_alerts(oral_patient([5], 5)) == []


def test_same_code_same_severity_keeps_the_first_finding() -> None:
    # Two missed days in a row and a low PDC are both MISSED_ORAL_DOSES (high): the "in a row"
    # message, found first, is the one shown.
    alert = one(oral_patient([0, 2, 4, 6, 8, 10, 12, 14, 16], 20), AlertCode.MISSED_ORAL_DOSES)
    assert alert.message == "3 days in a row without an oral dose (since 2026-10-18)."


@pytest.mark.parametrize(
    ("what", "field", "day", "code", "message"),
    [
        ("report", "opioid_use_reports", 0, AlertCode.OPIOID_USE_WHILE_BLOCKED,
         "Reported opioid use on 2026-10-01 while naltrexone was blocking: trying to overcome "
         "the blockade can cause a fatal overdose."),
        ("report", "opioid_use_reports", 27, AlertCode.OPIOID_USE_WHILE_BLOCKED,
         "Reported opioid use on 2026-10-28 while naltrexone was blocking: trying to overcome "
         "the blockade can cause a fatal overdose."),
        ("report", "opioid_use_reports", 28, AlertCode.OPIOID_USE_REPORTED,
         "Reported opioid use on 2026-10-29 without naltrexone coverage: tolerance is low."),
        ("screen", "positive_opioid_screens", 28, AlertCode.OPIOID_USE_REPORTED,
         "A positive opioid urine screen on 2026-10-29 without naltrexone coverage: tolerance "
         "is low."),
        ("screen", "positive_opioid_screens", 3, AlertCode.OPIOID_USE_WHILE_BLOCKED,
         "A positive opioid urine screen on 2026-10-04 while naltrexone was blocking: trying to "
         "overcome the blockade can cause a fatal overdose."),
    ],
)  # fmt: skip
def test_opioid_use_on_the_first_and_last_covered_day_and_the_day_after(
    what: str, field: str, day: int, code: AlertCode, message: str
) -> None:
    """A6: use while blocked (injection day 0 to day 27) is urgent; from day 28 it is use without
    coverage (lost tolerance)."""
    alert = one(injected(day, **{field: (D0 + days(day),)}), code)
    assert alert.message == message
    assert alert.action == (
        f"Same-day contact: warn about overcoming the blockade, review the plan. {NALOXONE}"
        if code is AlertCode.OPIOID_USE_WHILE_BLOCKED
        else f"Contact the patient; relapse-management plan. {NALOXONE}"
    )


def test_opioid_use_coverage_follows_the_clinic_injection_days() -> None:
    snapshot = injected(29, opioid_use_reports=(D0 + days(29),))
    assert AlertCode.OPIOID_USE_WHILE_BLOCKED in {a.code for a in evaluate_alerts(snapshot, CLINIC)}


def test_a_future_report_does_not_hide_an_earlier_one() -> None:
    snapshot = injected(10, opioid_use_reports=(D0 + days(9), D0 + days(12)))
    alert = one(snapshot, AlertCode.OPIOID_USE_WHILE_BLOCKED)
    assert "2026-10-10" in alert.message


@pytest.mark.parametrize(("event_day", "opens"), [(2, False), (3, True), (10, True), (11, False)])
def test_opioid_use_lookback_follows_the_clinic_policy(event_day: int, opens: bool) -> None:
    snapshot = injected(10, opioid_use_reports=(D0 + days(event_day),))
    got = {a.code for a in evaluate_alerts(snapshot, CLINIC)}
    assert (AlertCode.OPIOID_USE_WHILE_BLOCKED in got) is opens


@pytest.mark.parametrize(
    ("alt", "ast", "severity", "message", "action"),
    [
        (120, 20, None, "", ""),
        (20, 120, None, "", ""),
        (124, 20, AlertSeverity.HIGH,
         "Liver enzymes on 2026-10-10 at 3.1x the upper limit (above 3x).",
         "Prescriber reviews; repeat liver tests."),
        (20, 124, AlertSeverity.HIGH,
         "Liver enzymes on 2026-10-10 at 3.1x the upper limit (above 3x).",
         "Prescriber reviews; repeat liver tests."),
        (200, None, AlertSeverity.HIGH,
         "Liver enzymes on 2026-10-10 at 5.0x the upper limit (above 3x).",
         "Prescriber reviews; repeat liver tests."),
        (None, 204, AlertSeverity.URGENT,
         "Liver enzymes on 2026-10-10 at 5.1x the upper limit (above 5x).",
         "Hold the next dose; the prescriber reviews the liver today."),
    ],
)  # fmt: skip
def test_liver_tests_at_and_above_3x_and_5x_uln(
    alt: float | None, ast: float | None, severity: AlertSeverity | None, message: str, action: str
) -> None:
    """A6: above 3x the upper limit a review, above 5x hold the next dose; exactly 3x or 5x is
    not above."""
    snapshot = injected(10, liver_tests=(LiverTest(D0 + days(9), alt, ast, 40, 40),))
    got = [a for a in evaluate_alerts(snapshot) if a.code is AlertCode.LFT_ELEVATED]
    assert [(a.severity, a.message, a.action) for a in got] == (
        [(severity, message, action)] if severity else []
    )


def test_a_missing_upper_limit_is_skipped_not_divided_by() -> None:
    snapshot = injected(10, liver_tests=(LiverTest(D0 + days(9), 400, 130, 0, 40),))
    assert one(snapshot, AlertCode.LFT_ELEVATED).severity is AlertSeverity.HIGH


@pytest.mark.parametrize(
    ("test_day", "as_of", "opens"),
    [(0, 10, True), (10, 10, True), (11, 10, False), (-1, 10, False)],
)
def test_liver_tests_count_from_the_first_dose_to_the_day_itself(
    test_day: int, as_of: int, opens: bool
) -> None:
    snapshot = injected(as_of, liver_tests=(LiverTest(D0 + days(test_day), 400, 20, 40, 40),))
    assert (AlertCode.LFT_ELEVATED in codes(snapshot)) is opens


def test_the_latest_liver_test_decides() -> None:
    high_then_normal = (
        LiverTest(D0 + days(2), 400, 20, 40, 40),
        LiverTest(D0 + days(8), 30, 20, 40, 40),
        LiverTest(D0 + days(5), 130, 20, 40, 40),
    )
    assert AlertCode.LFT_ELEVATED not in codes(injected(10, liver_tests=high_then_normal))


@pytest.mark.parametrize(
    ("alt", "severity"), [(80, None), (81, AlertSeverity.HIGH), (160, AlertSeverity.HIGH),
                          (161, AlertSeverity.URGENT)],
)  # fmt: skip
def test_liver_thresholds_follow_the_clinic_policy(
    alt: float, severity: AlertSeverity | None
) -> None:
    snapshot = injected(10, liver_tests=(LiverTest(D0 + days(9), alt, None, 40, 40),))
    got = {a.code: a for a in evaluate_alerts(snapshot, CLINIC)}
    assert (
        got[AlertCode.LFT_ELEVATED].severity if AlertCode.LFT_ELEVATED in got else None
    ) is severity


def test_clinic_liver_threshold_appears_in_the_message() -> None:
    snapshot = injected(10, liver_tests=(LiverTest(D0 + days(9), 100, None, 40, 40),))
    assert one(snapshot, AlertCode.LFT_ELEVATED, CLINIC).message == (
        "Liver enzymes on 2026-10-10 at 2.5x the upper limit (above 2x)."
    )


@pytest.mark.parametrize(("item9", "opens"), [(0, False), (1, True), (3, True)])
def test_phq9_item9_of_1_or_more_opens_a_same_day_assessment(item9: int, opens: bool) -> None:
    snapshot = injected(10, phq9=(Phq9Result(D0 + days(10), 5, item9),))
    got = [a for a in evaluate_alerts(snapshot) if a.code is AlertCode.SUICIDE_RISK]
    assert [(a.severity, a.message, a.action) for a in got] == (
        [(AlertSeverity.URGENT,
          f"PHQ-9 on 2026-10-11: item 9 is {item9} (thoughts of death or self-harm).",
          "Same-day suicide-risk assessment.")] if opens else []
    )  # fmt: skip


def test_a_phq9_dated_after_the_day_is_not_read_yet() -> None:
    later = (Phq9Result(D0 + days(5), 12, 1), Phq9Result(D0 + days(11), 4, 0))
    assert AlertCode.SUICIDE_RISK in codes(injected(10, phq9=later))


@pytest.mark.parametrize(("item9", "opens"), [(1, False), (2, True)])
def test_phq9_threshold_follows_the_clinic_policy(item9: int, opens: bool) -> None:
    snapshot = injected(10, phq9=(Phq9Result(D0 + days(10), 5, item9),))
    assert (AlertCode.SUICIDE_RISK in {a.code for a in evaluate_alerts(snapshot, CLINIC)}) is opens


def test_pregnancy_alert_names_the_options() -> None:
    alert = one(injected(10, pregnant=True), AlertCode.PREGNANCY)
    assert (alert.message, alert.action) == (
        "The patient is pregnant while on naltrexone.",
        "Counsel on the options (methadone or buprenorphine for OUD); involve obstetric care.",
    )
    assert AlertCode.PREGNANCY not in codes(injected(10, pregnant=False))


@pytest.mark.parametrize(
    ("formulation", "away", "severity"),
    [
        (Formulation.ORAL, 3, AlertSeverity.HIGH), (Formulation.ORAL, 4, AlertSeverity.ROUTINE),
        (Formulation.XR_INJECTION, 30, AlertSeverity.HIGH),
        (Formulation.XR_INJECTION, 31, AlertSeverity.ROUTINE),
        (Formulation.IMPLANT, 90, AlertSeverity.HIGH),
        (Formulation.IMPLANT, 91, AlertSeverity.ROUTINE),
        (None, 0, AlertSeverity.ROUTINE),
        (Formulation.ORAL, 0, AlertSeverity.HIGH),
    ],
)  # fmt: skip
def test_surgery_inside_the_formulation_window_is_high(
    formulation: Formulation | None, away: int, severity: AlertSeverity
) -> None:
    """A4/A6: stop oral 72 hours (3 days), the injection 30 days, an implant 90 days before."""
    snapshot = injected(10, formulation=formulation, planned_surgery_date=D0 + days(10 + away))
    alert = one(snapshot, AlertCode.SURGERY_PLANNED)
    assert alert.severity is severity
    assert alert.message == (
        f"Surgery planned on {(D0 + days(10 + away)).isoformat()} ({away} days away)."
    )
    assert alert.action == (
        "Agree a pain plan with the surgical team and give the wallet card; stop oral naltrexone "
        "72 hours and the injection 30 days before."
    )


@pytest.mark.parametrize(
    ("formulation", "away", "severity"),
    [(Formulation.ORAL, 5, AlertSeverity.HIGH), (Formulation.ORAL, 6, AlertSeverity.ROUTINE),
     (Formulation.XR_INJECTION, 20, AlertSeverity.HIGH),
     (Formulation.XR_INJECTION, 21, AlertSeverity.ROUTINE),
     (Formulation.IMPLANT, 60, AlertSeverity.HIGH), (Formulation.IMPLANT, 61, AlertSeverity.ROUTINE)],
)  # fmt: skip
def test_surgery_windows_follow_the_clinic_policy(
    formulation: Formulation, away: int, severity: AlertSeverity
) -> None:
    snapshot = injected(10, formulation=formulation, planned_surgery_date=D0 + days(10 + away))
    assert one(snapshot, AlertCode.SURGERY_PLANNED, CLINIC).severity is severity


def test_surgery_that_already_happened_has_no_alert() -> None:
    assert AlertCode.SURGERY_PLANNED not in codes(injected(10, planned_surgery_date=D0 + days(9)))


@pytest.mark.parametrize(
    ("discussed", "last", "alert"),
    [(False, XR, True), (None, XR, True), (True, XR, False), (False, ORAL, False)],
)
def test_reversal_agent_not_recorded_at_the_last_injection(
    discussed: bool | None, last: Formulation, alert: bool
) -> None:
    admins = (Administration(D0, XR, 380), Administration(D0 + days(5), last, 380))
    snapshot = injected(
        10, administrations=admins, reversal_agent_discussed_at_last_injection=discussed
    )
    got = [a for a in evaluate_alerts(snapshot) if a.code is AlertCode.REVERSAL_AGENT_NOT_RECORDED]
    assert [(a.severity, a.message, a.action) for a in got] == (
        [(AlertSeverity.ROUTINE,
          "The last injection visit does not record that an overdose reversal agent was discussed.",
          "Discuss naloxone at the next contact and record whether the patient has it.")]
        if alert else []
    )  # fmt: skip


def test_a_future_oral_dose_does_not_replace_the_last_injection() -> None:
    admins = (Administration(D0, XR, 380), Administration(D0 + days(12), ORAL, 50))
    snapshot = injected(
        10, administrations=admins, reversal_agent_discussed_at_last_injection=False
    )
    assert AlertCode.REVERSAL_AGENT_NOT_RECORDED in codes(snapshot)


def test_alerts_are_sorted_urgent_then_high_then_routine() -> None:
    snapshot = injected(
        29,
        planned_surgery_date=D0 + days(100),
        pregnant=True,
        reversal_agent_discussed_at_last_injection=False,
    )
    assert [(a.code, a.severity) for a in evaluate_alerts(snapshot)] == [
        (AlertCode.INJECTION_OVERDUE, AlertSeverity.URGENT),
        (AlertCode.PREGNANCY, AlertSeverity.HIGH),
        (AlertCode.SURGERY_PLANNED, AlertSeverity.ROUTINE),
        (AlertCode.REVERSAL_AGENT_NOT_RECORDED, AlertSeverity.ROUTINE),
    ]


def test_the_most_severe_alert_of_a_code_wins_whichever_comes_first() -> None:
    # Two opioid-use events: the urgent (while blocked) one is kept over the high one, in either
    # order of the dates.
    for reports in [(D0 + days(27), D0 + days(28)), (D0 + days(28), D0 + days(27))]:
        snapshot = injected(28, opioid_use_reports=reports)
        alert = one(snapshot, AlertCode.OPIOID_USE_WHILE_BLOCKED)
        assert "2026-10-28" in alert.message
        assert AlertCode.OPIOID_USE_REPORTED in codes(snapshot)


def test_a_liver_test_without_values_opens_nothing_whatever_the_thresholds() -> None:
    # No ALT or AST (or no upper limit): no ratio is invented, even for a clinic reviewing from 0.5x.
    policy = dataclasses.replace(DEFAULT_POLICY, lft_review_multiple=0.5, lft_block_multiple=0.9)
    for test in (
        LiverTest(D0 + days(9), None, None, 40, 40),
        LiverTest(D0 + days(9), 80, 80, 0, 0),
    ):
        got = {a.code for a in evaluate_alerts(injected(10, liver_tests=(test,)), policy)}
        assert AlertCode.LFT_ELEVATED not in got


def test_an_injection_given_today_without_the_reversal_agent_talk_is_flagged_today() -> None:
    snapshot = injected(0, reversal_agent_discussed_at_last_injection=False)
    assert codes(snapshot) == {AlertCode.REVERSAL_AGENT_NOT_RECORDED: AlertSeverity.ROUTINE}


def test_a_report_and_a_positive_screen_on_the_same_day_show_the_report() -> None:
    day = D0 + days(10)
    snapshot = injected(10, opioid_use_reports=(day,), positive_opioid_screens=(day,))
    assert one(snapshot, AlertCode.OPIOID_USE_WHILE_BLOCKED).message.startswith(
        "Reported opioid use on 2026-10-11"
    )


STOPPED_RISK = AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK


@pytest.mark.parametrize(
    ("day", "status", "reason", "expected"),
    [
        # A stop reason left on an active record decides nothing: the injection is overdue.
        (29, TreatmentStatus.ACTIVE, StopReason.DEATH, {AlertCode.INJECTION_OVERDUE: AlertSeverity.URGENT}),
        (29, TreatmentStatus.ACTIVE, None, {AlertCode.INJECTION_OVERDUE: AlertSeverity.URGENT}),
        # Stopped while still covered (day 27, the injection covers to day 27): follow-up now.
        (27, TreatmentStatus.STOPPED, StopReason.TRANSFER, {STOPPED_RISK: AlertSeverity.HIGH}),
        # Stopped, first uncovered day (28) and on: the post-treatment window.
        (28, TreatmentStatus.STOPPED, StopReason.TRANSFER, {STOPPED_RISK: AlertSeverity.URGENT}),
        (29, TreatmentStatus.LOST_TO_FOLLOW_UP, StopReason.LOST_TO_FOLLOW_UP, {STOPPED_RISK: AlertSeverity.URGENT}),
        (29, TreatmentStatus.STOPPED, None, {STOPPED_RISK: AlertSeverity.URGENT}),
        # A death opens nothing, covered or not.
        (27, TreatmentStatus.STOPPED, StopReason.DEATH, {}),
        (29, TreatmentStatus.STOPPED, StopReason.DEATH, {}),
    ],
)  # fmt: skip
def test_the_stop_reason_counts_only_once_treatment_stopped(
    day: int,
    status: TreatmentStatus,
    reason: StopReason | None,
    expected: dict[AlertCode, AlertSeverity],
) -> None:
    assert codes(injected(day, treatment_status=status, stop_reason=reason)) == expected
