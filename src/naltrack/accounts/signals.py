"""Every login attempt is audited: who (or the name tried), when and from where."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from naltrack import clock
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record


def _addr(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(at=clock.now(), actor=user.get_username(), action=AuditAction.LOGIN,
           remote_addr=_addr(request))  # fmt: skip


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    record(at=clock.now(), actor=str(credentials.get("username", ""))[:150],
           action=AuditAction.LOGIN_FAILED, remote_addr=_addr(request))  # fmt: skip
