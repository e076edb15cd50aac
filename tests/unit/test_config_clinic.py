"""The clinic's policy file and time zone are read and validated at start, like every setting: a bad
value stops the application with a message naming the variable (and the policy setting)."""

from __future__ import annotations

from pathlib import Path

import pytest

from naltrack.clinical.policy import DEFAULT_POLICY
from naltrack.clinical.vocab import OpioidKind
from naltrack.config import ConfigError, machine_time_zone, read_config

DEV = {"NALTRACK_DEBUG": "true"}


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "clinic.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_no_policy_file_is_the_default_policy() -> None:
    assert read_config(DEV).policy is DEFAULT_POLICY
    assert read_config({**DEV, "NALTRACK_POLICY_FILE": " "}).policy is DEFAULT_POLICY


def test_a_clinic_policy_file_is_loaded_with_its_version(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'version = "riverside-2026.2"\ninjection_overdue_from_day = 31\n'
        "[opioid_free_interval.fentanyl]\ndeferral_days = 14\nreview_days = 21\n",
    )
    policy = read_config({**DEV, "NALTRACK_POLICY_FILE": path}).policy
    assert policy.version == "riverside-2026.2"
    assert policy.injection_overdue_from_day == 31
    assert policy.interval_for(OpioidKind.FENTANYL).deferral_days == 14
    assert policy.cows_withdrawal_min == DEFAULT_POLICY.cows_withdrawal_min  # not named: default


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ('version = "x-1"\ncows_withdrawl_min = 4\n', "'cows_withdrawl_min'"),  # misspelt
        ('version = "x-1"\ncows_withdrawal_min = 99\n', "'cows_withdrawal_min'"),  # out of range
        ("cows_withdrawal_min = 4\n", "'version'"),  # changed without its own version
        ('version = "x-1"\ncows_withdrawal_min = \n', "not valid TOML"),
        (
            'version = "x-1"\n[opioid_free_interval.fentanyl]\ndeferral_days = 500\n',
            "'opioid_free_interval.fentanyl.deferral_days'",
        ),
    ],
)
def test_a_bad_policy_file_stops_the_start_naming_variable_and_setting(
    tmp_path: Path, text: str, names: str
) -> None:
    with pytest.raises(ConfigError) as err:
        read_config({**DEV, "NALTRACK_POLICY_FILE": write(tmp_path, text)})
    assert err.value.variable == "NALTRACK_POLICY_FILE"
    assert str(err.value).startswith("NALTRACK_POLICY_FILE: ")
    assert names in str(err.value)


def test_a_missing_policy_file_names_the_variable_and_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError) as err:
        read_config({**DEV, "NALTRACK_POLICY_FILE": str(missing)})
    assert err.value.variable == "NALTRACK_POLICY_FILE"
    assert str(missing) in str(err.value)
    assert "cannot read the policy file" in str(err.value)


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Auckland", "UTC", "Asia/Tokyo"])
def test_an_iana_time_zone_is_accepted(zone: str) -> None:
    assert read_config({**DEV, "NALTRACK_TIME_ZONE": zone}).time_zone == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus", "PST8PDT+1", "+02:00", "../etc/passwd", "/etc/x"])
def test_a_bad_time_zone_names_the_variable(zone: str) -> None:
    with pytest.raises(ConfigError) as err:
        read_config({**DEV, "NALTRACK_TIME_ZONE": zone})
    assert err.value.variable == "NALTRACK_TIME_ZONE"
    assert "IANA" in str(err.value)


def test_the_default_zone_is_the_machines_when_it_has_an_iana_name() -> None:
    assert machine_time_zone({"TZ": "Europe/Paris"}) == "Europe/Paris"
    assert machine_time_zone({"TZ": ":Asia/Tokyo"}) == "Asia/Tokyo"
    assert read_config({**DEV, "TZ": "Europe/Paris"}).time_zone == "Europe/Paris"
    # An unnamed zone falls back to what the system says, and never to an invalid name.
    fallback = machine_time_zone({"TZ": "not-a-zone"})
    assert read_config({**DEV, "NALTRACK_TIME_ZONE": fallback}).time_zone == fallback
