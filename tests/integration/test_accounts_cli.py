"""`naltrack user ...` and `naltrack token ...` on this database (SQLite, then PostgreSQL): each
does what it says, is audited as the console's operator, and bad input exits 2 naming the field
with nothing changed. (tests/cli/test_accounts_cli.py runs them as a subprocess.)"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from naltrack.accounts.models import ApiToken, StaffProfile
from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.accounts.tokens import issue_token
from naltrack.audit.models import AuditEvent
from naltrack.cli.main import main
from tests.integration.conftest import PASSWORD, TODAY, at

# The clinic's clock is pinned to TODAY (tests never read the machine's clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]


def run(capsys: Any, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def state() -> list[Any]:
    """Everything these commands may change, to show that a refusal changed none of it."""
    return [
        *User.objects.order_by("pk").values_list("username", "is_active", "password"),
        *StaffProfile.objects.order_by("pk").values_list("user__username", "role"),
        *ApiToken.objects.order_by("pk").values_list("pk", "revoked_at"),
        AuditEvent.objects.count(),
    ]


def test_user_create_gives_a_role_and_a_one_time_password(capsys: Any) -> None:
    code, out, _ = run(capsys, "user", "create", "nina.nurse", "--role", "nurse",
                       "--name", "Nina Nurse")  # fmt: skip
    assert code == 0
    password = re.search(r"one-time password .*: (\S+)$", out, re.M)
    assert password is not None
    user = User.objects.get(username="nina.nurse")
    assert user.staff.role == Role.NURSE and user.staff.password_change_required
    assert user.check_password(password.group(1))
    event = AuditEvent.objects.get(object_type="staff_user")
    assert event.actor.startswith("console:") and "added as Nurse" in event.detail


def test_user_create_with_a_prompt_validates_the_password(capsys: Any, monkeypatch: Any) -> None:
    answers = iter(["password", "password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    code, _, err = run(capsys, "user", "create", "nina.nurse", "--role", "nurse",
                       "--password-prompt")  # fmt: skip
    assert code == 2 and err.startswith("naltrack: password: ")
    assert not User.objects.exists()
    answers = iter(["nina-picks-a-long-one", "nina-picks-a-long-one"])
    assert (
        run(capsys, "user", "create", "nina.nurse", "--role", "nurse", "--password-prompt")[0] == 0
    )
    user = User.objects.get(username="nina.nurse")
    assert user.check_password("nina-picks-a-long-one") and not user.staff.password_change_required


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("user", "create", "pat.prescriber", "--role", "surgeon"), "naltrack: role: 'surgeon' is not a role; use one of prescriber, nurse, counselor, coordinator, director"),
        (("user", "create", "dana.director", "--role", "nurse"), "naltrack: username: 'dana.director' is taken"),
        (("user", "create", "bad name", "--role", "nurse"), "naltrack: username: Enter a valid username."),
        (("user", "set-role", "ghost", "nurse"), "naltrack: user: no staff member is called 'ghost'"),
        (("user", "set-role", "dana.director", "boss"), "naltrack: role: 'boss' is not a role"),
        (("user", "set-role", "dana.director", "nurse"), "naltrack: role: dana.director is the only enabled director"),
        (("user", "disable", "ghost"), "naltrack: user: no staff member is called 'ghost'"),
        (("user", "disable", "dana.director"), "naltrack: user: dana.director is the only enabled director"),
        (("user", "enable", "dana.director"), "naltrack: user: dana.director is already enabled"),
        (("token", "create", "--user", "ghost"), "naltrack: user: no staff member is called 'ghost'"),
        (("token", "create", "--user", "dana.director", "--scope", "admin"), "naltrack: scope: admin is not a scope"),
        (("token", "create", "--user", "dana.director", "--days", "366"), "naltrack: days: must be from 1 to 365 days"),
        (("token", "revoke", "999"), "naltrack: token: no token has the id 999"),
        (("token", "revoke", "abc"), "naltrack: token: must be a token id"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_naming_the_field_and_changes_nothing(
    capsys: Any, argv: tuple[str, ...], message: str
) -> None:
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    before = state()
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert err.startswith(message), err
    assert out == ""
    assert state() == before


def test_set_role_disable_and_enable(capsys: Any) -> None:
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    c = Client()
    assert c.post("/login/", {"username": "nina.nurse", "password": PASSWORD}).status_code == 302
    assert (
        run(capsys, "user", "set-role", "nina.nurse", "prescriber")[1]
        == "nina.nurse is now Prescriber\n"
    )
    code, out, _ = run(capsys, "user", "disable", "nina.nurse")
    assert code == 0
    assert out == "nina.nurse disabled; 1 session(s) ended, 0 API token(s) revoked\n"
    assert c.get("/patients/")["Location"].startswith("/login/")
    assert run(capsys, "user", "enable", "nina.nurse")[0] == 0
    assert User.objects.get(username="nina.nurse").is_active
    details = list(
        AuditEvent.objects.filter(object_type="staff_user")
        .order_by("seq")
        .values_list("detail", flat=True)
    )
    assert details == ["role of nina.nurse: Nurse -> Prescriber",
                       "nina.nurse disabled; 1 session(s) ended, 0 API token(s) revoked",
                       "nina.nurse enabled"]  # fmt: skip


def test_user_list_shows_every_account(capsys: Any) -> None:
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    User.objects.create_user("old.admin", password=PASSWORD)  # createsuperuser's kind: no role
    code, out, _ = run(capsys, "user", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["username", "name", "role"]
    assert lines[1].split()[:3] == ["dana.director", "-", "director"]
    assert lines[2].split()[:3] == ["old.admin", "-", "(none)"]


def test_token_create_list_and_revoke(capsys: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    code, out, err = run(capsys, "token", "create", "--user", "nina.nurse", "--scope", "read",
                         "--days", "30", "--label", "lab feed")  # fmt: skip
    assert code == 0
    token = out.strip()
    assert re.fullmatch(r"nt_[A-Za-z0-9_-]{40,}", token)  # alone on standard output
    assert "scopes read" in err
    row = ApiToken.objects.get()
    assert row.expires_at - row.created_at == timedelta(days=30)
    api = Client()
    auth = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/patients", headers=auth).status_code == 200
    assert api.post("/api/patients", data="{}", content_type="application/json",
                    headers=auth).status_code == 403  # fmt: skip

    code, out, _ = run(capsys, "token", "list")
    assert code == 0
    assert re.search(
        rf"^{row.pk}\s+nina\.nurse\s+{re.escape(row.prefix)}…\s+read\s.*active\s+lab feed$",
        out,
        re.M,
    )
    assert token not in out

    assert (
        run(capsys, "token", "revoke", str(row.pk))[1]
        == f"token {row.pk} ({row.prefix}…) of nina.nurse revoked\n"
    )
    assert api.get("/api/patients", headers=auth).status_code == 401
    assert "no active tokens" in run(capsys, "token", "list")[1]
    assert "revoked" in run(capsys, "token", "list", "--all")[1]


def test_token_list_shows_expired_tokens_only_with_all(capsys: Any) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    issue_token("nina.nurse", at=at(TODAY - timedelta(days=40)), by=_console(), days=30)
    assert "no active tokens" in run(capsys, "token", "list", "--user", "nina.nurse")[1]
    assert "expired" in run(capsys, "token", "list", "--all")[1]


def test_the_default_token_reads_and_writes_as_before(capsys: Any) -> None:
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)
    token = run(capsys, "token", "create", "--user", "cora.coordinator")[1].strip()
    assert ApiToken.objects.get().scopes == "read write"
    body = ('{"mrn": "MRN-0701", "given_name": "Cli", "family_name": "Test", '
            '"birth_date": "1990-01-01", "sex_at_birth": "male"}')  # fmt: skip
    r = Client().post("/api/patients", data=body, content_type="application/json",
                      headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert r.status_code == 201


def _console() -> Any:
    from naltrack.accounts.actors import Console

    return Console("console:tester")
