"""The clinic's calendar in the core (clinical/calendar.py): open days, opening hours, and the day
the next injection is booked on (Part A A5: earliest re-dose day 21, due day 28, overdue from day
29; the last late tier ends on day 55; A6: a late injection is the riskier one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, time, timedelta

import pytest

from naltrack.clinical.calendar import (
    BookingDay,
    ClinicCalendar,
    OpeningHours,
    closed_because,
    injection_booking_day,
    visit_refusal,
)
from naltrack.clinical.policy import DEFAULT_POLICY as P

LAST = date(2026, 11, 2)  # a Monday; day 21 = Mon 23 Nov, day 28 = Mon 30 Nov
DUE = LAST + timedelta(days=28)
NINE_TO_FIVE = OpeningHours(time(9), time(17))
WEEKDAYS = ClinicCalendar(hours={d: NINE_TO_FIVE for d in range(5)})
OPEN_ALWAYS = ClinicCalendar()


def day(n: int) -> date:
    return LAST + timedelta(days=n)


def closed_on(*days: int, names: str = "Holiday") -> ClinicCalendar:
    return ClinicCalendar(holidays={day(n): names for n in days})


# --- open days and opening hours --------------------------------------------------------------


def test_a_clinic_that_set_no_hours_is_open_every_day_at_any_time() -> None:
    for n in range(7):
        assert closed_because(OPEN_ALWAYS, day(n)) is None
        assert visit_refusal(OPEN_ALWAYS, day(n), time(3)) is None


def test_a_weekday_without_hours_is_closed_and_named() -> None:
    assert closed_because(WEEKDAYS, date(2026, 11, 6)) is None  # Friday
    assert closed_because(WEEKDAYS, date(2026, 11, 7)) == "the clinic is closed on Saturdays"
    assert closed_because(WEEKDAYS, date(2026, 11, 8)) == "the clinic is closed on Sundays"


def test_a_holiday_is_closed_with_its_name_even_on_an_open_weekday() -> None:
    cal = replace(WEEKDAYS, holidays={date(2026, 11, 26): "Thanksgiving"})
    assert closed_because(cal, date(2026, 11, 26)) == (
        "the clinic is closed on 2026-11-26 (Thanksgiving)"
    )
    assert closed_because(cal, date(2026, 11, 25)) is None
    assert closed_because(cal, date(2026, 11, 27)) is None
    assert visit_refusal(cal, date(2026, 11, 26), None) == closed_because(cal, date(2026, 11, 26))


@pytest.mark.parametrize(
    ("at", "refused"),
    [
        (time(8, 59), True),
        (time(9, 0), False),
        (time(16, 59), False),
        (time(17, 0), True),
        (None, False),
    ],
    ids=["a-minute-before-opening", "at-opening", "last-minute", "at-closing", "by-the-day"],
)
def test_a_visit_time_fits_the_opening_hours(at: time | None, refused: bool) -> None:
    monday = date(2026, 11, 2)
    answer = visit_refusal(WEEKDAYS, monday, at)
    assert (answer is not None) is refused
    if refused:
        assert answer == "is outside the opening hours on Mondays (09:00 to 17:00)"


def test_a_timed_visit_on_a_closed_day_gives_the_closed_reason() -> None:
    assert visit_refusal(WEEKDAYS, date(2026, 11, 8), time(10)) == "the clinic is closed on Sundays"


# --- the next injection's booking day -----------------------------------------------------------


def test_the_due_day_when_it_is_open() -> None:
    got = injection_booking_day(LAST, LAST, OPEN_ALWAYS, P)
    assert got == BookingDay(
        DUE, DUE, day(21), day(28),
        "Booked on the due day, 2026-11-30 (day 28 after the injection of 2026-11-02).",
    )  # fmt: skip


def test_a_closed_due_day_books_the_day_before() -> None:
    got = injection_booking_day(LAST, LAST, closed_on(28, names="Staff day"), P)
    assert got.on == day(27)
    assert got.message == (
        "The due day, 2026-11-30, is closed (the clinic is closed on 2026-11-30 (Staff day)): "
        "booked 1 day(s) earlier, on 2026-11-29, inside the early window (from day 21), because "
        "a late injection is riskier than an early one."
    )


def test_earlier_is_preferred_to_a_later_day_that_is_not_yet_overdue() -> None:
    # A clinic whose overdue day is 31: day 29 is open and nearer than day 25, yet day 25 is booked.
    policy = replace(P, injection_overdue_from_day=31)
    got = injection_booking_day(LAST, LAST, closed_on(26, 27, 28), policy)
    assert got.on == day(25)
    assert (got.window_start, got.window_end) == (day(21), day(30))


def test_back_to_the_earliest_redose_day_and_no_further() -> None:
    assert injection_booking_day(LAST, LAST, closed_on(*range(22, 29)), P).on == day(21)
    got = injection_booking_day(LAST, LAST, closed_on(*range(21, 29)), P)
    assert got.on is None  # day 20 is open but too early; day 29 open but overdue
    assert got.message == (
        "No open day from 2026-11-23 to 2026-11-30 for the next injection (due 2026-11-30): the "
        "clinic is closed on every day of the window. Book it by hand with the prescriber."
    )


def test_after_the_due_day_only_when_no_earlier_day_is_open() -> None:
    policy = replace(P, injection_overdue_from_day=31)
    got = injection_booking_day(LAST, LAST, closed_on(*range(21, 29)), policy)
    assert got == BookingDay(day(29), DUE, day(21), day(30), (
        "No open day from 2026-11-23 to the due day, 2026-11-30: booked 1 day(s) after it, on "
        "2026-12-01, before the injection is overdue (day 31)."
    ))  # fmt: skip
    got = injection_booking_day(LAST, LAST, closed_on(*range(21, 30)), policy)
    assert got.on == day(30)
    assert injection_booking_day(LAST, LAST, closed_on(*range(21, 31)), policy).on is None


def test_the_weekend_moves_a_sunday_due_day_to_friday() -> None:
    last = date(2026, 11, 1)  # a Sunday: due Sunday 29 Nov
    got = injection_booking_day(last, last, WEEKDAYS, P)
    assert got.on == date(2026, 11, 27)  # Friday, two days earlier, not Monday (overdue)


@pytest.mark.parametrize(
    ("today", "expected_start"),
    [(20, 21), (21, 21), (22, 22), (28, 28)],
    ids=["day-20", "day-21", "day-22", "day-28"],
)
def test_the_window_never_starts_before_today(today: int, expected_start: int) -> None:
    got = injection_booking_day(LAST, day(today), closed_on(28), P)
    assert got.window_start == day(expected_start)
    assert got.on == (day(27) if today <= 27 else None)


def test_booked_on_the_due_day_when_seen_on_the_due_day() -> None:
    got = injection_booking_day(LAST, DUE, OPEN_ALWAYS, P)
    assert (got.on, got.window_start, got.window_end) == (DUE, DUE, DUE)


def test_overdue_books_the_first_open_day_from_today() -> None:
    got = injection_booking_day(LAST, day(29), OPEN_ALWAYS, P)
    assert got == BookingDay(day(29), DUE, day(29), day(55), (
        "The injection is overdue (due 2026-11-30): booked on the first open day, 2026-12-01, to "
        "be given as soon as possible."
    ))  # fmt: skip
    assert injection_booking_day(LAST, day(29), closed_on(29, 30), P).on == day(31)
    assert injection_booking_day(LAST, day(29), closed_on(29), P).on == day(30)


def test_overdue_up_to_the_last_late_tier_day() -> None:
    assert injection_booking_day(LAST, day(55), OPEN_ALWAYS, P).on == day(55)
    got = injection_booking_day(LAST, day(54), closed_on(54, 55), P)
    assert (got.on, got.due_date) == (None, DUE)
    assert (got.window_start, got.window_end) == (day(54), day(55))
    assert got.message == (
        "No open day from 2026-12-26 to 2026-12-27, the last day an overdue injection may be "
        "given without a new screening: book it by hand."
    )


def test_on_the_last_late_tier_day_a_closed_day_is_booked_by_hand() -> None:
    got = injection_booking_day(LAST, day(55), closed_on(55), P)
    assert got.on is None
    assert got.message.startswith("No open day from 2026-12-27 to 2026-12-27")


def test_past_the_last_late_tier_the_prescriber_rescreens() -> None:
    got = injection_booking_day(LAST, day(56), OPEN_ALWAYS, P)
    assert got.on is None
    assert got.message == (
        "More than 55 days since the last injection: the prescriber re-screens as for a first "
        "dose before the next one is booked."
    )


def test_booking_day_as_dict() -> None:
    assert injection_booking_day(LAST, LAST, OPEN_ALWAYS, P).as_dict() == {
        "on": "2026-11-30",
        "due_date": "2026-11-30",
        "window_start": "2026-11-23",
        "window_end": "2026-11-30",
        "message": "Booked on the due day, 2026-11-30 (day 28 after the injection of 2026-11-02).",
    }
    got = injection_booking_day(LAST, LAST, closed_on(*range(21, 29)), P).as_dict()
    assert got["on"] is None
