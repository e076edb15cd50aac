"""The policy: defaults match Part A, and a clinic's TOML file is validated setting by setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import (
    DEFAULT_POLICY,
    DEFAULT_VERSION,
    load_policy,
    policy_from_mapping,
    scalar_settings,
)
from naltrack.clinical.vocab import OpioidKind


def test_defaults_are_part_a_version_2026_1() -> None:
    p = DEFAULT_POLICY
    assert p.version == "naltrack-default-2026.1"
    assert p.interval_for(OpioidKind.SHORT_ACTING).deferral_days == 7
    assert p.interval_for(OpioidKind.METHADONE).review_days == 14
    assert p.interval_for(OpioidKind.BUPRENORPHINE_DEPOT).review_days is None
    assert (
        p.lft_review_multiple,
        p.lft_block_multiple,
        p.cows_withdrawal_min,
        p.ciwa_ar_withdrawal_min,
    ) == (3, 5, 5, 10)
    assert (
        p.injection_earliest_redose_day,
        p.injection_interval_days,
        p.injection_overdue_from_day,
    ) == (21, 28, 29)
    assert p.allow_positive_uds_after_negative_challenge is False


def test_every_setting_documents_meaning_and_source() -> None:
    for f in scalar_settings():
        assert f.metadata["doc"] and f.metadata["source"], f.name


def test_the_policy_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_POLICY.cows_withdrawal_min = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        DEFAULT_POLICY.opioid_free_interval[OpioidKind.METHADONE] = None  # type: ignore[index]


def test_a_clinic_file_overrides_some_settings(tmp_path: Path) -> None:
    path = tmp_path / "clinic.toml"
    path.write_text(
        'version = "riverside-2026.2"\n'
        "cows_withdrawal_min = 4\n"
        "allow_positive_uds_after_negative_challenge = true\n"
        "[opioid_free_interval.fentanyl]\ndeferral_days = 14\nreview_days = 21\n"
    )
    p = load_policy(path)
    assert (p.version, p.cows_withdrawal_min, p.allow_positive_uds_after_negative_challenge) == (
        "riverside-2026.2",
        4,
        True,
    )
    assert p.interval_for(OpioidKind.FENTANYL).deferral_days == 14
    assert p.interval_for(OpioidKind.METHADONE).deferral_days == 10  # untouched


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"version": "x", "cows_withdrawl_min": 4}, "cows_withdrawl_min"),
        ({"version": "x", "cows_withdrawal_min": "5"}, "cows_withdrawal_min"),
        ({"version": "x", "cows_withdrawal_min": 5.5}, "cows_withdrawal_min"),
        ({"version": "x", "cows_withdrawal_min": 0}, "cows_withdrawal_min"),
        ({"version": "x", "pdc_adherent_min": 1.5}, "pdc_adherent_min"),
        (
            {"version": "x", "allow_positive_uds_after_negative_challenge": 1},
            "allow_positive_uds_after_negative_challenge",
        ),
        ({"version": "x", "lft_review_multiple": 6.0}, "lft_block_multiple"),
        ({"version": "x", "injection_earliest_redose_day": 30}, "injection_interval_days"),
        (
            {"version": "x", "opioid_free_interval": {"heroin": {"deferral_days": 7}}},
            "opioid_free_interval.heroin",
        ),
        (
            {"version": "x", "opioid_free_interval": {"fentanyl": {"deferral_days": 20}}},
            "opioid_free_interval.fentanyl.review_days",
        ),
        (
            {"version": "x", "opioid_free_interval": {"fentanyl": {"deferral_days": -1}}},
            "opioid_free_interval.fentanyl.deferral_days",
        ),
        ({"version": ""}, "version"),
        ({"cows_withdrawal_min": 4}, "version"),
        ({"version": DEFAULT_VERSION, "cows_withdrawal_min": 4}, "version"),
    ],
)
def test_bad_settings_are_refused_by_name(raw: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        policy_from_mapping(raw)
    assert err.value.field == field


def test_an_unreadable_or_invalid_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        load_policy(tmp_path / "missing.toml")
    assert err.value.field == "policy"
    bad = tmp_path / "bad.toml"
    bad.write_text("version = \n")
    with pytest.raises(InputError) as err:
        load_policy(bad)
    assert "TOML" in err.value.message


def test_a_file_that_only_restates_defaults_keeps_the_default_version() -> None:
    assert policy_from_mapping({"cows_withdrawal_min": 5}) == DEFAULT_POLICY
