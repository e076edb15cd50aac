"""Reading plain JSON values: the wording of a refusal and the path it names, at each bound."""

from __future__ import annotations

import dataclasses

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.parsing import EARLIEST_DATE, LATEST_DATE, Obj, parse_date, parse_int
from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.rulesdoc import render_rules_doc


def refusal(call: object) -> tuple[str, str]:
    assert callable(call)
    with pytest.raises(InputError) as err:
        call()
    return err.value.field, err.value.message


# The plausible range of a record's date (parsing.py: 1900-01-01 to 2199-12-31): the day before,
# of and after each end.
@pytest.mark.parametrize(
    ("text", "ok"),
    [("1899-12-31", False), ("1900-01-01", True), ("1900-01-02", True),
     ("2199-12-30", True), ("2199-12-31", True), ("2200-01-01", False)],
)  # fmt: skip
def test_a_date_is_read_within_the_plausible_range(text: str, ok: bool) -> None:
    assert (EARLIEST_DATE.isoformat(), LATEST_DATE.isoformat()) == ("1900-01-01", "2199-12-31")
    if ok:
        assert parse_date(text, "when").isoformat() == text
    else:
        assert refusal(lambda: parse_date(text, "when")) == (
            "when",
            f"{text} is outside the plausible range 1900-01-01 to 2199-12-31",
        )


def test_a_whole_float_is_read_as_an_int() -> None:
    value = parse_int(2.0, "count", 1, 5)
    assert value == 2 and type(value) is int


@pytest.mark.parametrize(("value", "ok"), [(0, False), (1, True), (10**6, True)])
def test_an_int_without_an_upper_bound_says_at_least(value: int, ok: bool) -> None:
    if ok:
        assert parse_int(value, "n", 1) == value
    else:
        assert refusal(lambda: parse_int(value, "n", 1)) == ("n", "must be at least 1 (got 0)")


@pytest.mark.parametrize(("value", "ok"), [(0.4, False), (0.5, True), (1e9, True)])
def test_a_number_without_an_upper_bound_says_at_least(value: float, ok: bool) -> None:
    doc = Obj({"x": value}, "top", {"x"})
    if ok:
        assert doc.number("x", 0.5) == value
    else:
        assert refusal(lambda: doc.number("x", 0.5)) == ("top.x", "must be at least 0.5 (got 0.4)")


@pytest.mark.parametrize(
    ("raw", "expected"), [({"xs": [1, 2]}, [1, 2]), ({"xs": None}, []), ({}, [])]
)
def test_a_list_field_is_read_or_empty(raw: dict[str, object], expected: list[object]) -> None:
    assert Obj(raw, "top", {"xs"}).list("xs") == expected


def test_a_list_field_that_is_not_a_list_is_named() -> None:
    doc = Obj({"xs": "a"}, "top", {"xs"})
    assert refusal(lambda: doc.list("xs")) == ("top.xs", "must be a list")


def test_the_rules_doc_writes_yes_no_settings_as_true_or_false() -> None:
    on = dataclasses.replace(
        DEFAULT_POLICY, version="clinic-1", allow_positive_uds_after_negative_challenge=True
    )
    assert "| `allow_positive_uds_after_negative_challenge` | true |" in render_rules_doc(on)
    assert "| `allow_positive_uds_after_negative_challenge` | false |" in render_rules_doc(
        DEFAULT_POLICY
    )
