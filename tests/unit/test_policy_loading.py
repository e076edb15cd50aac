"""A clinic's policy file (Part A as settings): the opioid-free interval table (A1), the bounds of
each setting and the consistency rules, each at its edge and one past it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import (
    DEFAULT_POLICY,
    IntervalRule,
    _coerce,
    load_policy,
    policy_from_mapping,
)
from naltrack.clinical.vocab import OpioidKind

V = {"version": "clinic-1"}


def refused(**raw: Any) -> tuple[str, str]:
    with pytest.raises(InputError) as err:
        policy_from_mapping({**V, **raw})
    return err.value.field, err.value.message


def intervals(table: dict[str, Any]) -> dict[OpioidKind, IntervalRule]:
    return dict(policy_from_mapping({**V, "opioid_free_interval": table}).opioid_free_interval)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"deferral_days": 0, "review_days": 0}, IntervalRule(0, 0)),
        ({"deferral_days": 120, "review_days": 365}, IntervalRule(120, 365)),
        ({"deferral_days": 8}, IntervalRule(8, 14)),
        ({"review_days": 20}, IntervalRule(10, 20)),
        ({"review_days": 10}, IntervalRule(10, 10)),
        ({"review_always": True}, IntervalRule(10, None)),
        ({"review_always": False, "review_days": 15}, IntervalRule(10, 15)),
        ({"review_days": None}, IntervalRule(10, None)),
    ],
)
def test_a_clinic_can_change_one_kinds_interval_and_keep_the_rest(
    rule: dict[str, Any], expected: IntervalRule
) -> None:
    table = intervals({"methadone": rule})
    assert table[OpioidKind.METHADONE] == expected
    assert {k: v for k, v in table.items() if k is not OpioidKind.METHADONE} == {
        k: v
        for k, v in DEFAULT_POLICY.opioid_free_interval.items()
        if k is not OpioidKind.METHADONE
    }


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        ({"deferral_days": -1}, "deferral_days", "must be a whole number of days from 0 to 120"),
        ({"deferral_days": 121, "review_days": 200}, "deferral_days",
         "must be a whole number of days from 0 to 120"),
        ({"deferral_days": True}, "deferral_days", "must be a whole number of days from 0 to 120"),
        ({"deferral_days": 7.0}, "deferral_days", "must be a whole number of days from 0 to 120"),
        ({"review_days": -1}, "review_days", "must be a whole number of days from 0 to 365"),
        ({"review_days": 366}, "review_days", "must be a whole number of days from 0 to 365"),
        ({"review_days": False}, "review_days", "must be a whole number of days from 0 to 365"),
        ({"review_days": "14"}, "review_days", "must be a whole number of days from 0 to 365"),
        ({"review_days": 9}, "review_days", "must not be shorter than deferral_days"),
        ({"deferral_days": 15}, "review_days", "must not be shorter than deferral_days"),
        ({"days": 7}, "", "unknown setting 'days'"),
        ({"a": 1, "b": 2}, "", "unknown setting 'a'"),
    ],
)  # fmt: skip
def test_a_bad_interval_rule_names_its_setting(
    rule: dict[str, Any], field: str, message: str
) -> None:
    path = "opioid_free_interval.methadone" + (f".{field}" if field else "")
    assert refused(opioid_free_interval={"methadone": rule}) == (path, message)


def test_an_interval_table_must_be_a_table_of_known_kinds() -> None:
    assert refused(opioid_free_interval=[7]) == (
        "opioid_free_interval", "must be a table of opioid kinds",
    )  # fmt: skip
    assert refused(opioid_free_interval={"heroin": {}}) == (
        "opioid_free_interval.heroin",
        "unknown opioid kind; use one of short_acting, fentanyl, methadone, buprenorphine, "
        "buprenorphine_depot, unknown",
    )
    assert refused(opioid_free_interval={"methadone": 10}) == (
        "opioid_free_interval.methadone", "must be a table with deferral_days and review_days",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("lft_block_multiple", 0.99, "must be at least 1 (got 0.99)"),
        ("lft_block_multiple", 20.01, "must be at most 20 (got 20.01)"),
        ("injection_interval_days", 6, "must be at least 7 (got 6)"),
        ("injection_interval_days", 61, "must be at most 60 (got 61)"),
        ("injection_interval_days", 28.0, "must be a whole number"),
        ("injection_interval_days", True, "must be a whole number"),
        ("pdc_adherent_min", "0.8", "must be a number"),
        ("pdc_adherent_min", False, "must be a number"),
        ("pdc_adherent_min", 1.01, "must be at most 1 (got 1.01)"),
        ("allow_positive_uds_after_negative_challenge", 1, "must be true or false"),
        ("version", " ", "must be a non-empty text"),
        ("version", 2026, "must be a non-empty text"),
        ("lft_blocking", 5, "unknown setting (check its spelling in docs/clinical-rules.md)"),
    ],
)  # fmt: skip
def test_a_setting_outside_its_bounds_is_refused_by_name(
    setting: str, value: object, message: str
) -> None:
    assert refused(**{setting: value}) == (setting, message)


@pytest.mark.parametrize(
    ("setting", "value"),
    [("lft_block_multiple", 1), ("lft_block_multiple", 20), ("injection_interval_days", 60),
     ("pdc_adherent_min", 1), ("pdc_adherent_min", 0), ("allow_positive_uds_after_negative_challenge", True)],
)  # fmt: skip
def test_a_setting_on_its_bound_is_accepted(setting: str, value: object) -> None:
    extra = {"lft_review_multiple": 1} if setting == "lft_block_multiple" else {}
    if setting == "injection_interval_days":
        extra = {"injection_overdue_from_day": 61, "late_uds_if_reported_until_day": 70,
                 "late_uds_required_until_day": 80}  # fmt: skip
    policy = policy_from_mapping({**V, setting: value, **extra})
    assert getattr(policy, setting) == value
    assert policy.version == "clinic-1"


def test_a_float_setting_given_as_a_whole_number_is_a_float() -> None:
    value = policy_from_mapping({**V, "pdc_adherent_min": 1}).pdc_adherent_min
    assert isinstance(value, float)


@pytest.mark.parametrize(
    ("raw", "field", "message"),
    [
        ({"lft_review_multiple": 4, "lft_block_multiple": 3.9}, "lft_block_multiple",
         "must not be below lft_review_multiple"),
        ({"pregnancy_test_age_min": 20, "pregnancy_test_age_max": 19}, "pregnancy_test_age_max",
         "must not be below pregnancy_test_age_min"),
        ({"phq9_depression_info_min": 15, "phq9_depression_review_min": 14},
         "phq9_depression_review_min", "must not be below phq9_depression_info_min"),
        ({"needle_1_5inch_bmi_below": 30.5}, "needle_1_5inch_bmi_below",
         "must not be above needle_2inch_bmi_min"),
        ({"injection_earliest_redose_day": 29}, "injection_interval_days",
         "injection days must run earliest <= due < overdue <= late tiers"),
        ({"injection_overdue_from_day": 28}, "injection_overdue_from_day",
         "injection days must run earliest <= due < overdue <= late tiers"),
        ({"late_uds_if_reported_until_day": 27}, "late_uds_if_reported_until_day",
         "injection days must run earliest <= due < overdue <= late tiers"),
        ({"late_uds_required_until_day": 33}, "late_uds_required_until_day",
         "injection days must run earliest <= due < overdue <= late tiers"),
        ({"waning_from_day": 29}, "waning_from_day", "must not be after injection_interval_days"),
    ],
)  # fmt: skip
def test_settings_that_contradict_each_other_are_refused(
    raw: dict[str, Any], field: str, message: str
) -> None:
    assert refused(**raw) == (field, message)


@pytest.mark.parametrize(
    "raw",
    [
        {"lft_review_multiple": 4, "lft_block_multiple": 4},
        {"pregnancy_test_age_min": 20, "pregnancy_test_age_max": 20},
        {"phq9_depression_info_min": 15, "phq9_depression_review_min": 15},
        {"needle_1_5inch_bmi_below": 30},
        {"injection_earliest_redose_day": 28},
        {"injection_overdue_from_day": 29, "injection_interval_days": 28},
        {"late_uds_if_reported_until_day": 28},
        {"late_uds_required_until_day": 34},
        {"waning_from_day": 28},
    ],
)
def test_settings_that_meet_at_their_edge_are_accepted(raw: dict[str, Any]) -> None:
    policy = policy_from_mapping({**V, **raw})
    assert all(getattr(policy, k) == v for k, v in raw.items())


def test_the_default_version_with_a_changed_threshold_is_refused() -> None:
    with pytest.raises(InputError) as err:
        policy_from_mapping({"cows_withdrawal_min": 6})
    assert err.value.field == "version"
    assert err.value.message == (
        "a policy that changes any threshold needs its own version name, so that every result "
        "shows which policy produced it"
    )
    assert policy_from_mapping({}) == DEFAULT_POLICY


def test_a_policy_file_is_read_as_utf8_toml(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('version = "clinic-ü"\ncows_withdrawal_min = 6\n', encoding="utf-8")
    policy = load_policy(path)
    assert (policy.version, policy.cows_withdrawal_min) == ("clinic-ü", 6)


def test_a_policy_file_is_utf8_whatever_the_platforms_locale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinic's file written on one machine reads the same on a server whose locale is not
    UTF-8: the loader names the encoding instead of taking the platform's default."""
    path = tmp_path / "policy.toml"
    path.write_text('version = "clinic-ü"\n', encoding="utf-8")
    real = io.text_encoding
    monkeypatch.setattr(io, "text_encoding", lambda enc, *a: real(enc or "ascii", *a))
    assert load_policy(path).version == "clinic-ü"


def test_only_the_setting_types_the_loader_knows_are_read() -> None:
    with pytest.raises(TypeError, match="unsupported setting type for notes"):
        _coerce("notes", "text", str, {})


def test_an_unreadable_or_broken_policy_file_names_the_policy(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_policy(tmp_path / "missing.toml")
    assert (err.value.field, err.value.message) == (
        "policy", "cannot read the policy file: No such file or directory",
    )  # fmt: skip
    broken = tmp_path / "broken.toml"
    broken.write_text("version = \n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_policy(broken)
    assert err.value.field == "policy"
    assert err.value.message.startswith("the policy file is not valid TOML: ")
