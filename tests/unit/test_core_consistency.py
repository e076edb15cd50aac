"""The core agrees with itself (issue 9): a schedule never lists a dose the timing rule refuses; a
booked visit that passed books nothing; a stop excludes the days after it; an implant's removal
ends its coverage; dates are bounded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from naltrack.clinical.alerts import AlertCode, PatientSnapshot, TreatmentStatus, evaluate_alerts
from naltrack.clinical.coverage import (
    Administration,
    RiskKind,
    coverage,
    parse_coverage_request,
    risk_windows,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY as P
from naltrack.clinical.regimens import (
    ScheduleRequest,
    build_schedule,
    injection_timing,
    parse_schedule_request,
)
from naltrack.clinical.vocab import Formulation, Indication, Side, StopReason

ON = date(2026, 11, 21)
OUD = frozenset({Indication.OUD})
XR = Formulation.XR_INJECTION


def days(n: int) -> timedelta:
    return timedelta(days=n)


@pytest.mark.parametrize("since", [0, 1, 10, 20, 21, 22, 28, 40])
def test_no_scheduled_injection_falls_on_a_day_the_timing_rule_refuses(since: int) -> None:
    last = ON - days(since)
    s = build_schedule(
        ScheduleRequest("xr_injection", ON, OUD, count=3, last_injection_side=Side.LEFT,
                        last_injection_date=last), P,
    )  # fmt: skip
    first = s.doses[0]
    assert injection_timing(last, first.date, P).may_give
    assert first.date == max(ON, last + days(P.injection_earliest_redose_day))
    assert bool(s.notes) == (first.date != ON)
    for a, b in zip(s.doses, s.doses[1:], strict=False):
        assert injection_timing(a.date, b.date, P).may_give


def test_a_moved_first_injection_that_no_longer_fits_is_refused() -> None:
    with pytest.raises(InputError) as err:
        build_schedule(
            ScheduleRequest("xr_injection", ON, OUD, until=ON + days(5), last_injection_date=ON), P
        )
    assert err.value.field == "until"


def test_parse_schedule_request_carries_the_last_injection_date() -> None:
    parsed = parse_schedule_request({
        "regimen": "xr_injection", "start_date": "2026-11-21", "indications": ["OUD"],
        "last_injection": {"date": "2026-11-15", "side": "left"},
    })  # fmt: skip
    assert parsed.request.last_injection_date == date(2026, 11, 15)


def _waning(booked: date | None, on: date) -> bool:
    last = Administration(ON - days(26), XR)
    kinds = {w.kind for w in risk_windows([last], on, P, next_injection_booked=booked)}
    return RiskKind.BLOCKADE_WANING in kinds


def test_a_booked_visit_that_passed_does_not_hold_back_the_waning_alert() -> None:
    assert not _waning(ON + days(1), ON)  # booked tomorrow, before the due day
    assert not _waning(ON, ON)  # booked today
    assert _waning(ON - days(1), ON)  # booked yesterday, not given: books nothing
    assert _waning(ON - days(26), ON)  # the visit of the last injection itself
    assert _waning(ON + days(3), ON)  # after the due day
    snap = PatientSnapshot(
        ON, OUD, XR, (Administration(ON - days(26), XR),), next_injection_booked=ON - days(1),
        reversal_agent_discussed_at_last_injection=True,
    )  # fmt: skip
    assert AlertCode.BLOCKADE_WANING in {a.code for a in evaluate_alerts(snap, P)}


def test_pdc_leaves_out_the_days_after_treatment_stopped() -> None:
    doses = [Administration(date(2026, 9, 1), XR)]
    start, end = date(2026, 9, 1), date(2026, 11, 29)
    full = coverage(doses, start, end, P)
    stopped = coverage(
        doses, start, end, P, stopped_on=date(2026, 9, 28), stop_reason=StopReason.DEATH
    )
    assert full.days_in_period == 90 and full.days_covered == 28
    assert (stopped.days_in_period, stopped.days_covered, stopped.pdc) == (28, 28, 1.0)
    assert stopped.days_excluded_after_stop == 62
    assert stopped.as_dict()["stop_reason"] == "death"
    assert "stop_reason" not in full.as_dict()  # fields added only with a stop
    with pytest.raises(InputError) as err:
        coverage(doses, start, end, P, stopped_on=start - days(1))
    assert err.value.field == "treatment_stopped_on"


def test_a_death_opens_no_overdose_risk_follow_up() -> None:
    doses = (Administration(ON - days(40), XR),)
    alive = PatientSnapshot(ON, OUD, XR, doses, TreatmentStatus.STOPPED,
                            reversal_agent_discussed_at_last_injection=True)  # fmt: skip
    assert AlertCode.TREATMENT_STOPPED_OVERDOSE_RISK in {a.code for a in evaluate_alerts(alive, P)}
    dead = PatientSnapshot(ON, OUD, XR, doses, TreatmentStatus.STOPPED, StopReason.DEATH,
                           reversal_agent_discussed_at_last_injection=True)  # fmt: skip
    assert not [
        a for a in evaluate_alerts(dead, P) if a.code.startswith(("TREATMENT", "INJECTION"))
    ]


@pytest.mark.parametrize(
    ("removed", "covered"), [(None, 90), (0, 0), (30, 30), (89, 89), (120, 90)]
)
def test_an_implants_removal_ends_its_coverage(removed: int | None, covered: int) -> None:
    implant = Administration(
        ON, Formulation.IMPLANT, removed_on=ON + days(removed) if removed is not None else None
    )
    assert coverage([implant], ON, ON + days(99), P).days_covered == covered


def test_coverage_request_reads_the_stop_and_the_removal() -> None:
    req = parse_coverage_request({
        "period_start": "2026-09-01", "period_end": "2026-11-29", "treatment_stopped_on": "2026-10-20",
        "stop_reason": "incarceration",
        "administrations": [{"date": "2026-09-01", "formulation": "implant", "removed_on": "2026-10-01"}],
    })  # fmt: skip
    out = req.evaluate(P)
    assert (out["days_in_period"], out["days_covered"], out["stop_reason"]) == (
        50,
        30,
        "incarceration",
    )
    for bad, field in (
        ({"stop_reason": "death"}, "treatment_stopped_on"),
        ({"administrations": [{"date": "2026-09-01", "formulation": "oral", "removed_on": "2026-09-02"}]},
         "administrations[0].removed_on"),
    ):  # fmt: skip
        doc = {
            "period_start": "2026-09-01",
            "period_end": "2026-11-29",
            "administrations": [],
        } | bad
        with pytest.raises(InputError) as err:
            parse_coverage_request(doc)
        assert err.value.field == field


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        ({"period_start": "9999-12-30", "period_end": "9999-12-31", "administrations": []}, "period_start"),
        ({"period_start": "2026-01-01", "period_end": "9999-12-31", "administrations": []}, "period_end"),
        ({"period_start": "2026-01-01", "period_end": "2026-02-01",
          "administrations": [{"date": "0001-01-01", "formulation": "oral"}]}, "administrations[0].date"),
    ],
)  # fmt: skip
def test_dates_outside_a_plausible_range_name_the_field(doc: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        parse_coverage_request(doc)
    assert err.value.field == field and "plausible range" in err.value.message


def test_a_schedule_near_the_end_of_the_calendar_is_refused_not_a_traceback() -> None:
    with pytest.raises(InputError) as err:
        parse_schedule_request(
            {"regimen": "implant", "start_date": "9999-12-01", "indications": ["OUD"]}
        )
    assert err.value.field == "start_date"


def test_the_windows_the_application_reads_are_the_cores() -> None:
    from naltrack.clinical.alerts import follow_up_horizon, liver_test_due, observations_since

    assert observations_since(ON, P) == ON - days(90)  # liver tests reach back furthest
    assert liver_test_due(ON, P) == ON + days(90)
    assert follow_up_horizon(ON, P) == ON - days(30 + 90)
