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
    # PostgreSQL gets none of SQLite's options; its only option is the connection pool (issue 10).
    pg_options = parse_database_url("postgresql://h/db").django()["OPTIONS"]
    assert isinstance(pg_options, dict) and set(pg_options) == {"pool"}


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


# --- serving in production (issue 10, Operations) -------------------------------------------


def test_production_trusts_the_proxy_redirects_to_https_and_sends_hsts() -> None:
    serving = read_config(PROD).serving
    assert serving.proxy_ssl_header == "X-Forwarded-Proto"
    assert serving.csrf_trusted_origins == ("https://clinic.example.org",)
    assert serving.ssl_redirect is True
    assert serving.hsts_seconds == 365 * 24 * 3600
    assert (serving.workers, serving.threads) == (2, 4)
    assert serving.trusted_proxies == ("127.0.0.1", "::1")


def test_development_has_no_proxy_no_redirect_and_no_hsts() -> None:
    serving = read_config({"NALTRACK_DEBUG": "true"}).serving
    assert serving.proxy_ssl_header is None
    assert (serving.ssl_redirect, serving.hsts_seconds, serving.csrf_trusted_origins) == (
        False,
        0,
        (),
    )


def test_the_operator_sets_origins_workers_and_the_pool() -> None:
    config = read_config({**PROD, "NALTRACK_CSRF_TRUSTED_ORIGINS": "https://a.example, https://b.example",
                          "NALTRACK_WEB_WORKERS": "3", "NALTRACK_WEB_THREADS": "8",
                          "NALTRACK_DB_POOL_SIZE": "12", "NALTRACK_PROXY_SSL_HEADER": "",
                          "NALTRACK_DATABASE_URL": "postgresql://u@db.example/naltrack"})  # fmt: skip
    assert config.serving.csrf_trusted_origins == ("https://a.example", "https://b.example")
    assert (config.serving.workers, config.serving.threads) == (3, 8)
    assert config.serving.proxy_ssl_header is None
    db = config.database.django()
    assert db["CONN_MAX_AGE"] == 0 and db["CONN_HEALTH_CHECKS"] is True
    assert db["OPTIONS"] == {"pool": {"min_size": 1, "max_size": 12, "timeout": 10}}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("NALTRACK_WEB_WORKERS", "0"),
        ("NALTRACK_WEB_THREADS", "many"),
        ("NALTRACK_DB_POOL_SIZE", "1000"),
        ("NALTRACK_HSTS_SECONDS", "-1"),
        ("NALTRACK_CSRF_TRUSTED_ORIGINS", "clinic.example.org"),
        ("NALTRACK_PROXY_SSL_HEADER", "X-Forwarded-Proto: https"),
        ("NALTRACK_SSL_REDIRECT", "perhaps"),
        ("NALTRACK_TRUSTED_PROXIES", "proxy.example.org"),
    ],
)
def test_a_bad_serving_value_names_its_variable(variable: str, value: str) -> None:
    with pytest.raises(ConfigError) as err:
        read_config({**PROD, variable: value})
    assert err.value.variable == variable


def test_trusted_origins_follow_the_allowed_hosts_subdomains_included() -> None:
    config = read_config({**PROD, "NALTRACK_ALLOWED_HOSTS": "clinic.example.org,.example.net"})
    assert config.serving.csrf_trusted_origins == (
        "https://clinic.example.org",
        "https://*.example.net",
    )


# --- CDS Hooks clients (issue 13) -----------------------------------------------------------------


def test_cds_clients_are_read_from_json() -> None:
    from naltrack.config import CdsClient, read_cds_clients

    assert read_cds_clients({}) == ()
    raw = '[{"iss": " https://ehr.example.org ", "name": "Riverside EHR", "jwks_url": "https://ehr.example.org/jwks"}]'
    assert read_cds_clients({"NALTRACK_CDS_CLIENTS": raw}) == (
        CdsClient("https://ehr.example.org", "Riverside EHR", "https://ehr.example.org/jwks"),
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "must be a JSON list"),
        ('{"iss": "x"}', "must be a JSON list of clients"),
        ('[{"iss": "x", "name": "y"}]', "client 0: give exactly iss, name and jwks_url"),
        ('[{"iss": "", "name": "y", "jwks_url": "https://k"}]', "client 0: iss, name and jwks_url must be text"),
        ('[{"iss": "x", "name": "y", "jwks_url": "http://keys.example.org"}]', "client 0: jwks_url must be https"),
        ('[{"iss": "x", "name": "' + "n" * 151 + '", "jwks_url": "https://k"}]', "name must be at most 150"),
        ('[{"iss": "x", "name": "y", "jwks_url": "https://k"}, {"iss": "x", "name": "z", "jwks_url": "https://k"}]',
         "two clients have the same iss"),
    ],
)  # fmt: skip
def test_bad_cds_clients_are_refused_naming_the_variable(raw: str, message: str) -> None:
    from naltrack.config import ConfigError, read_cds_clients

    with pytest.raises(ConfigError, match="NALTRACK_CDS_CLIENTS") as exc:
        read_cds_clients({"NALTRACK_CDS_CLIENTS": raw})
    assert message in str(exc.value)
