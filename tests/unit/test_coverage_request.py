"""Reading a coverage request from JSON and answering it (the `coverage` command and API):
every field, its bounds and the field an error names (Part A A5 coverage, A6 risk windows)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from naltrack.clinical.coverage import Administration, CoverageRequest, parse_coverage_request
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import Formulation

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
