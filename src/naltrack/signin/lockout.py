"""Failed sign-ins counted and locked (django-axes keeps the counts; the limits are settings).

A lock has two keys, either of which holds: an account with SIGNIN_ACCOUNT_FAILURE_LIMIT failures,
from anywhere, or an address with SIGNIN_ADDRESS_FAILURE_LIMIT failures, for any account, within
AXES_COOLOFF_TIME. The address limit is higher because a clinic's staff often share one address.
Failed password sign-ins, wrong second-factor codes and bad API bearer tokens all count (a token
counts against its address only: it names no account). A lock lasts until the cool-off has passed
since the last failure, or until the director lifts it (`unlock`); both the lock and the unlock
are written to the audit trail.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db import transaction
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone

from naltrack import clock
from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record
from naltrack.clinical.errors import InputError

LOCK_OBJECT = "signin_lockout"  # the audit trail's object type for a lock and its lifting
TOKEN_CREDENTIALS: dict[str, Any] = {"username": None}  # a bearer token names no account

Kind = Literal["account", "address"]


def _recent() -> QuerySet[AccessAttempt]:
    """The failures that still count: those of the last AXES_COOLOFF_TIME (axes stamps them with
    the real time, not the clinic's demo clock)."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    recent: QuerySet[AccessAttempt] = AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - cool_off
    )
    return recent


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return int(attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0)


@dataclass(frozen=True, slots=True)
class LockState:
    account_failures: int
    address_failures: int

    @property
    def account_locked(self) -> bool:
        return self.account_failures >= settings.SIGNIN_ACCOUNT_FAILURE_LIMIT

    @property
    def address_locked(self) -> bool:
        return self.address_failures >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT

    @property
    def locked(self) -> bool:
        return self.account_locked or self.address_locked


def lock_state(username: str | None, address: str | None) -> LockState:
    recent = _recent()
    by_account = _failures(recent.filter(username=username)) if username else 0
    by_address = _failures(recent.filter(ip_address=address)) if address else 0
    return LockState(by_account, by_address)


class ClinicLockoutHandler(AxesDatabaseHandler):  # type: ignore[misc]
    """django-axes' database handler, counting per account and per address with a limit each."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        # axes locks when this number reaches AXES_FAILURE_LIMIT (the account limit): the account's
        # failures, raised to that limit when the address is over its own.
        state = lock_state(
            get_client_username(request, credentials),
            getattr(request, "axes_ip_address", None),
        )
        if state.address_locked:
            return max(state.account_failures, settings.SIGNIN_ACCOUNT_FAILURE_LIMIT)
        return state.account_failures

    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        before = lock_state(username, address)
        super().user_login_failed(sender, credentials, request, **kwargs)
        after = lock_state(username, address)
        # The moment a lock begins is audited once; failures during a lock are audited as failed
        # sign-ins (accounts.signals), not as new locks.
        when = clock.now()
        if after.account_locked and not before.account_locked and username:
            record(at=when, actor=str(username)[:150], action=AuditAction.LOGIN_FAILED,
                   object_type=LOCK_OBJECT, object_id=f"account:{username}"[:64], remote_addr=address,
                   detail=f"account locked after {after.account_failures} failed sign-ins")  # fmt: skip
        if after.address_locked and not before.address_locked and address:
            record(at=when, actor=str(username or "(no account)")[:150],
                   action=AuditAction.LOGIN_FAILED, object_type=LOCK_OBJECT,
                   object_id=f"address:{address}", remote_addr=address,
                   detail=f"address locked after {after.address_failures} failed sign-ins")  # fmt: skip


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """First of AUTHENTICATION_BACKENDS: refuses a locked account or address. A check made with no
    request (a command, Django's test client `login`) comes from the server itself, not from a
    visitor, and is let through to the password check instead of failing."""

    def authenticate(self, request: HttpRequest | None, *args: Any, **kwargs: Any) -> None:
        if request is None:
            return None
        super().authenticate(request, *args, **kwargs)
        return None


# ---- API bearer tokens ---------------------------------------------------------------------------


def token_address_locked(request: HttpRequest) -> bool:
    """A bearer token from an address that is locked is refused before it is looked up."""
    return bool(AxesProxyHandler.is_locked(request, TOKEN_CREDENTIALS))


def token_failed(request: HttpRequest, *, what: str = "api_token",
                 detail: str = "an unknown, revoked or expired bearer token") -> None:  # fmt: skip
    """Count a bad bearer token against its address (and audit it as a failed sign-in). `what`
    and `detail` name the kind of token: a staff API token, or an EHR's CDS Hooks JWT."""
    AxesProxyHandler.user_login_failed("naltrack.api", dict(TOKEN_CREDENTIALS), request)
    # The API answers this request itself (401, then 429 from the next one): not axes' middleware,
    # whose lockout answer is the sign-in page.
    request.axes_locked_out = False  # type: ignore[attr-defined]
    record(at=clock.now(), actor=f"({what.replace('_', ' ')})", action=AuditAction.LOGIN_FAILED,
           object_type=what, remote_addr=getattr(request, "axes_ip_address", None),
           detail=detail[:500])  # fmt: skip


# ---- the director's list and unlock -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Lock:
    kind: Kind
    value: str  # the username or the address
    failures: int
    last_failure: datetime

    @property
    def ends_at(self) -> datetime:
        """When the lock ends by itself, if no failure comes meanwhile."""
        cool_off: timedelta = settings.AXES_COOLOFF_TIME
        return self.last_failure + cool_off


def current_locks(*, actor: Actor) -> list[Lock]:
    """Accounts and addresses locked now, most recent first."""
    actor.require(Action.UNLOCK_SIGNIN)
    recent = _recent()
    locks: list[Lock] = []
    for kind, field, limit in (
        ("account", "username", settings.SIGNIN_ACCOUNT_FAILURE_LIMIT),
        ("address", "ip_address", settings.SIGNIN_ADDRESS_FAILURE_LIMIT),
    ):
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .order_by()  # group by the one field only (the model orders by time)
            .values(field)
            .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(n__gte=limit)
        )
        locks += [Lock(kind, r[field], r["n"], r["last"]) for r in rows if r[field]]  # type: ignore[arg-type]
    return sorted(locks, key=lambda lock: lock.last_failure, reverse=True)


def _forget(row: Any, field: str) -> None:
    """Forget a row's failures for one key only: a row counts for its account and its address,
    and unlocking the account must leave the address's count (and the reverse). The row keeps
    counting for the other key, merged into the row axes would add to next."""
    keys = {"username": row.username, "ip_address": row.ip_address, "user_agent": row.user_agent}
    keys[field] = None
    if keys["username"] is None and keys["ip_address"] is None:
        row.delete()
        return
    twin = AccessAttempt.objects.filter(**keys).exclude(pk=row.pk).first()
    if twin is None:
        setattr(row, field, None)
        row.save(update_fields=[field])
        return
    twin.failures_since_start += row.failures_since_start
    twin.attempt_time = max(twin.attempt_time, row.attempt_time)
    twin.save(update_fields=["failures_since_start", "attempt_time"])
    row.delete()


def unlock(kind: str, value: str, *, actor: Actor, at: datetime) -> int:
    """Lift the lock of an account or an address: its failures are forgotten (they still count
    for the other key: unlocking an account does not unlock the attacker's address). Audited."""
    actor.require(Action.UNLOCK_SIGNIN)
    if kind not in ("account", "address"):
        raise InputError("must be account or address", "kind")
    value = value.strip()
    if not value:
        raise InputError("is required", "value")
    if kind == "address":
        try:
            value = str(ipaddress.ip_address(value))
        except ValueError:
            raise InputError("must be an IP address such as 10.0.0.7", "value") from None
    field = "username" if kind == "account" else "ip_address"
    with transaction.atomic():
        rows = AccessAttempt.objects.select_for_update().filter(**{field: value})
        failures = _failures(_recent().filter(**{field: value}))
        if failures == 0:
            raise InputError(f"no failed sign-ins are counted for this {kind}", "value")
        for row in rows:
            _forget(row, field)
        record(at=at, actor=actor.username, action=AuditAction.UPDATE, object_type=LOCK_OBJECT,
               object_id=f"{kind}:{value}"[:64], remote_addr=actor.remote_addr,
               detail=f"unlocked by the director ({failures} failed sign-ins forgotten)")  # fmt: skip
    return failures
