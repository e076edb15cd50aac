"""A session's life: signed out after the clinic's idle time, and "sign out everywhere"."""

from __future__ import annotations

from datetime import datetime

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from naltrack.accounts.services import Actor
from naltrack.accounts.staff import end_sessions
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record

LAST_SEEN = "naltrack_last_seen"  # the session's last request, seconds since the epoch
# The last-seen mark is rewritten at most this often, so a page's requests do not each write the
# session; the idle time is then measured to within this.
SEEN_RESOLUTION_S = 60
SECOND_FACTOR_KEY = "naltrack_second_factor"  # "required" or "no", decided once per session


def idle_expired(session: SessionBase, now: float, idle_timeout_s: int) -> bool:
    seen = session.get(LAST_SEEN)
    return isinstance(seen, int | float) and now - seen > idle_timeout_s


def mark_seen(session: SessionBase, now: float) -> None:
    seen = session.get(LAST_SEEN)
    if not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION_S:
        session[LAST_SEEN] = now


def sign_out_everywhere(*, actor: Actor, at: datetime) -> int:
    """End every session of this staff member (this one too); returns how many. Each session is
    read to find its user: sessions are not indexed by user, and a clinic has few live ones."""
    if actor.user_id is None:
        return 0
    with transaction.atomic():
        ended = end_sessions(actor.user_id)
        record(at=at, actor=actor.username, action=AuditAction.UPDATE, object_type="session",
               object_id=str(actor.user_id), remote_addr=actor.remote_addr,
               detail=f"signed out everywhere ({ended} sessions ended)")  # fmt: skip
    return ended
