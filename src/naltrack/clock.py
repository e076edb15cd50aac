"""The one place the application reads the clock. The clinical core never does; services take
`at` as an argument. NALTRACK_TODAY (development only) fixes the date for demos and browser tests,
keeping the time of day, so that a seeded demo clinic stays on the day it was seeded for."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.utils import timezone


def now() -> datetime:
    current = timezone.now()
    fixed: date | None = settings.CONFIG.fixed_today
    if fixed is None:
        return current
    return current.replace(year=fixed.year, month=fixed.month, day=fixed.day)


def today() -> date:
    return timezone.localdate(now())
