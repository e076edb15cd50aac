"""Settings for the test suite: development mode unless the environment says otherwise.

The database comes from NALTRACK_DATABASE_URL like everywhere else, so `make test` runs the
database tests once on SQLite and once on PostgreSQL.
"""

import os

os.environ.setdefault("NALTRACK_DEBUG", "true")
# The suite's clinic runs on UTC unless a test says otherwise (the machine's zone must not matter).
os.environ.setdefault("NALTRACK_TIME_ZONE", "UTC")

from naltrack.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; tests only
