"""All configuration, read from the environment in one place, typed and validated.

`read_config(environ)` is pure (the environment is an argument) so that it can be tested; settings.py
calls it once. A bad value stops the application with a message naming the variable, and production
(NALTRACK_DEBUG unset) refuses to start without its own secret key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import dataclasses
import ipaddress
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from naltrack.clinical.access import BREAK_GLASS_HOURS, BREAK_GLASS_HOURS_RANGE
from naltrack.clinical.errors import InputError
from naltrack.clinical.policy import DEFAULT_POLICY, Policy, load_policy

# The README names this folder (relative to the working folder): the default SQLite database.
DEFAULT_DATA_DIR = "data"
# How long a SQLite writer waits for another one to commit before giving up ("database is
# locked"): writers queue instead of failing. Longer than any use case or refresh chunk holds it.
SQLITE_BUSY_TIMEOUT_S = 20
DEBUG_SECRET_KEY = "naltrack-insecure-development-key-never-use-in-production"
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """A configuration value that cannot be used; names the variable."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class Database:
    engine: str  # "sqlite" or "postgresql"
    name: str
    user: str = ""
    password: str = ""
    host: str = ""
    port: str = ""
    # PostgreSQL: the most connections one server process holds (NALTRACK_DB_POOL_SIZE).
    pool_size: int = 10

    def django(self) -> dict[str, object]:
        if self.engine == "sqlite":
            return {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": self.name,
                "ATOMIC_REQUESTS": False,
                "OPTIONS": {
                    # Every transaction.atomic() starts with BEGIN IMMEDIATE: it takes the write
                    # lock first, so a use case reads and checks with no other writer in between
                    # (SQLite's stand-in for the patient row lock, patients.services.lock_patient),
                    # and a second writer waits at BEGIN instead of failing when it upgrades a
                    # read to a write (which SQLite refuses at once, whatever the timeout).
                    "transaction_mode": "IMMEDIATE",
                    "timeout": SQLITE_BUSY_TIMEOUT_S,
                    # WAL: readers never wait for the writer, nor the writer for them. The
                    # default synchronous=FULL stays: a committed dose survives a power cut.
                    "init_command": "PRAGMA journal_mode=WAL",
                },
            }
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": self.name,
            "USER": self.user,
            "PASSWORD": self.password,
            "HOST": self.host,
            "PORT": self.port,
            # One pool of connections per server process (psycopg_pool), each taken for a
            # request and given back at its end: a burst of requests reuses them instead of
            # opening one per thread until PostgreSQL refuses clients. Persistent connections
            # (CONN_MAX_AGE) and a pool exclude each other; the pool checks a connection's
            # health before handing it out (CONN_HEALTH_CHECKS).
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "pool": {
                    "min_size": 1,
                    "max_size": self.pool_size,
                    # A request that finds every connection taken waits this long, then fails
                    # (a 500, logged) rather than queueing forever.
                    "timeout": 10,
                }
            },
        }


@dataclass(frozen=True, slots=True)
class Serving:
    """How `naltrack serve` serves in production (gunicorn behind a TLS proxy) and what Django
    trusts of that proxy. Development mode turns off HTTPS redirects, HSTS and the proxy header."""

    workers: int = 2  # gunicorn worker processes (NALTRACK_WEB_WORKERS)
    threads: int = 4  # threads per worker (NALTRACK_WEB_THREADS)
    # The header the proxy sets to tell the original scheme (NALTRACK_PROXY_SSL_HEADER); trusted
    # only because gunicorn listens on loopback behind that proxy. None: no proxy.
    proxy_ssl_header: str | None = None
    csrf_trusted_origins: tuple[str, ...] = ()  # NALTRACK_CSRF_TRUSTED_ORIGINS
    ssl_redirect: bool = False  # NALTRACK_SSL_REDIRECT
    hsts_seconds: int = 0  # NALTRACK_HSTS_SECONDS
    # The proxies whose X-Forwarded-For names the client (NALTRACK_TRUSTED_PROXIES): audit
    # events record the client's address, not the proxy's.
    trusted_proxies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    debug: bool
    secret_key: str
    database: Database
    allowed_hosts: tuple[str, ...]
    secure_cookies: bool
    data_dir: Path
    # A fixed "today" for demos, training and browser tests; refused in production.
    fixed_today: date | None = None
    # The clinic's policy (NALTRACK_POLICY_FILE), loaded and validated at start; every service
    # reaches it through naltrack.clinic.active_policy().
    policy: Policy = DEFAULT_POLICY
    # The clinic's IANA time zone (NALTRACK_TIME_ZONE): "today" and every due day are its days.
    time_zone: str = "UTC"
    # The key of `naltrack backup` / `restore` (NALTRACK_BACKUP_KEY): 32 bytes; None when unset
    # (those two commands then refuse to run).
    backup_key: bytes | None = None
    # How long a new API bearer token works unless its creator says otherwise
    # (NALTRACK_API_TOKEN_DAYS).
    api_token_days: int = 90
    # Charts open only to the patient's care team; anyone else breaks the glass (issue 10).
    # NALTRACK_CARE_TEAM_REQUIRED, on unless the clinic turns it off.
    care_team_required: bool = True
    # How long a break-the-glass access to a chart lasts (NALTRACK_BREAK_GLASS_HOURS, 1-24).
    break_glass_hours: int = BREAK_GLASS_HOURS
    # The production server and the proxy in front of it (NALTRACK_WEB_*, NALTRACK_PROXY_*, ...).
    serving: Serving = field(default_factory=Serving)


def parse_int(variable: str, raw: str | None, default: int, lo: int, hi: int) -> int:
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ConfigError(variable, f"must be a whole number (got {raw!r})") from None
    if not lo <= value <= hi:
        raise ConfigError(variable, f"must be from {lo} to {hi} (got {value})")
    return value


def parse_serving(environ: Mapping[str, str], debug: bool, hosts: tuple[str, ...]) -> Serving:
    header_raw = environ.get("NALTRACK_PROXY_SSL_HEADER")
    header = (
        header_raw if header_raw is not None else ("" if debug else "X-Forwarded-Proto")
    ).strip()
    if header and not all(c.isalnum() or c == "-" for c in header):
        raise ConfigError("NALTRACK_PROXY_SSL_HEADER", f"must be a header name such as X-Forwarded-Proto (got {header!r})")  # fmt: skip
    origins_raw = environ.get("NALTRACK_CSRF_TRUSTED_ORIGINS")
    if origins_raw is None:
        # The proxy serves the allowed host names over HTTPS (".example.org", a host and its
        # subdomains, becomes Django's "https://*.example.org").
        origins = tuple(f"https://*{h}" if h.startswith(".") else f"https://{h}"
                        for h in hosts if h != "*" and not debug)  # fmt: skip
    else:
        origins = tuple(o.strip() for o in origins_raw.split(",") if o.strip())
    for origin in origins:
        if not origin.startswith(("https://", "http://")):
            raise ConfigError("NALTRACK_CSRF_TRUSTED_ORIGINS", f"each origin must start with https:// (got {origin!r})")  # fmt: skip
    proxies_raw = environ.get("NALTRACK_TRUSTED_PROXIES")
    proxies = (
        ("127.0.0.1", "::1") if proxies_raw is None and not debug
        else tuple(p.strip() for p in (proxies_raw or "").split(",") if p.strip())
    )  # fmt: skip
    for proxy in proxies:
        try:
            ipaddress.ip_address(proxy)
        except ValueError:
            raise ConfigError("NALTRACK_TRUSTED_PROXIES", f"each proxy must be an IP address (got {proxy!r})") from None  # fmt: skip
    return Serving(
        trusted_proxies=tuple(str(ipaddress.ip_address(p)) for p in proxies),
        workers=parse_int("NALTRACK_WEB_WORKERS", environ.get("NALTRACK_WEB_WORKERS"), 2, 1, 64),
        threads=parse_int("NALTRACK_WEB_THREADS", environ.get("NALTRACK_WEB_THREADS"), 4, 1, 64),
        proxy_ssl_header=header or None,
        csrf_trusted_origins=origins,
        ssl_redirect=parse_bool("NALTRACK_SSL_REDIRECT", environ.get("NALTRACK_SSL_REDIRECT"), not debug),
        hsts_seconds=parse_int("NALTRACK_HSTS_SECONDS", environ.get("NALTRACK_HSTS_SECONDS"),
                               0 if debug else 365 * 24 * 3600, 0, 2 * 365 * 24 * 3600),
    )  # fmt: skip


def parse_bool(variable: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ConfigError(variable, f"must be true or false (got {raw!r})")


def parse_database_url(url: str) -> Database:
    """`sqlite:///path/to/file.sqlite3` (relative to the working folder) or `postgresql://user:pw@host:port/db`."""
    variable = "NALTRACK_DATABASE_URL"
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = unquote(parts.path.removeprefix("/")) if parts.path else ""
        if not path:
            raise ConfigError(
                variable, "a SQLite URL needs a file, as sqlite:///data/naltrack.sqlite3"
            )
        return Database("sqlite", path)
    if parts.scheme in ("postgres", "postgresql"):
        name = parts.path.removeprefix("/")
        if not name:
            raise ConfigError(
                variable,
                "a PostgreSQL URL needs a database name, as postgresql://postgres@127.0.0.1:5432/naltrack",
            )
        try:
            port = str(parts.port or "")
        except ValueError:
            raise ConfigError(variable, "the port is not a number") from None
        return Database(
            "postgresql",
            unquote(name),
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            host=parts.hostname or "",
            port=port,
        )
    raise ConfigError(variable, f"must start with sqlite:/// or postgresql:// (got {url!r})")


def read_config(environ: Mapping[str, str]) -> Config:
    debug = parse_bool("NALTRACK_DEBUG", environ.get("NALTRACK_DEBUG"), False)
    data_dir = Path(environ.get("NALTRACK_DATA_DIR") or DEFAULT_DATA_DIR).absolute()
    secret = environ.get("NALTRACK_SECRET_KEY", "").strip()
    if not secret:
        if not debug:
            raise ConfigError(
                "NALTRACK_SECRET_KEY",
                "is required in production (set NALTRACK_DEBUG=true only on a development machine)",
            )
        secret = DEBUG_SECRET_KEY
    elif not debug and (secret == DEBUG_SECRET_KEY or len(secret) < 32):
        raise ConfigError(
            "NALTRACK_SECRET_KEY", "must be a random value of at least 32 characters in production"
        )
    url = environ.get("NALTRACK_DATABASE_URL") or f"sqlite:///{data_dir / 'naltrack.sqlite3'}"
    database = parse_database_url(url)
    pool_size = parse_int("NALTRACK_DB_POOL_SIZE", environ.get("NALTRACK_DB_POOL_SIZE"), 10, 1, 100)
    database = dataclasses.replace(database, pool_size=pool_size)
    hosts_raw = environ.get("NALTRACK_ALLOWED_HOSTS")
    if hosts_raw is None:
        hosts: tuple[str, ...] = ("127.0.0.1", "localhost") if debug else ()
    else:
        hosts = tuple(h.strip() for h in hosts_raw.split(",") if h.strip())
    if not hosts and not debug:
        raise ConfigError(
            "NALTRACK_ALLOWED_HOSTS",
            "is required in production: the host names the app is served under, comma-separated",
        )
    secure = parse_bool(
        "NALTRACK_SECURE_COOKIES", environ.get("NALTRACK_SECURE_COOKIES"), not debug
    )
    fixed_today = parse_fixed_today(environ.get("NALTRACK_TODAY"), debug)
    policy = parse_policy_file(environ.get("NALTRACK_POLICY_FILE"))
    zone = parse_time_zone(environ.get("NALTRACK_TIME_ZONE"), environ)
    backup_key = parse_backup_key(environ.get("NALTRACK_BACKUP_KEY"))
    token_days = parse_api_token_days(environ.get("NALTRACK_API_TOKEN_DAYS"))
    care_team = parse_bool(
        "NALTRACK_CARE_TEAM_REQUIRED", environ.get("NALTRACK_CARE_TEAM_REQUIRED"), True
    )
    glass_hours = parse_break_glass_hours(environ.get("NALTRACK_BREAK_GLASS_HOURS"))
    return Config(
        debug, secret, database, hosts, secure, data_dir, fixed_today, policy, zone, backup_key,
        api_token_days=token_days, care_team_required=care_team, break_glass_hours=glass_hours,
        serving=parse_serving(environ, debug, hosts),
    )  # fmt: skip


# A token is a password that a program keeps: it must run out. A year at most, so that a token
# left in a retired integration stops working on its own.
API_TOKEN_MAX_DAYS = 365


def parse_api_token_days(raw: str | None) -> int:
    """NALTRACK_API_TOKEN_DAYS: the lifetime of a new API token, 1 to 365 days (default 90)."""
    if raw is None or not raw.strip():
        return 90
    try:
        days = int(raw.strip())
    except ValueError:
        days = 0
    if not 1 <= days <= API_TOKEN_MAX_DAYS:
        raise ConfigError(
            "NALTRACK_API_TOKEN_DAYS",
            f"must be a whole number of days from 1 to {API_TOKEN_MAX_DAYS} (got {raw!r})",
        )
    return days


def parse_break_glass_hours(raw: str | None) -> int:
    """NALTRACK_BREAK_GLASS_HOURS: whole hours, 1-24 (default 4)."""
    if raw is None or not raw.strip():
        return BREAK_GLASS_HOURS
    low, high = BREAK_GLASS_HOURS_RANGE
    try:
        hours = int(raw.strip())
    except ValueError:
        hours = 0
    if not low <= hours <= high:
        raise ConfigError(
            "NALTRACK_BREAK_GLASS_HOURS", f"must be whole hours, {low}-{high} (got {raw!r})"
        )
    return hours


def parse_backup_key(raw: str | None) -> bytes | None:
    """NALTRACK_BACKUP_KEY: 32 random bytes in URL-safe base64, kept apart from the backups."""
    if raw is None or not raw.strip():
        return None
    try:
        key = base64.urlsafe_b64decode(raw.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != 32:
        raise ConfigError(
            "NALTRACK_BACKUP_KEY",
            "must be 32 random bytes in URL-safe base64 (44 characters); make one with "
            "`naltrack backup --new-key`",
        )
    return key


def parse_policy_file(raw: str | None) -> Policy:
    """The clinic's TOML policy (README, Configuration); none set: the naltrack default policy.
    The core's loader refuses a missing file, bad TOML, a misspelt setting or a value out of range;
    the message names the variable and the setting."""
    variable = "NALTRACK_POLICY_FILE"
    if raw is None or not raw.strip():
        return DEFAULT_POLICY
    path = Path(raw.strip())
    try:
        return load_policy(path)
    except InputError as err:
        where = "" if err.field == "policy" else f"setting {err.field!r}: "
        raise ConfigError(variable, f"{path}: {where}{err.message}") from None


def machine_time_zone(environ: Mapping[str, str]) -> str:
    """The machine's IANA zone name if it can be told (TZ, /etc/timezone, the /etc/localtime
    link), else UTC. A zone that cannot be named (a bare offset) falls back to UTC rather than
    guessing."""
    candidates = [environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    try:
        target = Path("/etc/localtime").resolve().as_posix()
    except OSError:
        target = ""
    if "/zoneinfo/" in target:
        candidates.append(target.split("/zoneinfo/", 1)[1])
    for name in candidates:
        if name and _is_zone(name):
            return name
    return "UTC"


def _is_zone(name: str) -> bool:
    if name.startswith("/") or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return name in available_timezones() or name == "UTC"


def parse_time_zone(raw: str | None, environ: Mapping[str, str]) -> str:
    """NALTRACK_TIME_ZONE: an IANA name such as America/Los_Angeles (default: the machine's)."""
    if raw is None or not raw.strip():
        return machine_time_zone(environ)
    name = raw.strip()
    if not _is_zone(name):
        raise ConfigError(
            "NALTRACK_TIME_ZONE",
            f"must be an IANA time zone name such as America/Los_Angeles or Europe/Paris "
            f"(got {raw!r})",
        )
    return name


def parse_fixed_today(raw: str | None, debug: bool) -> date | None:
    if not raw:
        return None
    if not debug:
        raise ConfigError("NALTRACK_TODAY", "a fixed date is for development and demos only")
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise ConfigError("NALTRACK_TODAY", f"must be a date as YYYY-MM-DD (got {raw!r})") from None


# ---- sign-in and sessions (issue 10) -----------------------------------------------------------
# Read apart from read_config (settings.py calls both) so that each stays short.

# A clinic's idle sign-out: from 2 minutes (a shared kiosk) to a whole 8-hour shift, the session's
# own limit (settings.SESSION_COOKIE_AGE). 15 minutes by default: the automatic logoff HIPAA asks
# for (45 CFR 164.312(a)(2)(iii)) without a number; 15 is the common choice of clinical systems.
IDLE_TIMEOUT_DEFAULT_MIN = 15
IDLE_TIMEOUT_RANGE_MIN = (2, 480)


@dataclass(frozen=True, slots=True)
class SigninConfig:
    # Minutes without a request after which a staff member's session ends.
    idle_timeout_minutes: int = IDLE_TIMEOUT_DEFAULT_MIN
    # Prescribers and directors must pass a second factor (TOTP) after their password.
    require_second_factor: bool = False


def read_signin_config(environ: Mapping[str, str]) -> SigninConfig:
    """NALTRACK_IDLE_TIMEOUT_MINUTES and NALTRACK_REQUIRE_SECOND_FACTOR. The second factor is
    required in production by default and off in development, so the demo logins of `make run`
    sign in with a password alone."""
    debug = parse_bool("NALTRACK_DEBUG", environ.get("NALTRACK_DEBUG"), False)
    second = parse_bool(
        "NALTRACK_REQUIRE_SECOND_FACTOR", environ.get("NALTRACK_REQUIRE_SECOND_FACTOR"), not debug
    )
    return SigninConfig(parse_idle_timeout(environ.get("NALTRACK_IDLE_TIMEOUT_MINUTES")), second)


def parse_idle_timeout(raw: str | None) -> int:
    if raw is None or not raw.strip():
        return IDLE_TIMEOUT_DEFAULT_MIN
    low, high = IDLE_TIMEOUT_RANGE_MIN
    try:
        minutes = int(raw.strip())
    except ValueError:
        minutes = -1
    if not low <= minutes <= high:
        raise ConfigError(
            "NALTRACK_IDLE_TIMEOUT_MINUTES",
            f"must be a whole number of minutes from {low} to {high} (got {raw!r})",
        )
    return minutes


# ---- The clinic as the patient sees it (issue 11: the portal, reminders, the wallet card) -------


@dataclass(frozen=True, slots=True)
class MrnScheme:
    """How naltrack numbers its patients (patients/mrn.py): the clinic's prefix and the check
    digit scheme. NALTRACK_MRN_PREFIX (1-8 letters or digits, default "NT") and NALTRACK_MRN_CHECK
    ("luhn", the default, or "iso7064-mod97-10")."""

    prefix: str = "NT"
    check: str = "luhn"


MRN_CHECK_LUHN = "luhn"
MRN_CHECK_ISO7064 = "iso7064-mod97-10"
MRN_PREFIX = re.compile(r"^[A-Za-z0-9]{1,8}$")


def read_mrn_scheme(environ: Mapping[str, str]) -> MrnScheme:
    """NALTRACK_MRN_PREFIX and NALTRACK_MRN_CHECK; unset keeps the default ("NT", Luhn)."""
    prefix = (environ.get("NALTRACK_MRN_PREFIX") or "NT").strip()
    if not MRN_PREFIX.match(prefix):
        raise ConfigError("NALTRACK_MRN_PREFIX", "must be 1-8 letters or digits")
    check = (environ.get("NALTRACK_MRN_CHECK") or MRN_CHECK_LUHN).strip().lower()
    if check not in (MRN_CHECK_LUHN, MRN_CHECK_ISO7064):
        raise ConfigError("NALTRACK_MRN_CHECK", f"must be {MRN_CHECK_LUHN} or {MRN_CHECK_ISO7064}")
    return MrnScheme(prefix=prefix.upper(), check=check)


@dataclass(frozen=True, slots=True)
class ClinicInfo:
    """What the patient portal, reminders and the wallet card say about the clinic. Every value
    is the clinic's own words, set by its operator; the defaults name a demo clinic."""

    name: str = "Naltrack Demo Clinic"  # NALTRACK_CLINIC_NAME
    short_name: str = "Demo Clinic"  # NALTRACK_CLINIC_SHORT_NAME: neutral, for reminders
    phone: str = "555-0100"  # NALTRACK_CLINIC_PHONE
    # NALTRACK_NALOXONE_LOCATION (and _ES in Spanish): where a patient gets naloxone, in plain words
    naloxone_location: str = (
        "Ask at the clinic front desk for a free naloxone kit. Most pharmacies also sell "
        "naloxone nasal spray without a prescription."
    )
    naloxone_location_es: str = (
        "Pida un kit de naloxona gratis en la recepción de la clínica. La mayoría de las "
        "farmacias también venden naloxona en aerosol nasal sin receta."
    )
    emergency_number: str = "911"  # NALTRACK_EMERGENCY_NUMBER
    crisis_line: str = "988"  # NALTRACK_CRISIS_LINE: the suicide and crisis line
    portal_invite_hours: int = 72  # NALTRACK_PORTAL_INVITE_HOURS: an invitation works this long

    def naloxone_where(self, language: str) -> str:
        return self.naloxone_location_es if language == "es" else self.naloxone_location


CLINIC_TEXT_MAX = 300
PORTAL_INVITE_HOURS_RANGE = (1, 24 * 14)


def read_clinic_info(environ: Mapping[str, str]) -> ClinicInfo:
    """NALTRACK_CLINIC_NAME, _SHORT_NAME, _PHONE, NALTRACK_NALOXONE_LOCATION(_ES),
    NALTRACK_EMERGENCY_NUMBER, NALTRACK_CRISIS_LINE and NALTRACK_PORTAL_INVITE_HOURS; each one
    left unset keeps the demo clinic's value."""
    defaults = ClinicInfo()
    values: dict[str, object] = {}
    for attr, variable in (
        ("name", "NALTRACK_CLINIC_NAME"),
        ("short_name", "NALTRACK_CLINIC_SHORT_NAME"),
        ("phone", "NALTRACK_CLINIC_PHONE"),
        ("naloxone_location", "NALTRACK_NALOXONE_LOCATION"),
        ("naloxone_location_es", "NALTRACK_NALOXONE_LOCATION_ES"),
        ("emergency_number", "NALTRACK_EMERGENCY_NUMBER"),
        ("crisis_line", "NALTRACK_CRISIS_LINE"),
    ):
        raw = environ.get(variable)
        if raw is None or not raw.strip():
            continue
        text = " ".join(raw.split())
        if len(text) > CLINIC_TEXT_MAX:
            raise ConfigError(variable, f"must be at most {CLINIC_TEXT_MAX} characters")
        values[attr] = text
    low, high = PORTAL_INVITE_HOURS_RANGE
    values["portal_invite_hours"] = parse_int(
        "NALTRACK_PORTAL_INVITE_HOURS",
        environ.get("NALTRACK_PORTAL_INVITE_HOURS"),
        defaults.portal_invite_hours,
        low,
        high,
    )
    return dataclasses.replace(defaults, **values)  # type: ignore[arg-type]


# ---- reminders to patients (issue 11; naltrack.reminders) ---------------------------------------
# Read apart from read_config (settings.py calls it) so that each stays short.

# Words a message to a patient (or a support person) never carries: a reminder is read on a lock
# screen, a shared phone or a work mailbox, so it names neither the medicine, nor the injection,
# nor a drug test, nor a diagnosis, nor what kind of program this is (issue 11). English and
# Spanish, since reminders go out in the patient's language. An entry ending in "*" is the start
# of a word ("inject*": inject, injection, injected); any other is a whole word or phrase. Case
# and accents are ignored ("inyección" matches "inyec*").
FORBIDDEN_REMINDER_WORDS: tuple[str, ...] = (
    # the medicine, its brands, its class and medicines in general
    "naltrex*", "vivitrol*", "revia", "depade", "opioid*", "opiate*", "opiace*", "antagonist*",
    "methadon*", "metadon*", "buprenorf*", "buprenorph*", "suboxone*", "nalox*", "narcan*",
    "medica*", "medicin*", "dose*", "dosis*", "pill*", "píldora*", "tablet*", "pastilla*",
    "prescri*", "receta*",
    # the injection
    "inject*", "inyec*", "shot", "shots", "needle*", "aguja*", "vacuna*",
    # drug tests
    "drug*", "droga*", "urine*", "urinalysis", "orina*", "screen*", "test*", "prueba*",
    "analisis", "lab", "labs", "laboratori*",
    # diagnoses and the program's nature
    "addict*", "adicc*", "adict*", "alcohol*", "substance*", "sustancia*", "abuse*", "abuso*",
    "dependen*", "disorder*", "trastorno*", "detox*", "desintox*", "rehab*", "recover*",
    "recupera*", "relapse*", "recaida*", "overdos*", "sobredosis*", "heroin*", "fentanyl*",
    "fentanil*", "withdraw*", "abstinen*", "sober*", "sobri*", "craving*", "ansia*",
    "treatment*", "tratamiento*", "therap*", "terapia*", "counsel*", "consejer*", "diagnos*",
    "psychiatr*", "psiquiatr*", "mental", "sud", "oud", "aud", "mat", "42 cfr",
)  # fmt: skip


def _plain(text: str) -> str:
    """Lower case without accents: "Inyección" -> "inyeccion"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_FORBIDDEN = [
    (w, re.compile(r"(?<!\w)" + re.escape(_plain(w.rstrip("*"))) + ("" if w.endswith("*") else r"(?!\w)")))
    for w in FORBIDDEN_REMINDER_WORDS
]  # fmt: skip

REMINDER_ATTEMPTS_RANGE = (1, 20)
REMINDER_BACKOFF_RANGE_S = (1, 3600)
REMINDER_POLL_RANGE_S = (1, 3600)
REMINDER_LEASE_RANGE_S = (30, 86400)
SMS_PROVIDERS = ("none", "twilio")


def forbidden_words_in(text: str) -> list[str]:
    """The forbidden reminder words that `text` contains (none: the text may go to a patient)."""
    plain = _plain(text)
    return [word for word, pattern in _FORBIDDEN if pattern.search(plain)]


@dataclass(frozen=True, slots=True)
class ReminderConfig:
    # The clinic as a reminder names it: short and neutral ("Eastside Health");
    # NALTRACK_CLINIC_SHORT_NAME, the same short name the portal shows (ClinicInfo.short_name).
    clinic_short_name: str = "Demo Clinic"
    # Where the login link of a reminder, the unsubscribe link and the calendar link point.
    public_url: str = "http://127.0.0.1:8000"
    # Tries before a reminder is given up; the wait after the n-th failed try is
    # backoff_seconds * 2**(n-1), at most 6 hours.
    max_attempts: int = 5
    backoff_seconds: int = 60
    # How long `naltrack reminders run --forever` sleeps when nothing is due.
    poll_seconds: int = 30
    # A reminder claimed longer ago than this whose worker never reported back (it died) is
    # put back to be sent again.
    lease_seconds: int = 600
    # The clinic's local hour at which the reminder of a visit goes out, the day before.
    send_hour: int = 10
    # Email: Django's SMTP backend to this server. None in development without one: messages
    # are printed instead (the console backend).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_tls: bool = False
    email_from: str = "reminders@localhost"
    # SMS: "none" (no text messages go out) or "twilio" with its account, token and sender.
    sms_provider: str = "none"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from: str = ""
    # The clinic's own wording (NALTRACK_REMINDER_TEMPLATES): a folder holding
    # reminders/messages/<kind>_<channel>.txt files that replace naltrack's; checked like them.
    templates_dir: Path | None = None


def read_reminder_config(environ: Mapping[str, str]) -> ReminderConfig:
    """NALTRACK_CLINIC_SHORT_NAME, NALTRACK_PUBLIC_URL, NALTRACK_REMINDER_*, NALTRACK_SMTP_*,
    NALTRACK_EMAIL_FROM, NALTRACK_SMS_PROVIDER and NALTRACK_TWILIO_*."""
    debug = parse_bool("NALTRACK_DEBUG", environ.get("NALTRACK_DEBUG"), False)
    # The short name the portal shows (read_clinic_info), which every reminder carries: it must
    # be short, and it must not reveal the program.
    name = read_clinic_info(environ).short_name
    if len(name) > 40:
        raise ConfigError("NALTRACK_CLINIC_SHORT_NAME", f"must be at most 40 characters (got {len(name)})")  # fmt: skip
    if forbidden_words_in(name):
        raise ConfigError(
            "NALTRACK_CLINIC_SHORT_NAME",
            f"reminders must not reveal the program; the name contains {forbidden_words_in(name)[0]!r}",
        )
    url = (environ.get("NALTRACK_PUBLIC_URL") or "").strip().rstrip("/")
    if not url:
        hosts = [h.strip() for h in (environ.get("NALTRACK_ALLOWED_HOSTS") or "").split(",")
                 if h.strip() and h.strip() != "*" and not h.strip().startswith(".")]  # fmt: skip
        url = "http://127.0.0.1:8000" if debug or not hosts else f"https://{hosts[0]}"
    if not url.startswith(("https://", "http://")) or not urlsplit(url).hostname:
        raise ConfigError("NALTRACK_PUBLIC_URL", f"must be an address such as https://clinic.example.org (got {url!r})")  # fmt: skip
    if forbidden_words_in(url.replace(".", " ").replace("-", " ").replace("/", " ")):
        raise ConfigError("NALTRACK_PUBLIC_URL", "reminders carry this address: it must not reveal the program")  # fmt: skip
    provider = (environ.get("NALTRACK_SMS_PROVIDER") or "none").strip().lower()
    if provider not in SMS_PROVIDERS:
        raise ConfigError("NALTRACK_SMS_PROVIDER", f"must be one of {', '.join(SMS_PROVIDERS)} (got {provider!r})")  # fmt: skip
    twilio = {k: (environ.get(f"NALTRACK_TWILIO_{k}") or "").strip()
              for k in ("ACCOUNT_SID", "AUTH_TOKEN", "FROM")}  # fmt: skip
    if provider == "twilio":
        for key, value in twilio.items():
            if not value:
                raise ConfigError(f"NALTRACK_TWILIO_{key}", "is required when NALTRACK_SMS_PROVIDER is twilio")  # fmt: skip
    smtp_host = (environ.get("NALTRACK_SMTP_HOST") or "").strip() or None
    email_from = (environ.get("NALTRACK_EMAIL_FROM") or "reminders@localhost").strip()
    if "@" not in email_from:
        raise ConfigError("NALTRACK_EMAIL_FROM", f"must be an email address (got {email_from!r})")
    if forbidden_words_in(email_from):
        raise ConfigError("NALTRACK_EMAIL_FROM", "reminders must not reveal the program; choose a neutral sender address")  # fmt: skip

    def number(variable: str, default: int, bounds: tuple[int, int]) -> int:
        return parse_int(variable, environ.get(variable), default, *bounds)

    templates_raw = (environ.get("NALTRACK_REMINDER_TEMPLATES") or "").strip()
    templates_dir = Path(templates_raw).absolute() if templates_raw else None
    if templates_dir is not None and not (templates_dir / "reminders" / "messages").is_dir():
        raise ConfigError("NALTRACK_REMINDER_TEMPLATES", f"must be a folder holding reminders/messages/ (got {templates_raw!r})")  # fmt: skip

    return ReminderConfig(
        clinic_short_name=name, public_url=url,
        max_attempts=number("NALTRACK_REMINDER_MAX_ATTEMPTS", 5, REMINDER_ATTEMPTS_RANGE),
        backoff_seconds=number("NALTRACK_REMINDER_BACKOFF_SECONDS", 60, REMINDER_BACKOFF_RANGE_S),
        poll_seconds=number("NALTRACK_REMINDER_POLL_SECONDS", 30, REMINDER_POLL_RANGE_S),
        lease_seconds=number("NALTRACK_REMINDER_LEASE_SECONDS", 600, REMINDER_LEASE_RANGE_S),
        send_hour=number("NALTRACK_REMINDER_SEND_HOUR", 10, (0, 23)),
        smtp_host=smtp_host, smtp_port=number("NALTRACK_SMTP_PORT", 25, (1, 65535)),
        smtp_user=(environ.get("NALTRACK_SMTP_USER") or "").strip(),
        smtp_password=environ.get("NALTRACK_SMTP_PASSWORD") or "",
        smtp_tls=parse_bool("NALTRACK_SMTP_TLS", environ.get("NALTRACK_SMTP_TLS"), False),
        email_from=email_from, sms_provider=provider,
        twilio_account_sid=twilio["ACCOUNT_SID"], twilio_auth_token=twilio["AUTH_TOKEN"],
        twilio_from=twilio["FROM"], templates_dir=templates_dir,
    )  # fmt: skip


# --- CDS Hooks clients (issue 13) -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CdsClient:
    """An EHR allowed to call naltrack's CDS Hooks services: the `iss` of its signed JWTs, the
    address of its public keys (JWKS, fetched and cached), and its name as the consent filter
    knows a recipient (a consent naming the patient's treating providers, or this name)."""

    iss: str
    name: str
    jwks_url: str


def _client_list(environ: Mapping[str, str], variable: str) -> list[object]:
    """The JSON list of registered systems in `variable` (empty when it is unset or blank)."""
    raw = (environ.get(variable) or "").strip()
    if not raw:
        return []
    try:
        items = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(variable, f"must be a JSON list ({exc})") from exc
    if not isinstance(items, list):
        raise ConfigError(variable, "must be a JSON list of clients")
    return items


def read_cds_clients(environ: Mapping[str, str]) -> tuple[CdsClient, ...]:
    """NALTRACK_CDS_CLIENTS: a JSON list of {"iss", "name", "jwks_url"}; none: no EHR may call."""
    variable = "NALTRACK_CDS_CLIENTS"
    items = _client_list(environ, variable)
    out: list[CdsClient] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or set(item) != {"iss", "name", "jwks_url"}:
            raise ConfigError(variable, f"client {i}: give exactly iss, name and jwks_url")
        if not all(isinstance(v, str) and v.strip() and len(v) <= 300 for v in item.values()):
            raise ConfigError(
                variable, f"client {i}: iss, name and jwks_url must be text of 1 to 300 characters"
            )
        if len(item["name"]) > 150:
            raise ConfigError(variable, f"client {i}: name must be at most 150 characters")
        if not item["jwks_url"].startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError(
                variable, f"client {i}: jwks_url must be https (loopback http for tests)"
            )
        out.append(CdsClient(item["iss"].strip(), item["name"].strip(), item["jwks_url"].strip()))
    if len({c.iss for c in out}) != len(out):
        raise ConfigError(variable, "two clients have the same iss")
    return tuple(out)


# --- SMART Backend Services clients of /fhir (issue 13) --------------------------------------------

# The SMART scopes a backend client may be granted: system/<resource or *>.<read permissions>
# (SMART App Launch 2.x `rs`, `r`, `s`; 1.0's `read`). naltrack's FHIR server is read-only.
SYSTEM_SCOPE = re.compile(r"^system/(\*|[A-Z][A-Za-z]{1,40})\.(rs|r|s|read)$")
# What a client is to the consent filter (clinical/consent.py): the purposes a backend client may
# be registered for. Never ETREAT: the emergency exception is declared by a person, case by case.
BACKEND_PURPOSES = ("TREAT", "HPAYMT", "HOPERAT", "HRESCH")
BACKEND_RECIPIENT_CLASSES = ("", "treating_providers", "health_plans", "program_operations")


@dataclass(frozen=True, slots=True)
class FhirClient:
    """A system allowed to read /fhir with SMART Backend Services: its `client_id` (the `iss` and
    `sub` of its signed assertions), its name and kind as the consent filter knows a recipient,
    the purpose its reads serve, the address of its public keys (JWKS) and the scopes it may be
    granted. Each patient's records it reads are a disclosure: to `name`, for `purpose`."""

    client_id: str
    name: str
    jwks_url: str
    scopes: tuple[str, ...]
    purpose: str
    recipient_class: str = ""


def read_fhir_clients(environ: Mapping[str, str]) -> tuple[FhirClient, ...]:
    """NALTRACK_FHIR_CLIENTS: a JSON list of {"client_id", "name", "jwks_url", "scopes",
    "purpose", "recipient_class"}; none: no outside system may read /fhir."""
    variable = "NALTRACK_FHIR_CLIENTS"
    items = _client_list(environ, variable)
    fields = {"client_id", "name", "jwks_url", "scopes", "purpose", "recipient_class"}
    out: list[FhirClient] = []
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not {"client_id", "name", "jwks_url", "scopes", "purpose"} <= set(item) <= fields:  # fmt: skip
            raise ConfigError(variable, f"client {i}: give client_id, name, jwks_url, scopes and purpose (and recipient_class)")  # fmt: skip
        texts = {k: item[k] for k in ("client_id", "name", "jwks_url")}
        if not all(isinstance(v, str) and v.strip() and len(v) <= 300 for v in texts.values()):
            raise ConfigError(variable, f"client {i}: client_id, name and jwks_url must be text of 1 to 300 characters")  # fmt: skip
        if len(item["name"]) > 150:
            raise ConfigError(variable, f"client {i}: name must be at most 150 characters")
        if not item["jwks_url"].startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError(variable, f"client {i}: jwks_url must be https (loopback http for tests)")  # fmt: skip
        scopes = item["scopes"]
        if not isinstance(scopes, list) or not scopes or not all(isinstance(s, str) and SYSTEM_SCOPE.match(s) for s in scopes):  # fmt: skip
            raise ConfigError(variable, f"client {i}: scopes must be a list of system scopes such as system/Patient.rs or system/*.rs")  # fmt: skip
        if item["purpose"] not in BACKEND_PURPOSES:
            raise ConfigError(variable, f"client {i}: purpose must be one of {', '.join(BACKEND_PURPOSES)}")  # fmt: skip
        kind = item.get("recipient_class", "")
        if kind not in BACKEND_RECIPIENT_CLASSES:
            raise ConfigError(variable, f"client {i}: recipient_class must be one of {', '.join(c for c in BACKEND_RECIPIENT_CLASSES if c)} or left out")  # fmt: skip
        out.append(FhirClient(item["client_id"].strip(), item["name"].strip(),
                              item["jwks_url"].strip(), tuple(scopes), item["purpose"], kind))  # fmt: skip
    if len({c.client_id for c in out}) != len(out):
        raise ConfigError(variable, "two clients have the same client_id")
    return tuple(out)
