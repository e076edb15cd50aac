"""Sign-in settings (issue 10): the idle timeout and the second factor, read from the environment
and checked like every other setting."""

from __future__ import annotations

import pytest

from naltrack.config import ConfigError, SigninConfig, read_signin_config


def test_defaults_second_factor_in_production_only() -> None:
    assert read_signin_config({}) == SigninConfig(
        idle_timeout_minutes=15, require_second_factor=True
    )
    development = read_signin_config({"NALTRACK_DEBUG": "true"})
    assert development == SigninConfig(idle_timeout_minutes=15, require_second_factor=False)


def test_the_clinic_sets_both() -> None:
    config = read_signin_config(
        {"NALTRACK_DEBUG": "true", "NALTRACK_IDLE_TIMEOUT_MINUTES": " 30 ",
         "NALTRACK_REQUIRE_SECOND_FACTOR": "yes"}
    )  # fmt: skip
    assert config == SigninConfig(idle_timeout_minutes=30, require_second_factor=True)
    production = read_signin_config({"NALTRACK_REQUIRE_SECOND_FACTOR": "false"})
    assert production.require_second_factor is False


@pytest.mark.parametrize("value", ["1", "481", "ten", "15.5", "-5", "0"])
def test_an_idle_timeout_out_of_range_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        read_signin_config({"NALTRACK_IDLE_TIMEOUT_MINUTES": value})
    assert err.value.variable == "NALTRACK_IDLE_TIMEOUT_MINUTES"
    assert "from 2 to 480" in str(err.value)


@pytest.mark.parametrize("value", ["2", "480"])
def test_the_idle_timeout_range_is_inclusive(value: str) -> None:
    assert read_signin_config({"NALTRACK_IDLE_TIMEOUT_MINUTES": value}).idle_timeout_minutes == int(
        value
    )


def test_a_bad_second_factor_switch_names_the_variable() -> None:
    with pytest.raises(ConfigError) as err:
        read_signin_config({"NALTRACK_REQUIRE_SECOND_FACTOR": "sometimes"})
    assert err.value.variable == "NALTRACK_REQUIRE_SECOND_FACTOR"
