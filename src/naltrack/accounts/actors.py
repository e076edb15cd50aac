"""Who acts: a staff member (Actor, with the role the table in roles.py checks), the operator
at the server's command line (Console), or a patient signed in to the portal (PatientActor, who
may act on their own record only). Every service takes one of them and audits its name."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from .roles import Action, Role, allowed


class PermissionRefused(Exception):
    """The actor's role may not do this. Carries the action so the message can name it."""

    def __init__(self, actor: Actor | PatientActor | Service, action: Action) -> None:
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


@dataclass(frozen=True, slots=True)
class Service:
    """Another system acting through an interface it is registered for (an EHR calling the CDS
    Hooks services, issue 13): it may do only what that interface lets it (`actions`), and the
    audit trail names it `service:<its name>`."""

    username: str
    actions: frozenset[Action]
    remote_addr: str | None = None
    role: None = None
    user_id: None = None

    @classmethod
    def named(cls, name: str, actions: frozenset[Action], remote_addr: str | None) -> Service:
        return cls(f"service:{name}"[:150], actions, remote_addr)

    def can(self, action: Action) -> bool:
        return action in self.actions

    def require(self, action: Action) -> None:
        if not self.can(action):
            raise PermissionRefused(self, action)


# The audit trail's and the record's name for a patient acting in the portal: "patient:<login>".
PATIENT_PREFIX = "patient:"


class NotOwnRecord(Exception):
    """A patient account asked for a record that is not its own. Portal pages answer 404 (they do
    not confirm that another patient's record exists) and audit the refusal (portal/pages.py)."""

    def __init__(self, actor: PatientActor, patient_id: object) -> None:
        super().__init__(f"{actor.username} may act only on their own record")
        self.patient_id = patient_id


@dataclass(frozen=True, slots=True)
class PatientActor:
    """A patient signed in to the portal (naltrack.portal). Carries the one patient it may act
    on; every portal service checks `require_own(patient_id)` before it reads or writes, and
    audits under `username` ("patient:<login>"), so the trail names the patient account.

    It holds no staff role: `can()` is always False, so a staff service handed a PatientActor
    refuses it the way it refuses a staff member without the role."""

    user_id: int
    login: str  # the portal account's sign-in name
    account_id: int  # portal.PatientAccount
    patient_id: int  # patients.Patient
    mrn: str
    remote_addr: str | None = None
    role: None = None

    @property
    def username(self) -> str:
        """The audit trail's name for this actor."""
        return f"{PATIENT_PREFIX}{self.login}"[:150]

    def can(self, action: Action) -> bool:
        return False

    def require(self, action: Action) -> None:
        raise PermissionRefused(self, action)

    def owns(self, patient_id: object) -> bool:
        return patient_id == self.patient_id

    def require_own(self, patient_id: object) -> None:
        if not self.owns(patient_id):
            raise NotOwnRecord(self, patient_id)
