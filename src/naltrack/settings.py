"""Django settings: every value comes from naltrack.config, read and validated once, here."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from .config import read_clinic_info, read_config, read_mrn_scheme, read_signin_config

CONFIG = read_config(os.environ)
# The clinic's name, phone and where naloxone is, as the patient portal shows them (issue 11).
CLINIC_INFO = read_clinic_info(os.environ)
# How naltrack numbers new patients: the clinic's MRN prefix and check digit (issue 12).
MRN_SCHEME = read_mrn_scheme(os.environ)
# Email (portal invitations): Django's SMTP backend (EMAIL_HOST, default localhost:25) in
# production; in development the message is printed by the server instead of sent.
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if CONFIG.debug
    else "django.core.mail.backends.smtp.EmailBackend"
)

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
DATABASES = {"default": CONFIG.database.django()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "naltrack.audit",
    "naltrack.accounts",
    "naltrack.patients",
    "naltrack.screening",
    "naltrack.treatment",
    "naltrack.appointments",
    "naltrack.monitoring",
    "naltrack.counselling",
    "naltrack.selfreport",
    "naltrack.disclosure",
    "naltrack.inventory",
    "naltrack.alerts",
    "naltrack.worklist",
    "naltrack.reports",
    "naltrack.chart",
    "naltrack.staff",
    "naltrack.card",
    "naltrack.outreach",
    "naltrack.intake",
    "naltrack.choice",
    "naltrack.insurance",
    "naltrack.portal",
    "naltrack.merge",
    "naltrack.naloxone",
    "naltrack.outcomes",
    "naltrack.fhir",
    "naltrack.cdshooks",
    "naltrack.web",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "naltrack.web.limits.BodyLimitMiddleware",  # 413 for an oversize body, before anything reads it
    "csp.middleware.CSPMiddleware",  # Content-Security-Policy (django-csp; settings at the end)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "naltrack.web.idempotency.IdempotencyMiddleware",
    # one audit event per patient per page view or API call, naming each part read (web/auditing.py)
    "naltrack.web.auditing.OneReadPerPatientMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "naltrack.urls"
# A record is a few kilobytes; a larger body is refused with 413 (web/limits.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).resolve().parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "naltrack.web.context.page_context",
            ],
            "builtins": ["naltrack.web.templatetags.naltrack_tags"],
        },
    }
]
WSGI_APPLICATION = "naltrack.wsgi.application"

# Passwords: Django's PBKDF2 default, with the validators a clinic account needs.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
# The patient portal, its reminders, the wallet card and the letter are in English and Spanish
# (issue 11); the portal activates the patient's language per request (portal/pages.py), the card
# and the letter their own (translation.override). Staff pages stay English (no LocaleMiddleware).
# Catalogues: src/naltrack/locale/<lang>/LC_MESSAGES/django.po, compiled to django.mo and
# committed (`make messages` rebuilds both; tests/integration/test_translations.py checks them).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [Path(__file__).resolve().parent / "locale"]
USE_I18N = True
# The clinic's zone (NALTRACK_TIME_ZONE): clock.today(), local_day() and __date lookups use it.
TIME_ZONE = CONFIG.time_zone
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = CONFIG.data_dir / "static"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "today"
LOGOUT_REDIRECT_URL = "login"

# Security headers and cookies (substance-use records: 42 CFR Part 2).
SESSION_COOKIE_SECURE = CONFIG.secure_cookies
CSRF_COOKIE_SECURE = CONFIG.secure_cookies
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one clinic shift
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# ---- Sign-in, sessions and security headers (issue 10; naltrack.signin) ------------------------
# Kept in one block: the lists above are extended here, each entry placed next to the one it
# must follow.
from csp.constants import NONE, SELF  # noqa: E402

SIGNIN = read_signin_config(os.environ)


def _insert_after(items: list[str], anchor: str, *new: str) -> None:
    at = items.index(anchor) + 1
    items[at:at] = new


INSTALLED_APPS += [
    "axes",  # failed sign-ins counted per account and per address; locks (signin/lockout.py)
    "django_otp",
    "django_otp.plugins.otp_totp",  # the second factor: an authenticator app (RFC 6238)
    "django_otp.plugins.otp_static",  # its recovery codes, each good once
    "csp",
    "naltrack.signin",
]
_insert_after(MIDDLEWARE, "django.contrib.auth.middleware.AuthenticationMiddleware",
              "django_otp.middleware.OTPMiddleware")  # fmt: skip
_insert_after(
    MIDDLEWARE,
    "django.contrib.messages.middleware.MessageMiddleware",
    "naltrack.signin.middleware.IdleTimeoutMiddleware",  # signs out a session left idle
    "naltrack.signin.middleware.SecondFactorMiddleware",  # the TOTP step before any page
)
# A patient portal account's session reaches the portal only (before the staff sign-in steps).
_insert_after(MIDDLEWARE, "django_otp.middleware.OTPMiddleware",
              "naltrack.portal.middleware.PortalBoundaryMiddleware")  # fmt: skip
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as django-axes requires
AUTHENTICATION_BACKENDS = [
    "naltrack.signin.lockout.LockoutBackend",  # refuses a locked account or address first
    # Django's password check; it loads the signed-in user with their role in one query
    "naltrack.accounts.backends.StaffBackend",
]

# Lockout (signin/lockout.py): 5 failed sign-ins for one account, or 20 from one address (a
# clinic's staff often share one address), within 30 minutes lock it for 30 minutes after the last
# failure, or until the director unlocks it (/staff/lockouts/). A bad API token counts against its
# address. The address is REMOTE_ADDR: behind a proxy, the proxy must pass the client's.
SIGNIN_ACCOUNT_FAILURE_LIMIT = 5
SIGNIN_ADDRESS_FAILURE_LIMIT = 20
AXES_HANDLER = "naltrack.signin.lockout.ClinicLockoutHandler"
AXES_FAILURE_LIMIT = SIGNIN_ACCOUNT_FAILURE_LIMIT
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # rows; the handler counts both ways
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True  # a right password clears that account's failures from that address
AXES_LOCKOUT_CALLABLE = "naltrack.signin.views.locked_out"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]  # never kept in clear
AXES_ENABLE_ADMIN = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are recorded once, in the audit trail (accounts.signals)
AXES_VERBOSE = False

# Sessions: signed out after NALTRACK_IDLE_TIMEOUT_MINUTES without a request (signin/middleware).
SIGNIN_IDLE_TIMEOUT_S = SIGNIN.idle_timeout_minutes * 60
# Second factor (NALTRACK_REQUIRE_SECOND_FACTOR): prescribers and directors pass a TOTP code.
SIGNIN_REQUIRE_SECOND_FACTOR = SIGNIN.require_second_factor
OTP_TOTP_ISSUER = "naltrack"

# Content-Security-Policy (django-csp): the app's own scripts and styles only (no CDN, no inline
# script or style), images from itself or data: URIs (the enrolment QR code), no plugin, no frame.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Production serving (issue 10, Operations): gunicorn behind a TLS proxy (docs/deploy.md) ---
# One JSON line per request, with no PHI (web/logs.py), timing everything after it. In production
# whitenoise serves the static files `naltrack serve` collects into STATIC_ROOT (CSS, htmx) before
# it; development's server serves them from the apps, with no collect step.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "naltrack.web.logs.RequestLogMiddleware",
)
if not DEBUG:
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
# First of all: the client's address from the trusted proxy's X-Forwarded-For (web/proxy.py).
MIDDLEWARE.insert(0, "naltrack.web.proxy.ForwardedForMiddleware")
NALTRACK_TRUSTED_PROXIES = list(CONFIG.serving.trusted_proxies)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # At collectstatic: a copy of each file named by its content's hash (app.3f2a....css), which
    # the pages link to and whitenoise lets browsers keep for a year without asking again (a new
    # release links to new names), and gzip copies for clients that accept them. Development
    # mode links to the plain names.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
_SERVING = CONFIG.serving
# The proxy terminates TLS and says so in this header; Django trusts it (secure cookies, redirects)
# because gunicorn listens on loopback only, behind that proxy.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _SERVING.proxy_ssl_header.upper().replace("-", "_"), "https")
    if _SERVING.proxy_ssl_header
    else None
)
CSRF_TRUSTED_ORIGINS = list(_SERVING.csrf_trusted_origins)
SECURE_SSL_REDIRECT = _SERVING.ssl_redirect
# The proxy's and the orchestrator's probes speak plain HTTP to the app on loopback.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = _SERVING.hsts_seconds
SECURE_HSTS_INCLUDE_SUBDOMAINS = False  # other hosts of the clinic's domain are not ours to pin
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "naltrack.web.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "naltrack": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # runserver's own access lines repeat naltrack.request's; its errors stay
        "django.server": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Reminders to patients (issue 11, naltrack.reminders): email through Django's SMTP backend,
# SMS through a provider adapter; `naltrack reminders run` sends them (reminders/worker.py).
from .config import read_reminder_config  # noqa: E402

REMINDERS = read_reminder_config(os.environ)

from .config import read_cds_clients, read_fhir_clients  # noqa: E402

# The EHRs allowed to call the CDS Hooks services (issue 13), with their keys' address.
CDS_CLIENTS = read_cds_clients(os.environ)
# The systems allowed to read /fhir with SMART Backend Services (issue 13): keys, scopes, and what
# each is to the consent filter (recipient, purpose).
FHIR_CLIENTS = read_fhir_clients(os.environ)
# Where Bulk Data $export jobs write their NDJSON files (fhir/bulk.py), one folder per job.
BULK_EXPORT_DIR = CONFIG.data_dir / "bulk"
# A kick-off starts its job in a thread of the serving process at once; `naltrack bulk run` picks
# up what a restart left waiting. The tests that drive the worker themselves turn this off.
BULK_IN_PROCESS = True
INSTALLED_APPS.append("naltrack.reminders")
EMAIL_HOST = REMINDERS.smtp_host or "localhost"
EMAIL_PORT = REMINDERS.smtp_port
EMAIL_HOST_USER = REMINDERS.smtp_user
EMAIL_HOST_PASSWORD = REMINDERS.smtp_password
EMAIL_USE_TLS = REMINDERS.smtp_tls
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = REMINDERS.email_from
if REMINDERS.templates_dir is not None:  # the clinic's own reminder wording comes first
    TEMPLATES[0]["DIRS"] = [REMINDERS.templates_dir, Path(__file__).resolve().parent / "templates"]
