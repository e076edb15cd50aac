"""When a reminder goes out: pure functions of their arguments (no clock, no database).

Messaging timing, not clinical: the day a visit or a dose is due comes from the appointment book
and from the core (clinical/regimens.py through treatment.mar.injection_decision); this module only
decides at what hour to say so."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BACKOFF_CAP = timedelta(hours=6)


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """The wait after the `attempts`-th failed try: base, 2 x base, 4 x base, ... at most 6 hours.
    A row that fails (even one that crashes the sender: a poison row) waits its turn again
    instead of being retried in a tight loop."""
    if attempts < 1:
        raise ValueError("attempts starts at 1")
    return min(timedelta(seconds=base_seconds * 2 ** min(attempts - 1, 20)), BACKOFF_CAP)


def reminder_at(day: date, send_hour: int, zone: ZoneInfo, now: datetime) -> datetime | None:
    """The reminder of something on `day`: the day before at `send_hour` (the clinic's local
    time); at once when that time has passed but `day` has not; None when `day` is past."""
    local_now = now.astimezone(zone)
    if day < local_now.date():
        return None
    planned = datetime.combine(day - timedelta(days=1), time(send_hour), tzinfo=zone)
    return max(planned, local_now)


def in_quiet_hours(at: datetime, quiet_from: time | None, quiet_until: time | None) -> bool:
    """Whether `at` (aware, already in the clinic's zone) falls in the patient's quiet hours."""
    if quiet_from is None or quiet_until is None or quiet_from == quiet_until:
        return False
    now = at.timetz().replace(tzinfo=None)
    if quiet_from < quiet_until:  # 13:00-15:00
        return quiet_from <= now < quiet_until
    return now >= quiet_from or now < quiet_until  # 21:00-08:00, past midnight


def after_quiet_hours(at: datetime, quiet_from: time | None, quiet_until: time | None) -> datetime:
    """`at` itself when it is outside the quiet hours, else the moment they end."""
    if not in_quiet_hours(at, quiet_from, quiet_until):
        return at
    assert quiet_until is not None  # in_quiet_hours needs both
    end = at.replace(hour=quiet_until.hour, minute=quiet_until.minute, second=0, microsecond=0)
    if end <= at:
        end += timedelta(days=1)
    return end
