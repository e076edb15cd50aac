"""Who acts: a staff member (Actor, with the role the table in roles.py checks), or the operator
at the server's command line (Console). Every service takes one of them and audits its name."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from .roles import Action, Role, allowed


class PermissionRefused(Exception):
    """The actor's role may not do this. Carries the action so the message can name it."""

    def __init__(self, actor: Actor, action: Action) -> None:
        role = actor.role.label if actor.role else "no role"
        super().__init__(f"{actor.username} ({role}) may not {action.value.replace('_', ' ')}")
        self.action = action


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, passed to every service: the username, the role and where from."""

    user_id: int | None
    username: str
    role: Role | None
    remote_addr: str | None = None

    def can(self, action: Action) -> bool:
        return allowed(self.role, action)

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise PermissionRefused(self, action)


@dataclass(frozen=True, slots=True)
class Console:
    """The operator at the server's command line (`naltrack user ...`, `naltrack token ...`).
    Whoever can run commands on the server already holds the database, so no role is checked;
    the audit trail names them as `console:<login name>`."""

    username: str
    remote_addr: None = None

    @classmethod
    def here(cls) -> Console:
        try:
            login = getpass.getuser()
        except (OSError, KeyError):  # no login name (a container without a passwd entry)
            login = "unknown"
        return cls(f"console:{login}"[:150])
