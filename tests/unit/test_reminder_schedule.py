"""When reminders go out: the day before at the clinic's hour, backoff after a failed try, and the
patient's quiet hours (reminders/schedule.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from naltrack.reminders.schedule import after_quiet_hours, backoff, in_quiet_hours, reminder_at

LA = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [(1, 60), (2, 120), (3, 240), (4, 480), (9, 60 * 256), (10, 6 * 3600), (50, 6 * 3600)],
)
def test_backoff_doubles_up_to_six_hours(attempts: int, wait: int) -> None:
    assert backoff(attempts, 60) == timedelta(seconds=wait)


def test_backoff_counts_from_the_first_try() -> None:
    with pytest.raises(ValueError):
        backoff(0, 60)


def test_a_visit_is_reminded_the_day_before_at_the_clinics_hour() -> None:
    now = datetime(2026, 11, 21, 9, 0, tzinfo=LA)
    assert reminder_at(date(2026, 11, 25), 10, LA, now) == datetime(2026, 11, 24, 10, 0, tzinfo=LA)


def test_a_visit_booked_late_is_reminded_at_once_and_a_past_day_never() -> None:
    now = datetime(2026, 11, 21, 15, 0, tzinfo=LA)
    assert reminder_at(date(2026, 11, 22), 10, LA, now) == now  # tomorrow: 10:00 today has passed
    assert reminder_at(date(2026, 11, 21), 10, LA, now) == now  # today
    assert reminder_at(date(2026, 11, 20), 10, LA, now) is None


def test_the_day_is_the_clinics_day_not_utc() -> None:
    # 06:00 UTC on the 22nd is still the 21st in Los Angeles: a visit on the 21st is not past.
    now = datetime(2026, 11, 22, 6, 0, tzinfo=UTC)
    assert reminder_at(date(2026, 11, 21), 10, LA, now) == now.astimezone(LA)


@pytest.mark.parametrize(
    ("at", "quiet", "inside"),
    [
        (time(22, 0), (time(21, 0), time(8, 0)), True),
        (time(7, 59), (time(21, 0), time(8, 0)), True),
        (time(8, 0), (time(21, 0), time(8, 0)), False),
        (time(20, 59), (time(21, 0), time(8, 0)), False),
        (time(13, 0), (time(13, 0), time(15, 0)), True),
        (time(15, 0), (time(13, 0), time(15, 0)), False),
        (time(3, 0), (None, None), False),
        (time(3, 0), (time(3, 0), time(3, 0)), False),
    ],
)
def test_quiet_hours_wrap_past_midnight(
    at: time, quiet: tuple[time | None, time | None], inside: bool
) -> None:
    moment = datetime.combine(date(2026, 11, 21), at, tzinfo=LA)
    assert in_quiet_hours(moment, *quiet) is inside


def test_a_reminder_in_quiet_hours_waits_until_they_end() -> None:
    quiet = (time(21, 0), time(8, 0))
    evening = datetime(2026, 11, 21, 22, 30, tzinfo=LA)
    assert after_quiet_hours(evening, *quiet) == datetime(2026, 11, 22, 8, 0, tzinfo=LA)
    early = datetime(2026, 11, 22, 6, 15, tzinfo=LA)
    assert after_quiet_hours(early, *quiet) == datetime(2026, 11, 22, 8, 0, tzinfo=LA)
    noon = datetime(2026, 11, 22, 12, 0, tzinfo=LA)
    assert after_quiet_hours(noon, *quiet) == noon
