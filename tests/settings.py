"""Settings for the test suite: development mode unless the environment says otherwise.

The database comes from NALTRACK_DATABASE_URL like everywhere else, so `make test` runs the
database tests once on SQLite and once on PostgreSQL.
"""

import os

os.environ.setdefault("NALTRACK_DEBUG", "true")
# The suite's clinic runs on UTC unless a test says otherwise (the machine's zone must not matter).
os.environ.setdefault("NALTRACK_TIME_ZONE", "UTC")
# The suite's fixtures make patients and staff without assigning care teams, and its tests are of
# roles and records: the care-team restriction is off here (it is on in every clinic unless
# turned off). tests/integration/test_care_team.py turns it on and tests it through the services,
# the pages and the API.
os.environ.setdefault("NALTRACK_CARE_TEAM_REQUIRED", "false")

from naltrack.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; tests only
# pytest-django renders pages with DEBUG off, where production's storage links each static file
# to its hashed copy, which only `naltrack serve`'s collect step makes: the suite links to the
# plain names (test_production_server.py checks the hashed names on the real server).
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# SQLite tests use a file, not the in-memory default: threads in the concurrency tests then have
# their own connections, with WAL and the busy timeout, as a clinic's server does (a shared-cache
# in-memory database refuses a second writer at once, whatever the timeout). One file per run,
# in memory-backed /dev/shm where there is one (no disk syncs: as fast as the in-memory default).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    import atexit
    import tempfile

    _folder = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    _test_db = os.path.join(_folder, f"naltrack-test-{os.getpid()}.sqlite3")
    DATABASES["default"]["TEST"] = {"NAME": _test_db}  # noqa: F405

    def _remove_test_files() -> None:
        """pytest-django deletes the database file; a connection still open then (a live server's
        thread) leaves SQLite's -wal and -shm files, which would pile up in /dev/shm."""
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(_test_db + suffix):
                os.remove(_test_db + suffix)

    atexit.register(_remove_test_files)
