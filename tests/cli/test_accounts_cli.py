"""`naltrack user ...` and `naltrack token ...` as an operator runs them: a subprocess on a fresh
SQLite database. Exit 0 and a plain line when done; exit 2 with `naltrack: FIELD: message` on
standard error, and nothing changed, when the input is bad."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

NALTRACK = Path(sys.executable).with_name("naltrack")


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    folder = tmp_path_factory.mktemp("accounts-cli")
    # Its own clinic: none of the suite's settings (tests.settings, the suite's database).
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("NALTRACK_") and k != "DJANGO_SETTINGS_MODULE"}  # fmt: skip
    environ = {**clean, "NALTRACK_DEBUG": "true", "NALTRACK_TIME_ZONE": "UTC",
               "NALTRACK_DATABASE_URL": f"sqlite:///{folder / 'clinic.sqlite3'}"}  # fmt: skip
    done = subprocess.run([str(NALTRACK), "manage", "migrate", "-v", "0"], env=environ,
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    yield environ


def naltrack(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(NALTRACK), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


def rows(env: dict[str, str], sql: str) -> list[tuple[object, ...]]:
    path = env["NALTRACK_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_an_operator_adds_a_director_and_a_nurse_and_manages_them(env: dict[str, str]) -> None:
    done = naltrack(env, "user", "create", "dana.director", "--role", "director")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("added dana.director (Program director)\n")
    assert re.search(r"one-time password .*: [a-z2-9]{4}(-[a-z2-9]{4}){3}$", done.stdout, re.M)
    assert naltrack(env, "user", "create", "nina.nurse", "--role", "nurse").returncode == 0

    done = naltrack(env, "user", "create", "nina.nurse", "--role", "nurse")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "naltrack: username: 'nina.nurse' is taken\n"

    done = naltrack(env, "user", "set-role", "nina.nurse", "wizard")
    assert done.returncode == 2 and done.stderr.startswith("naltrack: role: 'wizard' is not a role")
    assert rows(env, "select role from accounts_staffprofile p join auth_user u on u.id = p.user_id "
                     "where username = 'nina.nurse'") == [("nurse",)]  # fmt: skip

    assert naltrack(env, "user", "set-role", "nina.nurse", "prescriber").stdout == (
        "nina.nurse is now Prescriber\n"
    )
    listing = naltrack(env, "user", "list").stdout
    assert re.search(r"^nina\.nurse\s+-\s+prescriber\s+enabled, must change password\s+0\s+-$",
                     listing, re.M)  # fmt: skip

    token = naltrack(env, "token", "create", "--user", "nina.nurse", "--scope", "read")
    assert token.returncode == 0 and re.fullmatch(r"nt_\S+\n", token.stdout)
    assert naltrack(env, "user", "disable", "nina.nurse").stdout == (
        "nina.nurse disabled; 0 session(s) ended, 1 API token(s) revoked\n"
    )
    assert rows(env, "select is_active from auth_user where username = 'nina.nurse'") == [(0,)]
    assert "revoked" in naltrack(env, "token", "list", "--all").stdout
    assert naltrack(env, "user", "enable", "nina.nurse").returncode == 0

    done = naltrack(env, "user", "disable", "dana.director")
    assert done.returncode == 2
    assert done.stderr.startswith("naltrack: user: dana.director is the only enabled director")
    actors = rows(
        env, "select distinct actor from audit_auditevent where object_type = 'staff_user'"
    )
    assert len(actors) == 1 and str(actors[0][0]).startswith("console:")


def test_help_lists_the_account_commands(env: dict[str, str]) -> None:
    out = naltrack(env, "user", "--help").stdout
    for command in ("create", "list", "set-role", "disable", "enable", "reset-password"):
        assert command in out
    out = naltrack(env, "token", "--help").stdout
    for command in ("create", "list", "revoke"):
        assert command in out
