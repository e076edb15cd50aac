"""Reading a coverage request from JSON and answering it (the `coverage` command and API):
every field, its bounds and the field an error names (Part A A5 coverage, A6 risk windows)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from naltrack.clinical.coverage import (
    Administration,
    CoverageRequest,
    coverage,
    parse_coverage_request,
)
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation, StopReason

BASE: dict[str, Any] = {
    "period_start": "2026-01-01",
    "period_end": "2026-01-30",
    "administrations": [{"date": "2026-01-01", "formulation": "xr_injection"}],
}


def refused(raw: object) -> tuple[str, str]:
    with pytest.raises(InputError) as err:
        parse_coverage_request(raw)
    return err.value.field, err.value.message


def test_every_field_of_a_full_request_is_read() -> None:
    got = parse_coverage_request(
        {
            "period_start": "2026-01-01",
            "period_end": "2026-01-30",
            "administrations": [
                {"date": "2026-01-01", "formulation": "xr_injection", "dose_mg": 380},
                {"date": "2026-01-02", "formulation": "implant", "covered_days": 120},
                {"date": "2026-01-03", "formulation": "oral", "dose_mg": 0.5},
            ],
            "as_of": "2026-01-20",
            "next_injection_booked": "2026-01-29",
            "treatment_stopped": True,
        }
    )
    assert got == CoverageRequest(
        period_start=date(2026, 1, 1),
        period_end=date(2026, 1, 30),
        administrations=(
            Administration(date(2026, 1, 1), Formulation.XR_INJECTION, 380.0),
            Administration(date(2026, 1, 2), Formulation.IMPLANT, None, 120),
            Administration(date(2026, 1, 3), Formulation.ORAL, 0.5),
        ),
        as_of=date(2026, 1, 20),
        next_injection_booked=date(2026, 1, 29),
        treatment_stopped=True,
    )


def test_a_minimal_request_leaves_the_optional_fields_empty() -> None:
    got = parse_coverage_request({**BASE, "administrations": []})
    assert got == CoverageRequest(date(2026, 1, 1), date(2026, 1, 30), ())
    assert got.treatment_stopped is False
    nulls = dict.fromkeys(["as_of", "next_injection_booked", "treatment_stopped"])
    assert parse_coverage_request({**BASE, **nulls}) == parse_coverage_request(BASE)


def test_treatment_stopped_false_is_kept() -> None:
    assert parse_coverage_request({**BASE, "treatment_stopped": False}).treatment_stopped is False


@pytest.mark.parametrize(
    ("field", "value", "ok", "message"),
    [
        ("dose_mg", 0.001, True, ""),
        ("dose_mg", 2000, True, ""),
        ("dose_mg", 0.0009, False, "must be from 0.001 to 2000 (got 0.0009)"),
        ("dose_mg", 2000.5, False, "must be from 0.001 to 2000 (got 2000.5)"),
        ("covered_days", 1, True, ""),
        ("covered_days", 400, True, ""),
        ("covered_days", 0, False, "must be from 1 to 400 (got 0)"),
        ("covered_days", 401, False, "must be from 1 to 400 (got 401)"),
    ],
)
def test_dose_and_covered_days_accept_their_bounds_and_refuse_one_past(
    field: str, value: float, ok: bool, message: str
) -> None:
    item = {"date": "2026-01-01", "formulation": "oral", field: value}
    raw = {**BASE, "administrations": [{"date": "2026-01-01", "formulation": "oral"}, item]}
    if ok:
        assert getattr(parse_coverage_request(raw).administrations[1], field) == value
    else:
        assert refused(raw) == (f"administrations[1].{field}", message)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"period_start": "2026-01-01", "period_end": "2026-01-30"},
         ("administrations", "is required")),
        ({**BASE, "administrations": {"date": "2026-01-01"}},
         ("administrations", "must be a list of administrations")),
        ({**BASE, "administrations": ["2026-01-01"]}, ("administrations[0]", "must be a JSON object")),
        ({**BASE, "administrations": [{"date": "2026-01-01"}]},
         ("administrations[0].formulation", "is required")),
        ({**BASE, "administrations": [{"date": "2026-01-01", "formulation": "patch"}]},
         ("administrations[0].formulation",
          "must be one of oral, xr_injection, implant (got 'patch')")),
        ({**BASE, "administrations": [{"formulation": "oral"}]},
         ("administrations[0].date", "is required")),
        ({**BASE, "administrations": [{"date": "2026-01-01", "formulation": "oral", "dose_mg": "50"}]},
         ("administrations[0].dose_mg", "must be a number")),
        ({**BASE, "administrations": [{"date": "2026-01-01", "formulation": "oral", "mg": 50}]},
         ("administrations[0].mg",
          "unknown field 'mg' (allowed: covered_days, date, dose_mg, formulation, removed_on)")),
        ({**BASE, "period_start": None}, ("period_start", "is required")),
        ({**BASE, "period_end": "2026-01-32"}, ("period_end", "'2026-01-32' is not a date as YYYY-MM-DD")),
        ({**BASE, "period_end": "2025-12-31"}, ("period_end", "is before period_start")),
        ({**BASE, "as_of": "soon"}, ("as_of", "'soon' is not a date as YYYY-MM-DD")),
        ({**BASE, "next_injection_booked": 5}, ("next_injection_booked", "must be a date as YYYY-MM-DD")),
        ({**BASE, "treatment_stopped": "no"}, ("treatment_stopped", "must be true or false")),
        ([], ("", "must be a JSON object")),
        ({**BASE, "period": 30},
         ("period", "unknown field 'period' (allowed: administrations, as_of, next_injection_booked, "
                    "period_end, period_start, stop_reason, treatment_stopped, treatment_stopped_on)")),
    ],
)  # fmt: skip
def test_a_bad_field_is_refused_by_name(raw: object, expected: tuple[str, str]) -> None:
    assert refused(raw) == expected


def test_a_one_day_period_is_read() -> None:
    got = parse_coverage_request({**BASE, "period_end": "2026-01-01"})
    assert got.period_end == got.period_start == date(2026, 1, 1)


def test_evaluate_without_as_of_reports_coverage_only() -> None:
    out = parse_coverage_request(BASE).evaluate()
    assert "as_of" not in out and "risk_windows" not in out
    assert (out["days_covered"], out["policy"]) == (28, DEFAULT_POLICY.version)


def test_evaluate_with_as_of_adds_the_risk_windows_of_that_day() -> None:
    out = parse_coverage_request({**BASE, "as_of": "2026-01-27"}).evaluate()
    assert out["as_of"] == "2026-01-27"
    assert out["risk_windows"] == [
        {
            "kind": "blockade_waning",
            "start": "2026-01-26",
            "end": "2026-01-29",
            "message": "Injection of 2026-01-01 is wearing off (due 2026-01-29) and no next "
            "injection is booked by then.",
        }
    ]


def test_evaluate_passes_the_booking_and_the_stop_to_the_risk_windows() -> None:
    booked = {**BASE, "as_of": "2026-01-27", "next_injection_booked": "2026-01-29"}
    assert parse_coverage_request(booked).evaluate()["risk_windows"] == []
    stopped = {**BASE, "as_of": "2026-01-30", "treatment_stopped": True}
    windows = parse_coverage_request(stopped).evaluate()["risk_windows"]
    assert isinstance(windows, list) and [w["kind"] for w in windows] == ["post_treatment"]


def test_evaluate_uses_the_policy_it_is_given() -> None:
    import dataclasses

    clinic = dataclasses.replace(
        DEFAULT_POLICY, version="clinic-test-1", injection_covered_days=30, waning_from_day=27
    )
    out = parse_coverage_request({**BASE, "as_of": "2026-01-27"}).evaluate(clinic)
    assert (out["days_covered"], out["policy"], out["risk_windows"]) == (30, "clinic-test-1", [])


# --- when and why treatment stopped; an implant's removal (issue 9) ---------------------------


@pytest.mark.parametrize(
    ("stopped_on", "days", "covered", "excluded"),
    [
        ("2026-01-01", 1, 1, 29),  # stopped on the period's first day: that day still counts
        ("2026-01-28", 28, 28, 2),  # the last covered day
        ("2026-01-29", 29, 28, 1),  # the first uncovered day
        ("2026-01-30", 30, 28, 0),  # the period's last day: nothing excluded
        ("2026-01-31", 30, 28, 0),  # after the period: the period is not stretched
    ],
)
def test_the_days_after_the_stop_are_left_out_of_the_period(
    stopped_on: str, days: int, covered: int, excluded: int
) -> None:
    req = parse_coverage_request(
        {**BASE, "treatment_stopped_on": stopped_on, "stop_reason": "transfer"}
    )
    assert req.treatment_stopped_on == date.fromisoformat(stopped_on)
    assert req.stop_reason is StopReason.TRANSFER
    out = req.evaluate()
    assert (out["period_end"], out["days_in_period"], out["days_covered"]) == (
        "2026-01-30", days, covered,
    )  # fmt: skip
    assert out["pdc"] == round(covered / days, 4)
    assert (out["treatment_stopped_on"], out["stop_reason"], out["days_excluded_after_stop"]) == (
        stopped_on, "transfer", excluded,
    )  # fmt: skip


def test_a_stop_without_a_reason_is_read_and_shown_without_one() -> None:
    req = parse_coverage_request({**BASE, "treatment_stopped_on": "2026-01-10"})
    assert (req.treatment_stopped_on, req.stop_reason) == (date(2026, 1, 10), None)
    out = req.evaluate()
    assert (out["treatment_stopped_on"], out["stop_reason"], out["days_in_period"]) == (
        "2026-01-10", None, 10,
    )  # fmt: skip


def test_without_a_stop_the_stop_fields_are_not_in_the_answer() -> None:
    out = parse_coverage_request(BASE).evaluate()
    assert not {"treatment_stopped_on", "stop_reason", "days_excluded_after_stop"} & set(out)
    report = coverage(
        parse_coverage_request(BASE).administrations, date(2026, 1, 1), date(2026, 1, 30)
    )
    assert (report.stopped_on, report.stop_reason, report.days_excluded_after_stop) == (
        None,
        None,
        0,
    )


@pytest.mark.parametrize("reason", [r.value for r in StopReason])
def test_every_stop_reason_is_read(reason: str) -> None:
    req = parse_coverage_request(
        {**BASE, "treatment_stopped_on": "2026-01-10", "stop_reason": reason}
    )
    assert req.stop_reason == StopReason(reason)
    assert req.evaluate()["stop_reason"] == reason


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"stop_reason": "death"}, ("treatment_stopped_on", "is required with stop_reason")),
        ({"treatment_stopped_on": "2025-12-31"},
         ("treatment_stopped_on", "is before period_start: no day of the period was in treatment")),
        ({"treatment_stopped_on": "2025-12-31", "stop_reason": "death"},
         ("treatment_stopped_on", "is before period_start: no day of the period was in treatment")),
        ({"treatment_stopped_on": "2026-01-10", "stop_reason": "moved"},
         ("stop_reason", "must be one of death, transfer, hospitalisation, incarceration, "
                         "patient_choice, lost_to_follow_up, completed, other (got 'moved')")),
        ({"treatment_stopped_on": "10 Jan"},
         ("treatment_stopped_on", "'10 Jan' is not a date as YYYY-MM-DD")),
    ],
)  # fmt: skip
def test_a_bad_stop_is_refused_by_name(fields: dict[str, str], expected: tuple[str, str]) -> None:
    assert refused({**BASE, **fields}) == expected


def test_the_core_refuses_a_stop_before_the_period_too() -> None:
    admins = (Administration(date(2026, 1, 1), Formulation.XR_INJECTION),)
    with pytest.raises(InputError) as err:
        coverage(admins, date(2026, 1, 1), date(2026, 1, 30), stopped_on=date(2025, 12, 31))
    assert (err.value.field, err.value.message) == (
        "treatment_stopped_on", "is before period_start: no day of the period was in treatment",
    )  # fmt: skip
    with pytest.raises(InputError) as err:
        coverage(admins, date(2026, 1, 2), date(2026, 1, 1))
    assert (err.value.field, err.value.message) == ("period_end", "is before period_start")


@pytest.mark.parametrize(
    ("as_of", "stopped_on", "kinds"),
    [
        # The injection of 2026-01-01 covers to 2026-01-28; overdue from 2026-01-30 (day 29).
        ("2026-02-05", "2026-02-06", ["injection_overdue"]),  # the day before the stop
        ("2026-02-05", "2026-02-05", ["post_treatment"]),  # the day of the stop
        ("2026-02-05", "2026-02-04", ["post_treatment"]),  # the day after the stop
    ],
)
def test_the_risk_windows_follow_the_stop_from_its_day(
    as_of: str, stopped_on: str, kinds: list[str]
) -> None:
    doc = {**BASE, "period_end": "2026-02-28", "as_of": as_of, "treatment_stopped_on": stopped_on}
    windows = parse_coverage_request(doc).evaluate()["risk_windows"]
    assert isinstance(windows, list) and [w["kind"] for w in windows] == kinds


def test_a_death_has_no_risk_window() -> None:
    doc = {**BASE, "as_of": "2026-02-05", "treatment_stopped_on": "2026-01-20",
           "stop_reason": "death"}  # fmt: skip
    assert parse_coverage_request(doc).evaluate()["risk_windows"] == []
    doc["stop_reason"] = "hospitalisation"
    windows = parse_coverage_request(doc).evaluate()["risk_windows"]
    assert isinstance(windows, list) and [w["kind"] for w in windows] == ["post_treatment"]


@pytest.mark.parametrize(
    ("removed_on", "covered"),
    [
        ("2026-01-01", 0),  # removed the day it was placed
        ("2026-01-02", 1),
        ("2026-03-31", 89),  # the day before its coverage ends
        ("2026-04-01", 90),  # the day its coverage ends
        ("2026-04-02", 90),  # after: the removal changes nothing
    ],
)
def test_an_implants_removal_is_read_and_ends_its_coverage(removed_on: str, covered: int) -> None:
    doc = {
        "period_start": "2026-01-01",
        "period_end": "2026-06-30",
        "administrations": [
            {"date": "2026-01-01", "formulation": "implant", "removed_on": removed_on}
        ],
    }
    req = parse_coverage_request(doc)
    assert req.administrations == (
        Administration(date(2026, 1, 1), Formulation.IMPLANT, removed_on=date.fromisoformat(removed_on)),
    )  # fmt: skip
    assert req.evaluate()["days_covered"] == covered


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({"date": "2026-01-02", "formulation": "implant", "removed_on": "2026-01-01"},
         ("administrations[1].removed_on", "is before the implant's date")),  # the day before
        ({"date": "2026-01-02", "formulation": "oral", "removed_on": "2026-01-03"},
         ("administrations[1].removed_on", "only an implant is removed")),
        ({"date": "2026-01-02", "formulation": "xr_injection", "removed_on": "2026-01-03"},
         ("administrations[1].removed_on", "only an implant is removed")),
        ({"date": "2026-01-02", "formulation": "implant", "removed_on": "2026-1-3"},
         ("administrations[1].removed_on", "'2026-1-3' is not a date as YYYY-MM-DD")),
    ],
)  # fmt: skip
def test_a_bad_removal_is_refused_by_name(item: dict[str, str], expected: tuple[str, str]) -> None:
    doc = {**BASE, "administrations": [BASE["administrations"][0], item]}
    assert refused(doc) == expected
