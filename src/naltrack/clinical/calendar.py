"""The clinic's calendar: which days it is open, whether a visit fits its opening hours, and the day
the next injection is booked on (Part A A5 and A6).

Pure: the calendar (opening hours per weekday, holidays) and `today` are arguments. The shell reads
the clinic's calendar from its settings (appointments/calendar.py) and books what this returns.

Booking day of the next injection (Part A A5: earliest re-dose day 21, due day 28, overdue from day
29; A6: the blockade wanes from day 25 and an overdue injection is the label's high-risk time for a
fatal overdose; fact sheet 2.4: a missed dose is given as soon as possible). The due day when the
clinic is open; else the nearest open day BEFORE the due day, back to the earliest re-dose day,
because an injection a few days early (inside the allowed early limit) is safer than a late one;
only when none of those days is open, the nearest open day after the due day that is not yet
overdue (a clinic whose overdue day is later than day 29 has such days). Never a closed day or a
holiday, and never outside that window: when no day in it is open, no day is chosen and the reason
says so, for a person to decide.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from .policy import DEFAULT_POLICY, Policy

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One weekday's hours: visits from `opens` to before `closes` (clinic time zone)."""

    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class ClinicCalendar:
    """`hours`: weekday (0 Monday .. 6 Sunday) -> its opening hours; a weekday missing is closed.
    None: the clinic has not set its hours, and every weekday is open at any time. `holidays`:
    day -> its name; the clinic is closed on each."""

    hours: Mapping[int, OpeningHours] | None = None
    holidays: Mapping[date, str] = field(default_factory=dict)


def closed_because(calendar: ClinicCalendar, day: date) -> str | None:
    """Why the clinic is closed on `day` (None: it is open)."""
    holiday = calendar.holidays.get(day)
    if holiday is not None:
        return f"the clinic is closed on {day.isoformat()} ({holiday})"
    if calendar.hours is not None and day.weekday() not in calendar.hours:
        return f"the clinic is closed on {WEEKDAY_NAMES[day.weekday()]}s"
    return None


def visit_refusal(calendar: ClinicCalendar, day: date, at: time | None) -> str | None:
    """Why a visit cannot be booked on `day` at `at` (None: it can): a closed day or a holiday, or
    a time outside the day's opening hours. A visit booked by the day (`at` None) needs an open
    day only."""
    closed = closed_because(calendar, day)
    if closed is not None:
        return closed
    if at is None or calendar.hours is None:
        return None
    hours = calendar.hours[day.weekday()]
    if at < hours.opens or at >= hours.closes:
        return (
            f"is outside the opening hours on {WEEKDAY_NAMES[day.weekday()]}s "
            f"({hours.opens:%H:%M} to {hours.closes:%H:%M})"
        )
    return None


@dataclass(frozen=True, slots=True)
class BookingDay:
    """The day to book the next injection on, or None when no day of the window is open.
    `window_start`/`window_end`: the days considered (inclusive); `message` says why this day."""

    on: date | None
    due_date: date
    window_start: date
    window_end: date
    message: str

    def as_dict(self) -> dict[str, object]:
        return {
            "on": self.on.isoformat() if self.on else None,
            "due_date": self.due_date.isoformat(),
            "window_start": self.window_start.isoformat(),
            "window_end": self.window_end.isoformat(),
            "message": self.message,
        }


BOOKING_SOURCE = "Part A A5 (earliest re-dose, due and overdue days) and A6 (waning blockade)"


def _days(first: date, last: date) -> Iterator[date]:
    """The days from `first` to `last`, both included."""
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def injection_booking_day(
    last_injection: date, today: date, calendar: ClinicCalendar, policy: Policy = DEFAULT_POLICY
) -> BookingDay:
    """The day to book the injection after the one given on `last_injection`, seen on `today`."""
    p = policy
    earliest = last_injection + timedelta(days=p.injection_earliest_redose_day)
    due = last_injection + timedelta(days=p.injection_interval_days)
    before_overdue = last_injection + timedelta(days=p.injection_overdue_from_day - 1)
    start = max(earliest, today)
    if today > due:
        # Already late: the first open day from today, as soon as possible (fact sheet 2.4), while
        # an injection may still be given without a new screening (the last late tier, Part A A5).
        end = last_injection + timedelta(days=p.late_uds_required_until_day)
        for day in _days(today, end):
            if closed_because(calendar, day) is None:
                return BookingDay(day, due, today, end, (
                    f"The injection is overdue (due {due.isoformat()}): booked on the first open "
                    f"day, {day.isoformat()}, to be given as soon as possible."
                ))  # fmt: skip
        if today > end:
            message = (
                f"More than {p.late_uds_required_until_day} days since the last injection: the "
                "prescriber re-screens as for a first dose before the next one is booked."
            )
        else:
            message = (
                f"No open day from {today.isoformat()} to {end.isoformat()}, the last day an "
                "overdue injection may be given without a new screening: book it by hand."
            )
        return BookingDay(None, due, today, end, message)
    for day in reversed(list(_days(start, due))):
        if closed_because(calendar, day) is None:
            if day == due:
                message = (
                    f"Booked on the due day, {due.isoformat()} (day {p.injection_interval_days} "
                    f"after the injection of {last_injection.isoformat()})."
                )
            else:
                message = (
                    f"The due day, {due.isoformat()}, is closed "
                    f"({closed_because(calendar, due)}): booked {(due - day).days} day(s) earlier, "
                    f"on {day.isoformat()}, inside the early window (from day "
                    f"{p.injection_earliest_redose_day}), because a late injection is riskier "
                    "than an early one."
                )
            return BookingDay(day, due, start, before_overdue, message)
    for day in _days(due + timedelta(days=1), before_overdue):
        if closed_because(calendar, day) is None:
            return BookingDay(day, due, start, before_overdue, (
                f"No open day from {start.isoformat()} to the due day, {due.isoformat()}: booked "
                f"{(day - due).days} day(s) after it, on {day.isoformat()}, before the injection "
                f"is overdue (day {p.injection_overdue_from_day})."
            ))  # fmt: skip
    return BookingDay(None, due, start, before_overdue, (
        f"No open day from {start.isoformat()} to {before_overdue.isoformat()} for the next "
        f"injection (due {due.isoformat()}): the clinic is closed on every day of the window. "
        "Book it by hand with the prescriber."
    ))  # fmt: skip
