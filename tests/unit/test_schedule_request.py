"""Reading a schedule request from JSON (the `schedule` command and API): every field, its bounds
(the value of, and one past, each limit) and the field an error names (Part A A5)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.regimens import (
    ScheduleInput,
    ScheduleRequest,
    ScreenResult,
    parse_schedule_request,
)
from naltrack.clinical.vocab import Indication, Side

BASE: dict[str, Any] = {
    "regimen": "xr_injection",
    "start_date": "2026-03-02",
    "indications": ["OUD"],
}


def parse(**fields: Any) -> ScheduleInput:
    return parse_schedule_request({**BASE, **fields})


def refused(raw: object) -> tuple[str, str]:
    with pytest.raises(InputError) as err:
        parse_schedule_request(raw)
    return err.value.field, err.value.message


def test_every_field_of_a_full_request_is_read() -> None:
    got = parse_schedule_request(
        {
            "regimen": " oral_custom ",
            "start_date": "2026-03-02",
            "indications": ["OUD", "AUD"],
            "until": "2026-06-30",
            "count": 12,
            "induction": True,
            "last_injection": {"date": "2026-02-01", "side": "right"},
            "as_of": "2026-03-01",
            "implant_mg": 1700,
            "weekly_mg": {"mon": 100, "wed": 100, "fri": 150},
            "every_days": 2,
            "dose_mg": 100,
            "reason": " liver ",
        }
    )
    assert got == ScheduleInput(
        ScheduleRequest(
            regimen="oral_custom",
            start_date=date(2026, 3, 2),
            indications=frozenset({Indication.OUD, Indication.AUD}),
            until=date(2026, 6, 30),
            count=12,
            induction=True,
            last_injection_side=Side.RIGHT,
            last_injection_date=date(2026, 2, 1),
            implant_mg=1700,
            weekly_mg={"mon": 100, "wed": 100, "fri": 150},
            every_days=2,
            dose_mg=100,
            reason="liver",
        ),
        last_injection=date(2026, 2, 1),
        as_of=date(2026, 3, 1),
    )


def test_a_minimal_request_leaves_the_optional_fields_empty() -> None:
    got = parse()
    assert got == ScheduleInput(
        ScheduleRequest("xr_injection", date(2026, 3, 2), frozenset({Indication.OUD})), None, None
    )
    assert got.request.induction is False


def test_absent_and_null_optional_fields_are_the_same() -> None:
    nulls = dict.fromkeys(
        ["until", "count", "induction", "last_injection", "as_of", "implant_mg", "weekly_mg",
         "every_days", "dose_mg", "reason"]
    )  # fmt: skip
    assert parse(**nulls) == parse()


def test_induction_false_is_kept() -> None:
    assert parse(induction=False).request.induction is False


@pytest.mark.parametrize(
    ("field", "low", "high"),
    [("count", 1, 2000), ("implant_mg", 1, 10_000), ("every_days", 1, 14), ("dose_mg", 1, 400)],
)
def test_whole_number_fields_accept_their_bounds_and_refuse_one_past(
    field: str, low: int, high: int
) -> None:
    assert getattr(parse(**{field: low}).request, field) == low
    assert getattr(parse(**{field: high}).request, field) == high
    assert refused({**BASE, field: low - 1}) == (
        field,
        f"must be from {low} to {high} (got {low - 1})",
    )
    assert refused({**BASE, field: high + 1}) == (
        field, f"must be from {low} to {high} (got {high + 1})",
    )  # fmt: skip


@pytest.mark.parametrize(("mg", "ok"), [(0, True), (400, True), (401, False), (-1, False)])
def test_weekly_mg_per_day_is_0_to_400(mg: int, ok: bool) -> None:
    raw = {**BASE, "weekly_mg": {"mon": 50, "tue": mg}}
    if ok:
        assert parse_schedule_request(raw).request.weekly_mg == {"mon": 50, "tue": mg}
    else:
        assert refused(raw) == ("weekly_mg.tue", f"must be from 0 to 400 (got {mg})")


def test_weekly_mg_keeps_the_days_in_week_order() -> None:
    got = parse(weekly_mg={"sun": 50, "mon": 100, "sat": 25})
    assert list(got.request.weekly_mg or {}) == ["mon", "sat", "sun"]


def test_a_week_without_any_dose_is_refused() -> None:
    assert refused({**BASE, "weekly_mg": {"mon": 0, "fri": 0}}) == (
        "weekly_mg", "must give at least one day a dose",
    )  # fmt: skip


def test_an_unknown_weekday_is_named() -> None:
    field, message = refused({**BASE, "weekly_mg": {"mon": 50, "funday": 50}})
    assert field == "weekly_mg.funday"
    assert message.startswith("unknown field 'funday'")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"start_date": "2026-03-02", "indications": ["OUD"]}, ("regimen", "is required")),
        ({**BASE, "regimen": "  "}, ("regimen", "must be a non-empty text")),
        ({"regimen": "xr_injection", "start_date": "2026-03-02"}, ("indications", "is required")),
        ({**BASE, "indications": []}, ("indications", "must be a non-empty list of OUD and/or AUD")),
        ({**BASE, "indications": "OUD"}, ("indications", "must be a non-empty list of OUD and/or AUD")),
        ({**BASE, "indications": ["OUD", "XYZ"]},
         ("indications[1]", "must be one of OUD, AUD (got 'XYZ')")),
        ({"regimen": "xr_injection", "indications": ["OUD"]}, ("start_date", "is required")),
        ({**BASE, "until": "2026-3-1"}, ("until", "'2026-3-1' is not a date as YYYY-MM-DD")),
        ({**BASE, "as_of": 20260301}, ("as_of", "must be a date as YYYY-MM-DD")),
        ({**BASE, "induction": "yes"}, ("induction", "must be true or false")),
        ({**BASE, "count": 2.5}, ("count", "must be a whole number")),
        ({**BASE, "reason": ""}, ("reason", "must be a non-empty text")),
        ({**BASE, "last_injection": "2026-02-01"}, ("last_injection", "must be a JSON object")),
        ({**BASE, "last_injection": {"date": "2026-02-01", "side": "middle"}},
         ("last_injection.side", "must be one of left, right (got 'middle')")),
        ({**BASE, "last_injection": {"date": "2026-02-30"}},
         ("last_injection.date", "'2026-02-30' is not a date as YYYY-MM-DD")),
        ({**BASE, "weekly_mg": [50]}, ("weekly_mg", "must be a JSON object")),
        ({**BASE, "weekly_mg": {"mon": "50"}}, ("weekly_mg.mon", "must be a whole number")),
        ([], ("", "must be a JSON object")),
    ],
)  # fmt: skip
def test_a_bad_field_is_refused_by_name(raw: object, expected: tuple[str, str]) -> None:
    assert refused(raw) == expected


def test_an_unknown_field_is_refused_and_the_allowed_ones_listed() -> None:
    field, message = refused({**BASE, "dose": 50})
    assert field == "dose"
    assert message == (
        "unknown field 'dose' (allowed: as_of, count, dose_mg, every_days, implant_mg, indications, "
        "induction, last_injection, opioid_use_reported, reason, regimen, start_date, until, "
        "urine_screen, weekly_mg)"
    )


def test_an_unknown_field_of_the_last_injection_is_refused() -> None:
    field, _ = refused({**BASE, "last_injection": {"date": "2026-02-01", "arm": "left"}})
    assert field == "last_injection.arm"


@pytest.mark.parametrize(
    ("last", "ok"), [("2026-02-28", True), ("2026-03-01", True), ("2026-03-02", False)]
)
def test_the_last_injection_cannot_be_after_as_of(last: str, ok: bool) -> None:
    raw = {**BASE, "as_of": "2026-03-01", "last_injection": {"date": last, "side": "left"}}
    if ok:
        got = parse_schedule_request(raw)
        assert (got.last_injection, got.request.last_injection_side) == (
            date.fromisoformat(last), Side.LEFT,
        )  # fmt: skip
    else:
        assert refused(raw) == ("last_injection.date", "2026-03-02 is after as_of (2026-03-01)")


def test_a_last_injection_without_as_of_or_without_a_date_is_read() -> None:
    got = parse(last_injection={"date": "2027-01-01"})
    assert (got.last_injection, got.request.last_injection_side, got.as_of) == (
        date(2027, 1, 1), None, None,
    )  # fmt: skip
    got = parse(as_of="2026-03-01", last_injection={"side": "left"})
    assert (got.last_injection, got.request.last_injection_side) == (None, Side.LEFT)


# --- the visit's facts that decide the late tiers: opioid use reported, the urine screen --------


@pytest.mark.parametrize("reported", [True, False])
def test_opioid_use_reported_is_read(reported: bool) -> None:
    assert parse(opioid_use_reported=reported).opioid_use_reported is reported


def test_opioid_use_reported_defaults_to_false_and_must_be_true_or_false() -> None:
    assert parse().opioid_use_reported is False
    assert parse(opioid_use_reported=None).opioid_use_reported is False
    assert refused({**BASE, "opioid_use_reported": "yes"}) == (
        "opioid_use_reported", "must be true or false",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("screen_day", "result", "expected"),
    [
        ("2026-02-28", "negative", (date(2026, 2, 28), ScreenResult.NEGATIVE)),  # the day before
        ("2026-03-01", "positive", (date(2026, 3, 1), ScreenResult.POSITIVE)),  # as_of itself
    ],
)
def test_a_urine_screen_on_or_before_as_of_is_read(
    screen_day: str, result: str, expected: tuple[date, ScreenResult]
) -> None:
    got = parse(as_of="2026-03-01", urine_screen={"date": screen_day, "result": result})
    assert got.urine_screen == expected
    assert got.as_of == date(2026, 3, 1)


def test_no_urine_screen_is_none() -> None:
    assert parse(as_of="2026-03-01").urine_screen is None
    assert parse(as_of="2026-03-01", urine_screen=None).urine_screen is None


@pytest.mark.parametrize(
    ("screen", "as_of", "expected"),
    [
        ({"date": "2026-03-02", "result": "negative"}, "2026-03-01",
         ("urine_screen.date", "2026-03-02 is after as_of (2026-03-01)")),  # the day after
        ({"date": "2026-03-01", "result": "negative"}, None,
         ("as_of", "is required with urine_screen")),
        ({"date": "2026-03-01"}, "2026-03-01", ("urine_screen.result", "is required")),
        ({"date": "2026-03-01", "result": None}, "2026-03-01", ("urine_screen.result", "is required")),
        ({"result": "negative"}, "2026-03-01", ("urine_screen.date", "is required")),
        ({"date": "2026-03-01", "result": "unclear"}, "2026-03-01",
         ("urine_screen.result", "must be one of negative, positive (got 'unclear')")),
        ({"date": "1-3-2026", "result": "negative"}, "2026-03-01",
         ("urine_screen.date", "'1-3-2026' is not a date as YYYY-MM-DD")),
        ("negative", "2026-03-01", ("urine_screen", "must be a JSON object")),
    ],
)  # fmt: skip
def test_a_bad_urine_screen_is_refused_by_name(
    screen: object, as_of: str | None, expected: tuple[str, str]
) -> None:
    assert refused({**BASE, "as_of": as_of, "urine_screen": screen}) == expected


def test_an_unknown_field_of_the_urine_screen_is_refused_and_the_allowed_ones_listed() -> None:
    raw = {**BASE, "as_of": "2026-03-01", "urine_screen": {"date": "2026-03-01", "drug": "x"}}
    assert refused(raw) == ("urine_screen.drug", "unknown field 'drug' (allowed: date, result)")


def test_an_unknown_field_of_the_last_injection_lists_the_allowed_ones() -> None:
    raw = {**BASE, "last_injection": {"date": "2026-02-01", "arm": "left"}}
    assert refused(raw) == ("last_injection.arm", "unknown field 'arm' (allowed: date, side)")


def test_a_full_visit_is_read_into_one_input() -> None:
    got = parse(
        as_of="2026-03-01",
        last_injection={"date": "2026-01-20", "side": "right"},
        opioid_use_reported=True,
        urine_screen={"date": "2026-02-28", "result": "negative"},
    )
    assert got == ScheduleInput(
        ScheduleRequest(
            "xr_injection",
            date(2026, 3, 2),
            frozenset({Indication.OUD}),
            last_injection_side=Side.RIGHT,
            last_injection_date=date(2026, 1, 20),
        ),
        last_injection=date(2026, 1, 20),
        as_of=date(2026, 3, 1),
        opioid_use_reported=True,
        urine_screen=(date(2026, 2, 28), ScreenResult.NEGATIVE),
    )
