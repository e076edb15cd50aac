"""The one place the application reads the clock. The clinical core never does; services take
`at` as an argument. Days are the clinic's days: settings.TIME_ZONE is NALTRACK_TIME_ZONE, so
"today" at 23:30 in Los Angeles is still today there, though it is tomorrow in UTC.
NALTRACK_TODAY (development only) fixes the clinic's date for demos and browser tests, keeping
the local time of day, so that a seeded demo clinic stays on the day it was seeded for."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    current = timezone.localtime(timezone.now())  # aware, in the clinic's zone
    fixed: date | None = settings.CONFIG.fixed_today
    if fixed is None:
        return current
    # The same wall-clock time on the fixed local day (normalised across a DST change).
    moved = current.replace(year=fixed.year, month=fixed.month, day=fixed.day)
    return timezone.localtime(moved.astimezone(UTC))


def today() -> date:
    return timezone.localdate(now())


def local_day(at: datetime) -> date:
    """The clinic's calendar day of an instant: every service turns `at` into "today" with this,
    never with `at.date()` (which is the UTC day of an aware datetime, wrong before dawn UTC in a
    zone behind it). The clinic's zone is settings.TIME_ZONE (NALTRACK_TIME_ZONE)."""
    return timezone.localdate(at)
