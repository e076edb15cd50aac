"""Staff accounts (issue 10): the director adds staff with a role and a one-time password, changes
roles, disables and re-enables accounts and revokes tokens on /staff/; every staff member changes
their password and manages their own tokens on /account/. Every change is audited; bad input is
refused naming the field, with nothing changed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client

from naltrack.accounts.actors import Console
from naltrack.accounts.models import ApiToken, StaffProfile
from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff
from naltrack.accounts.staff import add_staff, disable, set_role, staff_list
from naltrack.accounts.tokens import issue_token
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import InputError
from tests.integration.conftest import NOW, NURSE, PASSWORD, login

# The clinic's clock is pinned to TODAY (tests never read the machine's clock).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

CONSOLE = Console("console:tester")
ONE_TIME = re.compile(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}")


def signed_in(username: str, password: str) -> Client:
    c = Client()
    assert c.post("/login/", {"username": username, "password": password}).status_code == 302
    return c


@pytest.fixture
def director(fixed_today: None) -> Client:
    return login(Role.DIRECTOR, "dana.director")


def events(object_type: str = "staff_user") -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("seq"))


# --- the page -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r != Role.DIRECTOR])
def test_only_the_director_opens_the_staff_page(fixed_today: None, role: Role) -> None:
    c = login(role, f"someone.{role.value}")
    assert c.get("/staff/").status_code == 403
    r = c.post("/staff/", {"form": "add", "username": "eve.sneaky", "role": "director"})
    assert r.status_code == 403
    assert not User.objects.filter(username="eve.sneaky").exists()


def test_the_director_sees_staff_in_the_menu_and_others_do_not(director: Client) -> None:
    assert 'href="/staff/"' in director.get("/audit/").content.decode()
    nurse = login(Role.NURSE, "nina.nurse")
    assert 'href="/staff/"' not in nurse.get("/today/").content.decode()


def test_adding_a_staff_member_shows_a_one_time_password_that_works_once(
    director: Client,
) -> None:
    r = director.post("/staff/", {"form": "add", "username": "nora.newnurse",
                                  "full_name": "Nora Newnurse", "role": "nurse"})  # fmt: skip
    assert r.status_code == 200
    page = r.content.decode()
    password = ONE_TIME.search(page)
    assert password is not None and "nora.newnurse added as Nurse" in page
    user = User.objects.get(username="nora.newnurse")
    assert user.staff.role == Role.NURSE and user.get_full_name() == "Nora Newnurse"
    assert user.staff.password_change_required
    [event] = events()
    assert event.actor == "dana.director" and event.action == "create"
    assert "added as Nurse" in event.detail and password.group() not in event.detail

    # The new nurse signs in with it and is sent to choose their own password first.
    nora = signed_in("nora.newnurse", password.group())
    r = nora.get("/today/")
    assert r.status_code == 302 and r["Location"] == "/account/"
    page = nora.get("/account/").content.decode()
    assert "Choose your own password" in page and "New API token" not in page
    r = nora.post("/account/", {"form": "password", "current_password": password.group(),
                                "new_password": "nora-chooses-a-long-one",
                                "new_password_again": "nora-chooses-a-long-one"})  # fmt: skip
    assert r.status_code == 302
    assert nora.get("/today/").status_code == 200  # the same session goes on
    user.refresh_from_db()
    assert not user.staff.password_change_required
    assert not user.check_password(password.group())


@pytest.mark.parametrize(
    ("form", "field", "words"),
    [
        ({"username": "dana.director", "role": "nurse"}, "username", "is taken"),
        ({"username": "DANA.director", "role": "nurse"}, "username", "is taken"),
        ({"username": "bad name!", "role": "nurse"}, "username", "valid username"),
        ({"username": "", "role": "nurse"}, "username", "required"),
        ({"username": "new.person", "role": "surgeon"}, "role", "valid choice"),
    ],
)
def test_bad_additions_are_refused_beside_the_field(
    director: Client, form: dict[str, str], field: str, words: str
) -> None:
    before = User.objects.count()
    r = director.post("/staff/", {"form": "add", **form})
    assert r.status_code == 400
    errors = r.context["add"].errors
    assert field in errors and words in " ".join(errors[field])
    assert User.objects.count() == before and not events()


def test_the_director_changes_a_role_and_it_is_audited(director: Client) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    r = director.post("/staff/", {"form": "role", "username": "nina.nurse", "role": "prescriber"})
    assert r.status_code == 302
    assert StaffProfile.objects.get(user__username="nina.nurse").role == Role.PRESCRIBER
    [event] = events()
    assert event.detail == "role of nina.nurse: Nurse -> Prescriber"
    assert event.actor == "dana.director"


@pytest.mark.parametrize(
    ("form", "words"),
    [
        ({"form": "role", "username": "nina.nurse", "role": "surgeon"}, "role: 'surgeon' is not a role"),
        ({"form": "role", "username": "ghost", "role": "nurse"}, "user: no staff member is called 'ghost'"),
        ({"form": "role", "username": "dana.director", "role": "nurse"}, "only enabled director"),
        ({"form": "disable", "username": "dana.director"}, "cannot disable your own account"),
        ({"form": "enable", "username": "nina.nurse"}, "already enabled"),
        ({"form": "revoke", "token": "999"}, "token: no token has the id 999"),
    ],
)  # fmt: skip
def test_refused_row_actions_say_why_and_change_nothing(
    director: Client, form: dict[str, str], words: str
) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    r = director.post("/staff/", form)
    assert r.status_code == 400
    assert words in r.content.decode().replace("&#x27;", "'")
    assert not events()
    assert StaffProfile.objects.get(user__username="nina.nurse").role == Role.NURSE
    assert StaffProfile.objects.get(user__username="dana.director").role == Role.DIRECTOR


def test_disabling_ends_sessions_and_tokens_and_enabling_lets_them_sign_in_again(
    director: Client,
) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    assert nurse.get("/today/").status_code == 200
    token = issue_token("nina.nurse", at=NOW, by=CONSOLE).token
    sessions_before = Session.objects.count()
    r = director.post("/staff/", {"form": "disable", "username": "nina.nurse"})
    assert r.status_code == 302
    assert Session.objects.count() == sessions_before - 1  # the director's own stays
    assert nurse.get("/today/")["Location"].startswith("/login/")
    assert (
        Client().post("/login/", {"username": "nina.nurse", "password": PASSWORD}).status_code
        == 200
    )
    assert (
        Client().get("/api/patients", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    event = events()[-1]
    assert event.detail == "nina.nurse disabled; 1 session(s) ended, 1 API token(s) revoked"

    page = director.get("/staff/").content.decode()
    assert "disabled" in page and "Enable" in page
    assert director.post("/staff/", {"form": "enable", "username": "nina.nurse"}).status_code == 302
    assert signed_in("nina.nurse", PASSWORD).get("/today/").status_code == 200
    assert events()[-1].detail == "nina.nurse enabled"


def test_a_new_one_time_password_replaces_the_old_one(director: Client) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    r = director.post("/staff/", {"form": "reset", "username": "nina.nurse"})
    assert r.status_code == 200
    secret = ONE_TIME.search(r.content.decode())
    assert secret is not None
    assert nurse.get("/today/")["Location"].startswith("/login/")  # their session ended
    assert (
        Client().post("/login/", {"username": "nina.nurse", "password": PASSWORD}).status_code
        == 200
    )
    again = signed_in("nina.nurse", secret.group())
    assert again.get("/today/")["Location"] == "/account/"


def test_the_director_revokes_anyones_token_on_the_staff_page(director: Client) -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE)
    new = issue_token("nina.nurse", at=NOW, by=CONSOLE, scopes=["read"], label="lab feed")
    page = director.get("/staff/").content.decode()
    assert f"{new.row.prefix}…" in page and "lab feed" in page and new.token not in page
    r = director.post("/staff/", {"form": "revoke", "token": str(new.row.pk)})
    assert r.status_code == 302
    row = ApiToken.objects.get()
    assert row.revoked_at is not None and row.revoked_by == "dana.director"


def test_the_staff_page_links_the_sign_in_lockouts(director: Client) -> None:
    page = director.get("/staff/").content.decode()
    assert 'href="/staff/lockouts/"' in page and "Sign-in lockouts" in page


# --- the account page -----------------------------------------------------------------------


def test_a_staff_member_makes_lists_and_revokes_their_own_tokens(fixed_today: None) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    r = nurse.post("/account/", {"form": "token", "scope": ["read"], "days": "30",
                                 "label": "ward tablet"})  # fmt: skip
    assert r.status_code == 200
    token = re.search(r"nt_[A-Za-z0-9_-]{40,}", r.content.decode())
    assert token is not None
    row = ApiToken.objects.get()
    assert (row.scopes, row.label, (row.expires_at - row.created_at).days) == (
        "read",
        "ward tablet",
        30,
    )
    api = Client()
    auth = {"Authorization": f"Bearer {token.group()}"}
    assert api.get("/api/patients", headers=auth).status_code == 200
    page = nurse.get("/account/").content.decode()
    assert f"{row.prefix}…" in page and token.group() not in page  # shown once only
    assert nurse.post("/account/", {"form": "revoke", "token": str(row.pk)}).status_code == 302
    assert api.get("/api/patients", headers=auth).status_code == 401


def test_no_one_sees_or_revokes_another_ones_token_on_their_account_page(fixed_today: None) -> None:
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER)
    theirs = issue_token("pat.prescriber", at=NOW, by=CONSOLE).row
    nurse = login(Role.NURSE, "nina.nurse")
    assert f"{theirs.prefix}…" not in nurse.get("/account/").content.decode()
    r = nurse.post("/account/", {"form": "revoke", "token": str(theirs.pk)})
    assert r.status_code == 400 and "no token has the id" in r.content.decode()
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"current_password": "wrong-password-here", "new_password": "another-long-one-1",
          "new_password_again": "another-long-one-1"}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short",
          "new_password_again": "short"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "password1234",
          "new_password_again": "password1234"}, "new_password"),
        ({"current_password": PASSWORD, "new_password": "another-long-one-1",
          "new_password_again": "another-long-one-2"}, "new_password_again"),
    ],
)  # fmt: skip
def test_a_bad_password_change_is_refused_beside_the_field(
    fixed_today: None, form: dict[str, str], field: str
) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    r = nurse.post("/account/", {"form": "password", **form})
    assert r.status_code == 400
    assert field in r.context["password_form"].errors
    assert User.objects.get(username="nina.nurse").check_password(PASSWORD)


@pytest.mark.parametrize(
    ("form", "field"),
    [({"scope": [], "days": "30"}, "scope"), ({"scope": ["read"], "days": "400"}, "days")],
)
def test_a_bad_token_request_on_the_account_page_makes_nothing(
    fixed_today: None, form: dict[str, Any], field: str
) -> None:
    nurse = login(Role.NURSE, "nina.nurse")
    r = nurse.post("/account/", {"form": "token", **form})
    assert r.status_code == 400 and field in r.context["token_form"].errors
    assert not ApiToken.objects.exists()


# --- the use cases --------------------------------------------------------------------------


def test_only_the_director_or_the_console_manages_staff() -> None:
    with pytest.raises(PermissionRefused):
        add_staff("eve.sneaky", "director", by=NURSE, at=NOW)
    with pytest.raises(PermissionRefused):
        staff_list(by=NURSE)
    assert not User.objects.filter(username="eve.sneaky").exists()
    added = add_staff("dana.director", "director", by=CONSOLE, at=NOW)
    assert added.one_time_password and ONE_TIME.fullmatch(added.one_time_password)
    assert events()[0].actor == "console:tester"


def test_the_last_director_keeps_the_role_and_the_account() -> None:
    create_staff("dana.director", PASSWORD, Role.DIRECTOR)
    with pytest.raises(InputError, match="only enabled director") as err:
        set_role("dana.director", "nurse", by=CONSOLE, at=NOW)
    assert err.value.field == "role"
    with pytest.raises(InputError, match="only enabled director"):
        disable("dana.director", by=CONSOLE, at=NOW)
    create_staff("dan.deputy", PASSWORD, Role.DIRECTOR)
    set_role("dana.director", "nurse", by=CONSOLE, at=NOW)
    assert StaffProfile.objects.get(user__username="dana.director").role == Role.NURSE


def test_a_user_without_a_role_is_given_one() -> None:
    """`createsuperuser` made users with no role; set-role gives them one."""
    User.objects.create_user("old.admin", password=PASSWORD)
    assert staff_list(by=CONSOLE)[0].role is None
    set_role("old.admin", "director", by=CONSOLE, at=NOW)
    assert StaffProfile.objects.get(user__username="old.admin").role == Role.DIRECTOR
