"""Staff accounts and API tokens from the server's command line: `naltrack user ...` and
`naltrack token ...` (docs/cli.md).

The operator acts as `console:<login name>` in the audit trail; whoever can run commands on the
server holds the database already, so no role is asked. Bad input (an unknown role or user, a
taken username, a password the validators refuse) exits 2 with `naltrack: FIELD: message` on
standard error and changes nothing.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Sequence
from datetime import datetime

from .app import _django as with_django


def _when(at: datetime | None) -> str:
    from django.utils import timezone

    return timezone.localtime(at).strftime("%Y-%m-%d %H:%M") if at else "-"


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    for line in (header, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def _prompted_password() -> str:
    from naltrack.clinical.errors import InputError

    first = getpass.getpass("Password: ")
    if getpass.getpass("Password (again): ") != first:
        raise InputError("the two passwords differ", "password")
    return first


def _user_create(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.staff import add_staff

    password = _prompted_password() if args.password_prompt else None
    added = add_staff(args.username, args.role, by=Console.here(), at=clock.now(),
                      full_name=args.name, password=password)  # fmt: skip
    role = added.user.staff.get_role_display()
    print(f"added {added.user.get_username()} ({role})")
    if added.one_time_password:
        print(f"one-time password (shown once; to be changed at the first sign-in): "
              f"{added.one_time_password}")  # fmt: skip
    return 0


def _user_list(args: argparse.Namespace) -> int:
    from naltrack.accounts.actors import Console
    from naltrack.accounts.staff import staff_list

    rows = [
        (r.username, r.full_name or "-", r.role.value if r.role else "(none)",
         ("enabled" if r.active else "disabled") + (", must change password" if r.password_change_required else ""),
         str(r.live_tokens), _when(r.last_login))
        for r in staff_list(by=Console.here())
    ]  # fmt: skip
    if not rows:
        print("no staff accounts yet (naltrack user create USERNAME --role ROLE)")
        return 0
    _table(("username", "name", "role", "status", "tokens", "last sign-in"), rows)
    return 0


def _user_set_role(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.staff import set_role

    role = set_role(args.username, args.role, by=Console.here(), at=clock.now())
    print(f"{args.username} is now {role.label}")
    return 0


def _user_disable(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.staff import disable

    print(disable(args.username, by=Console.here(), at=clock.now()))
    return 0


def _user_enable(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.staff import enable

    print(enable(args.username, by=Console.here(), at=clock.now()))
    return 0


def _user_reset_password(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.staff import reset_password

    secret = reset_password(args.username, by=Console.here(), at=clock.now())
    print(f"one-time password for {args.username} (shown once; to be changed at the next "
          f"sign-in): {secret}")  # fmt: skip
    return 0


def _user_reset_second_factor(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.signin.second_factor import reset_second_factor

    reset_second_factor(args.username, by=Console.here(), at=clock.now())
    print(f"{args.username}: authenticator and recovery codes removed, sessions ended; the next "
          f"sign-in sets up a new authenticator where the clinic requires one")  # fmt: skip
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.tokens import issue_token

    new = issue_token(args.user, at=clock.now(), by=Console.here(), scopes=args.scope,
                      days=args.days, label=args.label)  # fmt: skip
    # The token alone on standard output, for a script to capture; what it is, on standard error.
    print(new.token)
    print(f"token {new.row.pk} for {args.user}: scopes {new.row.scopes}, expires "
          f"{_when(new.row.expires_at)} (shown once; only its digest is kept)", file=sys.stderr)  # fmt: skip
    return 0


def _token_list(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.tokens import status, tokens

    now = clock.now()
    rows = [
        (str(t.pk), t.user.get_username(), f"{t.prefix}…", t.scopes, _when(t.created_at),
         _when(t.expires_at), status(t, now), t.label or "-")
        for t in tokens(username=args.user)
        if args.all or status(t, now) == "active"
    ]  # fmt: skip
    if not rows:
        print("no active tokens" + (f" for {args.user}" if args.user else "")
              + ("" if args.all else " (--all lists expired and revoked ones too)"))  # fmt: skip
        return 0
    _table(("id", "user", "token", "scopes", "created", "expires", "status", "label"), rows)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from naltrack import clock
    from naltrack.accounts.actors import Console
    from naltrack.accounts.tokens import revoke_token
    from naltrack.clinical.errors import InputError

    if not args.id.isdigit():
        raise InputError(f"must be a token id from naltrack token list (got {args.id!r})", "token")
    row = revoke_token(int(args.id), at=clock.now(), by=Console.here())
    print(f"token {row.pk} ({row.prefix}…) of {row.user.get_username()} revoked")
    return 0


def _days(raw: str) -> int:
    if not raw.strip().isdigit():
        raise argparse.ArgumentTypeError(f"days: must be a whole number of days (got {raw!r})")
    return int(raw)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    user = sub.add_parser("user", help="staff accounts and their roles").add_subparsers(
        dest="user_command", metavar="ACTION"
    )
    p = user.add_parser("create", help="add a staff member with a role; prints a one-time password")
    p.add_argument("username")
    p.add_argument("--role", required=True,
                   help="prescriber, nurse, counselor, coordinator or director")  # fmt: skip
    p.add_argument("--name", default="", help="the full name, as shown to colleagues")
    p.add_argument("--password-prompt", action="store_true",
                   help="type the password at a prompt instead of getting a one-time one")  # fmt: skip
    p.set_defaults(handler=with_django(_user_create))

    p = user.add_parser("list", help="every staff account: role, status, live tokens")
    p.set_defaults(handler=with_django(_user_list))

    p = user.add_parser("set-role", help="give a staff member another role")
    p.add_argument("username")
    p.add_argument("role")
    p.set_defaults(handler=with_django(_user_set_role))

    p = user.add_parser(
        "disable", help="refuse sign-in, end every session and revoke every API token"
    )
    p.add_argument("username")
    p.set_defaults(handler=with_django(_user_disable))

    p = user.add_parser("enable", help="allow a disabled staff member to sign in again")
    p.add_argument("username")
    p.set_defaults(handler=with_django(_user_enable))

    p = user.add_parser(
        "reset-password", help="a new one-time password (sessions end; changed at next sign-in)"
    )
    p.add_argument("username")
    p.set_defaults(handler=with_django(_user_reset_password))

    p = user.add_parser(
        "reset-second-factor",
        help="remove a lost authenticator and its recovery codes (sessions end; set up again)",
    )
    p.add_argument("username")
    p.set_defaults(handler=with_django(_user_reset_second_factor))

    token = sub.add_parser("token", help="API bearer tokens").add_subparsers(
        dest="token_command", metavar="ACTION"
    )
    p = token.add_parser("create", help="create a bearer token for a staff user (printed once)")
    p.add_argument("--user", required=True, help="the staff username")
    p.add_argument("--scope", default="read,write",
                   help="read, write or read,write (default): read answers GET, write POST")  # fmt: skip
    p.add_argument("--days", type=_days, default=None,
                   help="days until it expires (default NALTRACK_API_TOKEN_DAYS, 90; at most 365)")  # fmt: skip
    p.add_argument("--label", default="", help="what it is for, e.g. 'lab interface'")
    p.set_defaults(handler=with_django(_token_create))

    p = token.add_parser("list", help="active tokens: id, owner, scopes, expiry")
    p.add_argument("--user", default=None, help="only this staff member's tokens")
    p.add_argument("--all", action="store_true", help="expired and revoked tokens too")
    p.set_defaults(handler=with_django(_token_list))

    p = token.add_parser("revoke", help="revoke a token by its id (from token list)")
    p.add_argument("id", metavar="ID")
    p.set_defaults(handler=with_django(_token_revoke))
