"""Configuration is read in one place, typed, and refuses unsafe production settings."""

from __future__ import annotations

import pytest

from naltrack.config import DEBUG_SECRET_KEY, ConfigError, parse_database_url, read_config

PROD = {"NALTRACK_SECRET_KEY": "k" * 40, "NALTRACK_ALLOWED_HOSTS": "clinic.example.org"}


def test_development_defaults_to_a_sqlite_file_in_the_data_folder() -> None:
    config = read_config({"NALTRACK_DEBUG": "true", "NALTRACK_DATA_DIR": "/srv/naltrack"})
    assert config.database.engine == "sqlite"
    assert config.database.name == "/srv/naltrack/naltrack.sqlite3"
    assert config.secret_key == DEBUG_SECRET_KEY
    assert config.secure_cookies is False


def test_production_needs_its_own_secret_and_hosts() -> None:
    with pytest.raises(ConfigError) as err:
        read_config({"NALTRACK_ALLOWED_HOSTS": "clinic.example.org"})
    assert err.value.variable == "NALTRACK_SECRET_KEY"
    with pytest.raises(ConfigError) as err:
        read_config({**PROD, "NALTRACK_SECRET_KEY": DEBUG_SECRET_KEY})
    assert err.value.variable == "NALTRACK_SECRET_KEY"
    with pytest.raises(ConfigError) as err:
        read_config({"NALTRACK_SECRET_KEY": "k" * 40})
    assert err.value.variable == "NALTRACK_ALLOWED_HOSTS"
    config = read_config(PROD)
    assert (config.debug, config.secure_cookies, config.allowed_hosts) == (
        False,
        True,
        ("clinic.example.org",),
    )


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_boolean_names_the_variable(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        read_config({**PROD, "NALTRACK_DEBUG": value})
    assert err.value.variable == "NALTRACK_DEBUG"


def test_postgresql_url() -> None:
    db = parse_database_url("postgresql://clinic:s%40cret@db.internal:6432/naltrack")
    assert (db.engine, db.user, db.password, db.host, db.port, db.name) == (
        "postgresql", "clinic", "s@cret", "db.internal", "6432", "naltrack",
    )  # fmt: skip


@pytest.mark.parametrize(
    "url", ["mysql://x/y", "postgresql://host:5432/", "sqlite://", "postgresql://h:port/db"]
)
def test_bad_database_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_database_url(url)
    assert err.value.variable == "NALTRACK_DATABASE_URL"


def test_sqlite_writers_queue_instead_of_failing() -> None:
    """WAL, a busy timeout and IMMEDIATE write transactions (issue 9 part 4): a second writer waits
    for the first to commit rather than getting "database is locked"."""
    options = parse_database_url("sqlite:///data/x.sqlite3").django()["OPTIONS"]
    assert isinstance(options, dict)
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    assert "journal_mode=WAL" in options["init_command"]
    assert "OPTIONS" not in parse_database_url("postgresql://h/db").django()


def test_charts_open_to_the_care_team_unless_the_clinic_says_otherwise() -> None:
    config = read_config(PROD)
    assert config.care_team_required is True and config.break_glass_hours == 4
    off = read_config(
        {**PROD, "NALTRACK_CARE_TEAM_REQUIRED": "false", "NALTRACK_BREAK_GLASS_HOURS": "8"}
    )
    assert off.care_team_required is False and off.break_glass_hours == 8


@pytest.mark.parametrize("hours", ["0", "25", "four", "1.5"])
def test_a_bad_break_glass_window_names_the_variable(hours: str) -> None:
    with pytest.raises(ConfigError) as err:
        read_config({**PROD, "NALTRACK_BREAK_GLASS_HOURS": hours})
    assert err.value.variable == "NALTRACK_BREAK_GLASS_HOURS"
