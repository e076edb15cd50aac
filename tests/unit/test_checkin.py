"""Issue 11: the daily check-in's rules (clinical/checkin.py) and the alerts they open
(alerts.py `_checkins`), each boundary on the day before, of and after, and the threshold -1, at
and +1."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from naltrack.clinical.alerts import AlertCode, AlertSeverity, PatientSnapshot, evaluate_alerts
from naltrack.clinical.checkin import (
    CheckIn,
    CoveragePhase,
    DoseStatus,
    Phq2,
    SideEffect,
    check_dose_entry,
    coverage_phase,
    craving_run,
    make_checkin,
    phq2_due,
    scheduled_tablets,
)
from naltrack.clinical.coverage import Administration, sourced_coverage, with_self_reported
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY, Policy
from naltrack.clinical.vocab import Formulation, Indication
from tests.builders import days

P = DEFAULT_POLICY
D0 = date(2026, 10, 1)  # a Thursday
XR, ORAL, IMPLANT = Formulation.XR_INJECTION, Formulation.ORAL, Formulation.IMPLANT


def snapshot(on_day: int, checkins: tuple[CheckIn, ...], **kw: Any) -> PatientSnapshot:
    """An OUD patient injected on D0 (reversal agent discussed), seen on day `on_day`."""
    base: dict[str, Any] = dict(
        as_of=D0 + days(on_day),
        indications=frozenset({Indication.OUD}),
        formulation=XR,
        administrations=(Administration(D0, XR, 380),),
        reversal_agent_discussed_at_last_injection=True,
        next_injection_booked=D0 + days(28),
        checkins=checkins,
    )
    base.update(kw)
    return PatientSnapshot(**base)


def checkin(day: int, craving: int = 0, **kw: Any) -> CheckIn:
    return CheckIn(D0 + days(day), craving, kw.pop("opioid_use", False), **kw)


def alerts(s: PatientSnapshot, policy: Policy = P) -> dict[AlertCode, AlertSeverity]:
    return {a.code: a.severity for a in evaluate_alerts(s, policy) if a.code.startswith("CHECKIN")}


# --- opioid use by the blockade's phase -------------------------------------------------------


@pytest.mark.parametrize(
    ("use_day", "phase", "words"),
    [
        (-1, CoveragePhase.NOT_STARTED, "before any naltrexone dose"),
        (0, CoveragePhase.BLOCKED, "while naltrexone was blocking"),
        (24, CoveragePhase.BLOCKED, "while naltrexone was blocking"),  # day before waning
        (25, CoveragePhase.WANING, "wearing off"),  # waning_from_day
        (27, CoveragePhase.WANING, "wearing off"),  # last covered day
        (28, CoveragePhase.ENDED, "after the blockade had worn off"),  # first uncovered day
        (29, CoveragePhase.ENDED, "after the blockade had worn off"),
    ],
)
def test_reported_opioid_use_is_urgent_and_names_the_phase(
    use_day: int, phase: CoveragePhase, words: str
) -> None:
    assert coverage_phase(D0 + days(use_day), [Administration(D0, XR, 380)], P) is phase
    s = snapshot(max(use_day, 0) + 1, (checkin(use_day, opioid_use=True, use_what="heroin"),))
    found = {a.code: a for a in evaluate_alerts(s, P)}
    alert = found[AlertCode.CHECKIN_OPIOID_USE]
    assert alert.severity is AlertSeverity.URGENT
    assert words in alert.message and "(heroin)" in alert.message
    assert "naloxone" in alert.action


@pytest.mark.parametrize(
    ("admins", "day", "phase"),
    [
        # implant of 90 days: wanes in its last 14 (implant_replacement_lead_days)
        ((Administration(D0, IMPLANT, None, 90),), 75, CoveragePhase.BLOCKED),
        ((Administration(D0, IMPLANT, None, 90),), 76, CoveragePhase.WANING),
        ((Administration(D0, IMPLANT, None, 90),), 89, CoveragePhase.WANING),
        ((Administration(D0, IMPLANT, None, 90),), 90, CoveragePhase.ENDED),
        # oral 50 mg: its day is covered, the next is not (no waning phase)
        ((Administration(D0, ORAL, 50),), 0, CoveragePhase.BLOCKED),
        ((Administration(D0, ORAL, 50),), 1, CoveragePhase.ENDED),
        ((Administration(D0, ORAL, 100),), 1, CoveragePhase.BLOCKED),
        # a second injection on day 26 extends the cover: day 30 is blocked again, not ended
        ((Administration(D0, XR, 380), Administration(D0 + days(26), XR, 380)), 30,
         CoveragePhase.BLOCKED),
    ],
)  # fmt: skip
def test_coverage_phase_by_formulation(
    admins: tuple[Administration, ...], day: int, phase: CoveragePhase
) -> None:
    assert coverage_phase(D0 + days(day), admins, P) is phase


def test_a_self_reported_tablet_counts_for_the_phase() -> None:
    record = with_self_reported([], [(D0, 50)])
    assert coverage_phase(D0, record, P) is CoveragePhase.BLOCKED


@pytest.mark.parametrize(("use_day", "opens"), [(5, False), (6, True), (20, True)])
def test_opioid_use_opens_within_the_look_back(use_day: int, opens: bool) -> None:
    # event_lookback_days 14: seen on day 20, a report of day 6 still opens, day 5 no longer
    s = snapshot(20, (checkin(use_day, opioid_use=True),))
    assert (AlertCode.CHECKIN_OPIOID_USE in alerts(s)) is opens


def test_a_check_in_without_use_opens_nothing() -> None:
    s = snapshot(10, (checkin(10, craving=5, alcohol_use=True),))
    assert alerts(s) == {}


def test_the_latest_report_of_use_is_the_one_named() -> None:
    s = snapshot(30, (checkin(10, opioid_use=True), checkin(29, opioid_use=True)))
    alert = next(a for a in evaluate_alerts(s, P) if a.code is AlertCode.CHECKIN_OPIOID_USE)
    assert (D0 + days(29)).isoformat() in alert.message and "worn off" in alert.message


# --- craving on N days running ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cravings", "opens"),
    [
        ((5, 5, 5), False),  # threshold - 1
        ((6, 6, 6), True),  # at the threshold (6)
        ((7, 10, 7), True),  # above
        ((6, 6), False),  # days running - 1
        ((6, 5, 6, 6), False),  # a low day breaks the run
        ((5, 6, 6, 6), True),  # the run that follows counts
    ],
)
def test_craving_at_or_above_the_threshold_on_three_days_running(
    cravings: tuple[int, ...], opens: bool
) -> None:
    cs = tuple(checkin(10 + i, c) for i, c in enumerate(cravings))
    got = alerts(snapshot(10 + len(cravings) - 1, cs))
    assert (got.get(AlertCode.CHECKIN_CRAVING_HIGH) is AlertSeverity.HIGH) is opens


def test_a_day_without_a_check_in_ends_the_craving_run() -> None:
    cs = (checkin(10, 8), checkin(11, 8), checkin(13, 8))
    assert craving_run(cs, D0 + days(13), P) is None


def test_the_craving_run_is_reported_with_its_days_and_peak() -> None:
    cs = (checkin(10, 7), checkin(11, 9), checkin(12, 6), checkin(13, 6))
    run = craving_run(cs, D0 + days(13), P)
    assert run is not None
    assert (run.first, run.last, run.days, run.highest) == (D0 + days(10), D0 + days(13), 4, 9)


@pytest.mark.parametrize(("seen_on", "opens"), [(26, True), (27, False)])
def test_a_craving_run_ages_out_with_the_look_back(seen_on: int, opens: bool) -> None:
    # run on days 10-12; on day 26 day 12 is 14 days back (still in), on day 27 only day 13+
    cs = (checkin(10, 9), checkin(11, 9), checkin(12, 9))
    assert (AlertCode.CHECKIN_CRAVING_HIGH in alerts(snapshot(seen_on, cs))) is opens


def test_a_clinic_sets_its_own_craving_threshold_and_run() -> None:
    clinic = dataclasses.replace(P, version="c", checkin_craving_alert_min=8,
                                 checkin_craving_days_running=2)  # fmt: skip
    assert AlertCode.CHECKIN_CRAVING_HIGH in alerts(
        snapshot(11, (checkin(10, 8), checkin(11, 8))), clinic
    )
    assert AlertCode.CHECKIN_CRAVING_HIGH not in alerts(
        snapshot(11, (checkin(10, 7), checkin(11, 8))), clinic
    )


# --- injection site ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effects", "opens"),
    [
        (frozenset({SideEffect.INJECTION_SITE}), True),
        (frozenset({SideEffect.NAUSEA, SideEffect.INJECTION_SITE}), True),
        (frozenset({SideEffect.NAUSEA, SideEffect.HEADACHE, SideEffect.TOOTHACHE}), False),
    ],
)
def test_an_injection_site_complaint_opens_a_high_alert(
    effects: frozenset[SideEffect], opens: bool
) -> None:
    got = alerts(snapshot(3, (checkin(3, side_effects=effects),)))
    assert (got.get(AlertCode.CHECKIN_INJECTION_SITE) is AlertSeverity.HIGH) is opens


# --- mood: PHQ-2 and thoughts of self-harm ----------------------------------------------------


@pytest.mark.parametrize(
    ("interest", "mood", "positive"),
    [(1, 1, False), (2, 0, False), (2, 1, True), (3, 0, True), (3, 3, True)],
)
def test_phq2_positive_at_three_or_more(interest: int, mood: int, positive: bool) -> None:
    s = snapshot(3, (checkin(3, phq2=Phq2(interest, mood, 0)),))
    assert (alerts(s).get(AlertCode.CHECKIN_PHQ2_POSITIVE) is AlertSeverity.HIGH) is positive


@pytest.mark.parametrize(("answer", "urgent"), [(0, False), (1, True), (2, True), (3, True)])
def test_any_thoughts_of_self_harm_open_an_urgent_alert_naming_the_crisis_line(
    answer: int, urgent: bool
) -> None:
    s = snapshot(3, (checkin(3, phq2=Phq2(0, 0, answer), crisis_line_shown="988"),))
    found = {a.code: a for a in evaluate_alerts(s, P)}
    alert = found.get(AlertCode.CHECKIN_SELF_HARM_THOUGHTS)
    assert (alert is not None) is urgent
    if alert is not None:
        assert alert.severity is AlertSeverity.URGENT
        assert "988" in alert.message and "988" in alert.action


def test_the_alert_names_the_crisis_line_the_patient_was_shown() -> None:
    c = make_checkin(**GOOD, phq2=("0", "0", "1"), phq2_asked=True, crisis_line=" 116 123 ")
    assert c.crisis_line_shown == "116 123"
    s = snapshot(0, (c,))
    alert = next(a for a in evaluate_alerts(s, P) if a.code is AlertCode.CHECKIN_SELF_HARM_THOUGHTS)
    assert "116 123" in alert.message and "116 123" in alert.action


@pytest.mark.parametrize(
    ("last_answered", "due"),
    [(None, True), (-6, False), (-7, True), (-8, True), (0, False)],
)
def test_the_mood_questions_are_asked_every_seven_days(
    last_answered: int | None, due: bool
) -> None:
    last = None if last_answered is None else D0 + days(last_answered)
    assert phq2_due(D0, last, P) is due


# --- reading the patient's answers ------------------------------------------------------------

GOOD: dict[str, Any] = dict(day=D0, today=D0, craving="4", opioid_use="no", alcohol_use="no")


def test_a_good_check_in_is_read() -> None:
    c = make_checkin(**{**GOOD, "opioid_use": "yes", "use_what": " pills ",
                        "side_effects": ["nausea", "injection_site"]},
                     phq2=("1", "2", "0"), phq2_asked=True)  # fmt: skip
    assert c == CheckIn(D0, 4, True, False, "pills",
                        frozenset({SideEffect.NAUSEA, SideEffect.INJECTION_SITE}), Phq2(1, 2, 0))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"craving": "-1"}, "craving"),
        ({"craving": "11"}, "craving"),
        ({"craving": "high"}, "craving"),
        ({"craving": None}, "craving"),
        ({"opioid_use": "maybe"}, "opioid_use"),
        ({"alcohol_use": ""}, "alcohol_use"),
        ({"use_what": "x" * 201, "opioid_use": "yes"}, "use_what"),
        ({"use_what": "beer"}, "use_what"),  # nothing was used
        ({"side_effects": ["itch"]}, "side_effects"),
        ({"day": D0 - days(1)}, "day"),
        ({"phq2": ("4", "0", "0"), "phq2_asked": True}, "phq2_interest"),
        ({"phq2": ("0", "-1", "0"), "phq2_asked": True}, "phq2_mood"),
        ({"phq2": ("0", "0", "x"), "phq2_asked": True}, "phq2_self_harm"),
        ({"phq2_asked": True}, "phq2_interest"),
        ({"phq2": ("0", "0", "0")}, "phq2_interest"),  # not due today
    ],
)
def test_a_bad_answer_is_refused_naming_its_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        make_checkin(**{**GOOD, **change})
    assert err.value.field == field


@pytest.mark.parametrize("craving", ["0", "10"])
def test_craving_on_its_bounds_is_accepted(craving: str) -> None:
    assert make_checkin(**{**GOOD, "craving": craving}).craving == int(craving)


# --- the dose log -----------------------------------------------------------------------------


def test_daily_tablets_are_scheduled_every_day() -> None:
    got = scheduled_tablets("oral_daily", D0 - days(30), D0 - days(2), D0, 50, P)
    assert [(t.day, t.mg) for t in got] == [(D0 - days(i), 50) for i in (2, 1, 0)]


def test_every_other_day_tablets_count_from_the_orders_day() -> None:
    got = scheduled_tablets("oral_every_other_day", D0, D0, D0 + days(5), 100, P)
    assert [t.day for t in got] == [D0, D0 + days(2), D0 + days(4)]


def test_weekly_schedules_follow_the_weekdays() -> None:
    # D0 is a Thursday: Mon/Wed/Fri gives Friday, Monday, Wednesday in the next week
    got = scheduled_tablets("oral_mwf", D0, D0, D0 + days(6), None, P)
    assert [(t.day.strftime("%a"), t.mg) for t in got] == [("Fri", 150), ("Mon", 100), ("Wed", 100)]


@pytest.mark.parametrize("regimen", ["xr_injection", "oral_targeted", "no_such_regimen"])
def test_no_tablets_are_scheduled_for_injections_or_as_needed(regimen: str) -> None:
    assert scheduled_tablets(regimen, D0, D0, D0 + days(7), 50, P) == []


def test_a_custom_oral_schedule_is_read_as_one_dose_a_day() -> None:
    got = scheduled_tablets("oral_custom", D0, D0, D0 + days(1), 25, P)
    assert [(t.day, t.mg) for t in got] == [(D0, 25), (D0 + days(1), 25)]


SCHEDULED = [D0 - days(i) for i in range(9)]


@pytest.mark.parametrize(
    ("day", "ok"),
    [(1, False), (0, True), (-7, True), (-8, False)],  # tomorrow, today, 7 days back, 8 back
)
def test_the_dose_log_takes_today_and_the_past_seven_days(day: int, ok: bool) -> None:
    if ok:
        assert check_dose_entry(D0 + days(day), D0, "taken", "", [*SCHEDULED, D0 + days(1)]) == (
            DoseStatus.TAKEN, "",
        )  # fmt: skip
    else:
        with pytest.raises(InputError) as err:
            check_dose_entry(D0 + days(day), D0, "taken", "", [*SCHEDULED, D0 + days(1)])
        assert err.value.field == "day"


@pytest.mark.parametrize(
    ("day", "status", "reason", "field"),
    [
        (D0, "lost", "", "status"),
        (D0, "taken", "felt sick", "reason"),
        (D0, "skipped", "x" * 201, "reason"),
        (D0 + days(3), "taken", "", "day"),  # future
    ],
)
def test_a_bad_dose_entry_is_refused_naming_its_field(
    day: date, status: str, reason: str, field: str
) -> None:
    with pytest.raises(InputError) as err:
        check_dose_entry(day, D0, status, reason, SCHEDULED)
    assert err.value.field == field


def test_a_dose_on_an_unscheduled_day_is_refused() -> None:
    with pytest.raises(InputError) as err:
        check_dose_entry(D0, D0, "taken", "", [D0 - days(1)])
    assert (err.value.field, err.value.message) == ("day", "no tablet is scheduled on this day")


def test_a_skipped_dose_keeps_its_reason() -> None:
    assert check_dose_entry(D0, D0, "skipped", " ran out ", SCHEDULED) == (
        DoseStatus.SKIPPED, "ran out",
    )  # fmt: skip


# --- coverage: self-reported apart from observed ----------------------------------------------


def test_self_reported_tablets_are_counted_apart_from_observed() -> None:
    observed = [Administration(D0 + days(i), ORAL, 50) for i in (0, 1, 2)]
    record = with_self_reported(observed, [(D0 + days(i), 50) for i in (2, 3, 4, 3)])
    # day 2 has an observed dose: the logged tablet of day 2 is not counted twice; a tablet
    # logged twice is one tablet
    assert [(a.date, a.formulation, a.dose_mg, a.self_reported) for a in record] == [
        (D0, ORAL, 50, False), (D0 + days(1), ORAL, 50, False), (D0 + days(2), ORAL, 50, False),
        (D0 + days(3), ORAL, 50, True), (D0 + days(4), ORAL, 50, True),
    ]  # fmt: skip
    got = sourced_coverage(record, D0, D0 + days(9), P)
    assert got.observed.days_covered == 3
    assert got.with_self_reported.days_covered == 5
    assert got.self_reported_days == 2
    assert got.observed.pdc == pytest.approx(0.3)


def test_a_logged_tablet_on_an_injection_day_still_counts() -> None:
    # only an oral dose of the same day makes a logged tablet a duplicate
    record = with_self_reported([Administration(D0, XR, 380)], [(D0, 50)])
    assert [(a.formulation, a.self_reported) for a in record] == [(XR, False), (ORAL, True)]


def test_sourced_coverage_uses_the_clinics_policy_and_the_stop() -> None:
    clinic = dataclasses.replace(P, version="c", oral_mg_per_covered_day=25)
    record = with_self_reported([Administration(D0, ORAL, 50)], [(D0 + days(4), 50)])
    got = sourced_coverage(record, D0, D0 + days(9), clinic, stopped_on=D0 + days(4))
    # 50 mg covers 2 days under this policy; the period ends at the stop (5 days)
    assert (got.observed.days_covered, got.observed.days_in_period) == (2, 5)
    assert (got.with_self_reported.days_covered, got.with_self_reported.days_in_period) == (3, 5)
    assert got.with_self_reported.stopped_on == D0 + days(4)


# --- the clinic's settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "value", "ok"),
    [("checkin_craving_alert_min", 0, False), ("checkin_craving_alert_min", 10, True),
     ("checkin_craving_alert_min", 11, False), ("phq2_positive_min", 6, True),
     ("phq2_positive_min", 7, False), ("phq2_every_days", 0, False), ("phq2_every_days", 28, True)],
)  # fmt: skip
def test_check_in_settings_have_bounds(setting: str, value: int, ok: bool) -> None:
    from naltrack.clinical.policy import policy_from_mapping

    if ok:
        assert getattr(policy_from_mapping({"version": "c", setting: value}), setting) == value
    else:
        with pytest.raises(InputError) as err:
            policy_from_mapping({"version": "c", setting: value})
        assert err.value.field == setting


def test_the_chart_draws_the_policys_lines() -> None:
    from naltrack.clinical.checkin import AlertLines, alert_lines

    clinic = dataclasses.replace(P, version="c", checkin_craving_alert_min=8, phq2_positive_min=4)
    assert alert_lines(P) == AlertLines(6, 3)
    assert alert_lines(clinic) == AlertLines(8, 4)


def test_the_check_in_alerts_say_what_was_reported_and_what_to_do() -> None:
    cs = (
        checkin(10, 7, side_effects=frozenset({SideEffect.INJECTION_SITE})),
        checkin(11, 9),
        checkin(12, 6, opioid_use=True),
    )
    found = {a.code: a for a in evaluate_alerts(snapshot(12, cs), P)}
    craving = found[AlertCode.CHECKIN_CRAVING_HIGH]
    assert craving.message == (
        "Craving at or above 6 of 10 on 3 check-in days in a row (2026-10-11 to 2026-10-13, "
        "highest 9)."
    )
    assert craving.action == (
        "Contact the patient: review triggers and the relapse-prevention plan; consider an "
        "earlier visit or counselling session."
    )
    site = found[AlertCode.CHECKIN_INJECTION_SITE]
    assert site.message == (
        "The patient reported pain or a lump at the injection site in the check-in of 2026-10-11."
    )
    assert site.action.startswith(
        "A nurse looks at the site (swelling, redness, hardness, a wound)"
    )
    use = found[AlertCode.CHECKIN_OPIOID_USE]
    assert use.message.startswith("The patient reported opioid use in the check-in of 2026-10-13 ")


def test_answers_on_their_length_limits_are_accepted() -> None:
    c = make_checkin(**{**GOOD, "opioid_use": "yes", "use_what": "x" * 200})
    assert len(c.use_what) == 200
    assert check_dose_entry(D0, D0, "skipped", "y" * 200, SCHEDULED) == (
        DoseStatus.SKIPPED,
        "y" * 200,
    )


def test_the_crisis_line_is_recorded_only_with_the_mood_questions() -> None:
    assert make_checkin(**GOOD, crisis_line="988").crisis_line_shown == ""


def test_a_one_day_window_lists_that_days_tablet() -> None:
    assert [t.day for t in scheduled_tablets("oral_daily", D0 - days(3), D0, D0, 50, P)] == [D0]


def test_a_clinic_with_another_weekly_total_still_lists_the_ordered_tablets() -> None:
    clinic = dataclasses.replace(P, version="c", oral_weekly_total_mg=700)
    assert len(scheduled_tablets("oral_daily", D0, D0, D0 + days(2), 50, clinic)) == 3


@pytest.mark.parametrize(
    ("day", "phase"), [(22, CoveragePhase.BLOCKED), (23, CoveragePhase.WANING)]
)
def test_the_waning_phase_follows_the_clinics_policy(day: int, phase: CoveragePhase) -> None:
    clinic = dataclasses.replace(P, version="c", waning_from_day=23, injection_covered_days=30)
    assert coverage_phase(D0 + days(day), [Administration(D0, XR, 380)], clinic) is phase
    # and the clinic's 30 covered days: day 29 is still covered (waning), day 30 ended
    assert (
        coverage_phase(D0 + days(29), [Administration(D0, XR, 380)], clinic) is CoveragePhase.WANING
    )
    assert (
        coverage_phase(D0 + days(30), [Administration(D0, XR, 380)], clinic) is CoveragePhase.ENDED
    )


def test_the_mood_alerts_read_in_full() -> None:
    s = snapshot(3, (checkin(3, phq2=Phq2(2, 2, 1)),))  # no crisis line recorded
    found = {a.code: a for a in evaluate_alerts(s, P)}
    harm = found[AlertCode.CHECKIN_SELF_HARM_THOUGHTS]
    assert harm.message == (
        "The patient reported thoughts of being better off dead or of self-harm in the check-in "
        "of 2026-10-04 (answer 1 of 3)."
    )
    assert harm.action == (
        "Same-day suicide-risk assessment; if the patient cannot be reached today, follow the "
        "clinic's crisis procedure."
    )
    phq2 = found[AlertCode.CHECKIN_PHQ2_POSITIVE]
    assert phq2.message == (
        "PHQ-2 of 4 (of 6) in the check-in of 2026-10-04: a positive depression screen (at or "
        "above 3)."
    )
    assert phq2.action == (
        "Complete a PHQ-9 at the next contact, within a few days; review mood in the plan."
    )
    site = evaluate_alerts(
        snapshot(3, (checkin(3, side_effects=frozenset({SideEffect.INJECTION_SITE})),)), P
    )
    assert site[0].action == (
        "A nurse looks at the site (swelling, redness, hardness, a wound) and records it as a "
        "side effect with its follow-up; severe reactions may need prompt surgical review."
    )


def test_sourced_coverage_keeps_the_stop_reason() -> None:
    from naltrack.clinical.vocab import StopReason

    got = sourced_coverage([Administration(D0, ORAL, 50)], D0, D0 + days(3), P,
                           stopped_on=D0 + days(1), stop_reason=StopReason.TRANSFER)  # fmt: skip
    assert got.observed.stop_reason is StopReason.TRANSFER
    assert got.with_self_reported.stop_reason is StopReason.TRANSFER
