"""Scheduling a clinic can run on (issue 12): the clinic's opening hours, holidays and rooms; visits
with a time, a clinician and a room, never on a closed day and never double-booked; the next
injection booked on the day the core picks (clinical/calendar.py); moving, cancelling with a reason
and no-shows, from the services, the calendar pages and the API, with the reminders following."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from naltrack.accounts.roles import Role
from naltrack.accounts.services import PermissionRefused, create_staff, create_token
from naltrack.appointments import services as appointment_services
from naltrack.appointments.calendar import (
    add_holiday,
    add_room,
    clinic_calendar,
    set_room_active,
    set_week_hours,
)
from naltrack.appointments.models import Appointment, Holiday, OpeningHours, Room
from naltrack.appointments.services import (
    book_appointment,
    reschedule_appointment,
    set_appointment_status,
)
from naltrack.audit.models import AuditEvent
from naltrack.clinical.errors import ConflictError, InputError
from naltrack.config import ReminderConfig
from naltrack.reminders.models import Reminder
from naltrack.treatment.booking import book_next_injection
from naltrack.treatment.services import record_administration
from naltrack.worklist.services import today_worklist

from .conftest import (
    COORDINATOR,
    DIRECTOR,
    NOW,
    NURSE,
    PASSWORD,
    TODAY,
    at,
    injection,
    login,
    make_patient,
    started_on_injection,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fixed_today")]

# TODAY is Saturday 21 November 2026.
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NINE, TEN = time(9), time(10)
WEEKDAYS_9_TO_5: dict[int, tuple[time, time] | None] = {
    d: ((time(9), time(17)) if d < 5 else None) for d in range(7)
}


@pytest.fixture(autouse=True)
def reminders(settings: Any) -> None:
    settings.REMINDERS = ReminderConfig(
        clinic_short_name="Eastside", public_url="https://e.example.org"
    )


@pytest.fixture
def staff() -> None:
    create_staff("nina.nurse", PASSWORD, Role.NURSE, full_name="Nina Nurse")
    create_staff("pat.prescriber", PASSWORD, Role.PRESCRIBER, full_name="Pat Prescriber")
    create_staff("cora.coordinator", PASSWORD, Role.COORDINATOR)


def weekdays_open() -> None:
    set_week_hours(WEEKDAYS_9_TO_5, actor=COORDINATOR, at=NOW)


# ---- the calendar settings -----------------------------------------------------------------------


def test_a_clinic_with_no_hours_is_open_every_day() -> None:
    assert clinic_calendar().hours is None
    p = make_patient("MRN-9101")
    assert book_appointment(p, kind="lab", on=TODAY, time=time(23), actor=COORDINATOR, at=NOW)


def test_the_director_sets_hours_holidays_and_rooms_and_each_is_audited() -> None:
    set_week_hours(WEEKDAYS_9_TO_5, actor=DIRECTOR, at=NOW)
    add_holiday(date(2026, 12, 25), "Christmas Day", actor=DIRECTOR, at=NOW)
    room = add_room("Injection room 1", actor=DIRECTOR, at=NOW)
    cal = clinic_calendar()
    assert cal.hours is not None and sorted(cal.hours) == [0, 1, 2, 3, 4]
    assert cal.holidays == {date(2026, 12, 25): "Christmas Day"}
    assert set_room_active(room.pk, False, actor=DIRECTOR, at=NOW).active is False
    events = list(
        AuditEvent.objects.filter(actor="dana.director").values_list("object_type", "detail")
    )
    assert ("clinic_holiday", "2026-12-25 Christmas Day") in events
    assert ("clinic_room", "Injection room 1 retired") in events
    assert any(
        t == "clinic_hours" and "Sat closed" in d and "Mon 09:00-17:00" in d for t, d in events
    )


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: set_week_hours({0: (time(17), time(9))}, actor=DIRECTOR, at=NOW), "monday_closes"),
        (lambda: set_week_hours(dict.fromkeys(range(7)), actor=DIRECTOR, at=NOW), "hours"),
        (lambda: add_holiday(date(2026, 12, 25), "  ", actor=DIRECTOR, at=NOW), "name"),
        (lambda: add_room("", actor=DIRECTOR, at=NOW), "name"),
    ],
    ids=["closes-before-opening", "never-open", "unnamed-holiday", "unnamed-room"],
)
def test_bad_settings_are_refused_naming_the_field_and_write_nothing(call: Any, field: str) -> None:
    with pytest.raises(InputError) as refused:
        call()
    assert refused.value.field == field
    assert not OpeningHours.objects.exists() and not Holiday.objects.exists()
    assert not Room.objects.exists()


def test_a_day_is_a_holiday_once_and_a_room_name_is_unique() -> None:
    add_holiday(date(2026, 12, 25), "Christmas Day", actor=DIRECTOR, at=NOW)
    add_room("Lab chair", actor=DIRECTOR, at=NOW)
    with pytest.raises(InputError, match="2026-12-25 is already a holiday"):
        add_holiday(date(2026, 12, 25), "Again", actor=DIRECTOR, at=NOW)
    with pytest.raises(InputError, match="a room named 'Lab chair' already exists"):
        add_room("Lab chair", actor=DIRECTOR, at=NOW)
    assert Holiday.objects.count() == Room.objects.count() == 1


@pytest.mark.parametrize("actor", [NURSE], ids=["nurse"])
def test_only_the_director_and_the_coordinator_change_the_calendar(actor: Any) -> None:
    with pytest.raises(PermissionRefused):
        add_holiday(date(2026, 12, 25), "Christmas Day", actor=actor, at=NOW)
    add_holiday(date(2026, 12, 25), "Christmas Day", actor=COORDINATOR, at=NOW)


# ---- booking: open days, hours, clinicians and rooms -----------------------------------------------


def test_a_visit_on_a_closed_day_a_holiday_or_outside_the_hours_is_refused() -> None:
    weekdays_open()
    add_holiday(TUESDAY, "Staff training", actor=COORDINATOR, at=NOW)
    p = make_patient("MRN-9102")
    cases: list[tuple[dict[str, Any], str, str]] = [
        (dict(on=date(2026, 11, 22)), "on", "the clinic is closed on Sundays"),
        (dict(on=TUESDAY), "on", "the clinic is closed on 2026-11-24 (Staff training)"),
        (dict(on=MONDAY, time=time(8, 30)), "time", "is outside the opening hours on Mondays (09:00 to 17:00)"),
        (dict(on=MONDAY, time=time(17)), "time", "is outside the opening hours on Mondays (09:00 to 17:00)"),
    ]  # fmt: skip
    for values, field, message in cases:
        with pytest.raises(InputError) as refused:
            book_appointment(p, kind="lab", actor=COORDINATOR, at=NOW, **values)
        assert (refused.value.field, refused.value.message) == (field, message)
    assert not Appointment.objects.exists()
    assert book_appointment(p, kind="lab", on=MONDAY, time=time(16, 59), actor=COORDINATOR, at=NOW)


def test_a_clinician_or_a_room_is_not_booked_twice_at_the_same_time(staff: None) -> None:
    room = add_room("Injection room 1", actor=COORDINATOR, at=NOW)
    a, b = make_patient("MRN-9103"), make_patient("MRN-9104")
    first = book_appointment(a, kind="injection", on=MONDAY, time=NINE, clinician="nina.nurse",
                             room=room.pk, actor=COORDINATOR, at=NOW)  # fmt: skip
    with pytest.raises(ConflictError) as refused:
        book_appointment(
            b, kind="lab", on=MONDAY, time=NINE, clinician="nina.nurse", actor=COORDINATOR, at=NOW
        )
    assert (refused.value.field, refused.value.message) == (
        "clinician",
        "Nina Nurse already has a visit on 2026-11-23 at 09:00",
    )
    with pytest.raises(ConflictError) as refused:
        book_appointment(b, kind="lab", on=MONDAY, time=NINE, room=room.pk, clinician="pat.prescriber",
                         actor=COORDINATOR, at=NOW)  # fmt: skip
    assert (refused.value.field, refused.value.message) == (
        "room",
        "Injection room 1 is already booked on 2026-11-23 at 09:00",
    )
    assert Appointment.objects.count() == 1
    # Another time, a visit by the day, or the slot once cancelled: all free.
    book_appointment(
        b,
        kind="lab",
        on=MONDAY,
        time=TEN,
        clinician="nina.nurse",
        room=room.pk,
        actor=COORDINATOR,
        at=NOW,
    )
    book_appointment(
        b, kind="lab", on=MONDAY, clinician="nina.nurse", room=room.pk, actor=COORDINATOR, at=NOW
    )
    set_appointment_status(
        first.pk, "cancelled", reason="Patient moved away", actor=COORDINATOR, at=NOW
    )
    book_appointment(b, kind="injection", on=MONDAY, time=NINE, clinician="nina.nurse", room=room.pk,
                     actor=COORDINATOR, at=NOW)  # fmt: skip


def test_the_database_refuses_a_slot_taken_between_the_check_and_the_write(
    staff: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two coordinators at once: both pass the check, the unique index refuses the second."""
    a, b = make_patient("MRN-9105"), make_patient("MRN-9106")
    book_appointment(
        a, kind="lab", on=MONDAY, time=NINE, clinician="nina.nurse", actor=COORDINATOR, at=NOW
    )
    monkeypatch.setattr(appointment_services, "_check_slot", lambda *args, **kwargs: None)
    with pytest.raises(ConflictError, match="this time slot was just taken"):
        book_appointment(
            b, kind="lab", on=MONDAY, time=NINE, clinician="nina.nurse", actor=COORDINATOR, at=NOW
        )
    assert Appointment.objects.count() == 1
    taken = Appointment.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Appointment.objects.create(patient=b, kind="lab", on=MONDAY, time=NINE, clinician=taken.clinician,
                                   booked_by="x", booked_at=NOW)  # fmt: skip


def test_a_clinician_must_be_an_active_clinician_and_a_room_in_use(staff: None) -> None:
    p = make_patient("MRN-9107")
    room = add_room("Old room", actor=COORDINATOR, at=NOW)
    set_room_active(room.pk, False, actor=COORDINATOR, at=NOW)
    for values, field in ((dict(clinician="cora.coordinator"), "clinician"), (dict(clinician="nobody"), "clinician"),
                          (dict(room=room.pk), "room"), (dict(room=99999), "room")):  # fmt: skip
        with pytest.raises(InputError) as refused:
            book_appointment(p, kind="lab", on=MONDAY, actor=COORDINATOR, at=NOW, **values)
        assert refused.value.field == field
    assert not Appointment.objects.exists()


# ---- the next injection -------------------------------------------------------------------------


def test_the_mar_books_the_next_injection_past_a_holiday_on_its_due_day() -> None:
    first = TODAY - timedelta(days=1)  # Friday 20 Nov: due Friday 18 Dec
    due = first + timedelta(days=28)
    add_holiday(due, "Clinic move", actor=COORDINATOR, at=at(first - timedelta(days=5)))
    p = started_on_injection("MRN-9110", first)
    [booked] = Appointment.objects.filter(patient=p, status="booked", kind="injection")
    assert booked.on == due - timedelta(days=1)  # the day before, never the holiday


def test_the_mar_books_no_injection_when_the_whole_window_is_closed_and_says_why() -> None:
    first = TODAY - timedelta(days=1)
    for n in range(21, 29):
        add_holiday(first + timedelta(days=n), f"Closure day {n}", actor=COORDINATOR, at=NOW)
    p = make_patient("MRN-9111", start=first - timedelta(days=2))
    from .conftest import make_ready

    make_ready(p, first)
    from naltrack.screening.services import run_screening, sign_screening

    from .conftest import PRESCRIBER, attested, order

    rec = run_screening(p, {}, formulation="xr_injection", actor=PRESCRIBER, at=at(first, 9))
    sign_screening(rec.pk, actor=PRESCRIBER, at=at(first, 9), **attested(rec.pk))
    order(p, first)
    done = record_administration(p, injection(first), actor=NURSE, at=at(first))
    assert done.next_appointment is None
    assert done.booking_message.startswith("No open day from 2026-12-11 to 2026-12-18")
    assert not Appointment.objects.filter(patient=p, status="booked").exists()


def test_book_next_injection_from_the_record() -> None:
    weekdays_open()
    first = TODAY - timedelta(days=1)
    p = started_on_injection("MRN-9112", first)
    auto = Appointment.objects.get(patient=p, status="booked")
    assert auto.on == date(2026, 12, 18)  # Friday, the due day
    with pytest.raises(ConflictError, match="already booked on 2026-12-18"):
        book_next_injection(p, actor=COORDINATOR, at=NOW)
    set_appointment_status(auto.pk, "cancelled", reason="Rebooking", actor=COORDINATOR, at=NOW)
    add_holiday(date(2026, 12, 18), "Staff day", actor=COORDINATOR, at=NOW)
    placed = book_next_injection(p, actor=COORDINATOR, at=NOW)
    assert placed.appointment is not None and placed.appointment.on == date(2026, 12, 17)
    assert "booked 1 day(s) earlier" in placed.booking.message
    with pytest.raises(InputError, match="no injection has been given yet"):
        book_next_injection(make_patient("MRN-9113"), actor=COORDINATOR, at=NOW)


# ---- moving, cancelling, no-shows; reminders follow ----------------------------------------------------


def _with_email(mrn: str) -> Any:
    from naltrack.patients.services import PatientInput, register_patient

    return register_patient(PatientInput(mrn=mrn, given_name="Ada", family_name="Example",
                                         birth_date=date(1990, 1, 2), sex_at_birth="female",
                                         email="ada@example.org", preferred_reminder_channel="email"),
                            actor=COORDINATOR, at=NOW)  # fmt: skip


def test_a_moved_visit_moves_its_reminder_and_a_cancelled_one_cancels_it(staff: None) -> None:
    p = _with_email("MRN-9120")
    appt = book_appointment(p, kind="counselling", on=MONDAY, time=NINE, actor=COORDINATOR, at=NOW)
    assert list(Reminder.objects.filter(patient=p).values_list("about_day", "status")) == [
        (MONDAY, "pending")
    ]
    moved = reschedule_appointment(appt.pk, on=TUESDAY, time=TEN, clinician="nina.nurse", room=None,
                                   actor=COORDINATOR, at=NOW)  # fmt: skip
    assert (moved.on, moved.time, moved.clinician.username) == (TUESDAY, TEN, "nina.nurse")  # type: ignore[union-attr]
    rows = dict(Reminder.objects.filter(patient=p).values_list("about_day", "status"))
    assert rows == {MONDAY: "cancelled", TUESDAY: "pending"}
    event = AuditEvent.objects.filter(object_type="appointment", action="update").latest("id")
    assert (
        event.detail
        == "moved: counselling 2026-11-23 09:00 -> counselling 2026-11-24 10:00 with nina.nurse"
    )
    with pytest.raises(InputError) as refused:
        set_appointment_status(appt.pk, "cancelled", reason="  ", actor=COORDINATOR, at=NOW)
    assert refused.value.field == "reason"
    set_appointment_status(
        appt.pk, "cancelled", reason="Patient is travelling", actor=COORDINATOR, at=NOW
    )
    appt.refresh_from_db()
    assert (appt.status, appt.cancel_reason) == ("cancelled", "Patient is travelling")
    assert set(Reminder.objects.filter(patient=p).values_list("status", flat=True)) == {"cancelled"}
    with pytest.raises(ConflictError, match="only a booked visit can be moved"):
        reschedule_appointment(
            appt.pk, on=MONDAY, time=None, clinician=None, room=None, actor=COORDINATOR, at=NOW
        )


def test_a_move_is_refused_onto_a_closed_day_a_past_day_or_a_taken_slot(staff: None) -> None:
    weekdays_open()
    a, b = make_patient("MRN-9121"), make_patient("MRN-9122")
    book_appointment(
        a, kind="lab", on=MONDAY, time=NINE, clinician="nina.nurse", actor=COORDINATOR, at=NOW
    )
    mine = book_appointment(
        b, kind="lab", on=MONDAY, time=TEN, clinician="nina.nurse", actor=COORDINATOR, at=NOW
    )
    for on, at_time, field in ((date(2026, 11, 29), NINE, "on"), (TODAY - timedelta(days=1), NINE, "on"),
                               (MONDAY, NINE, "clinician"), (MONDAY, time(18), "time")):  # fmt: skip
        with pytest.raises(InputError) as refused:
            reschedule_appointment(mine.pk, on=on, time=at_time, clinician="nina.nurse", room=None,
                                   actor=COORDINATOR, at=NOW)  # fmt: skip
        assert refused.value.field == field
    mine.refresh_from_db()
    assert (mine.on, mine.time) == (MONDAY, TEN)
    # Its own slot is not a conflict: moving only the room keeps the time.
    room = add_room("Room A", actor=COORDINATOR, at=NOW)
    assert reschedule_appointment(mine.pk, on=MONDAY, time=TEN, clinician="nina.nurse", room=room.pk,
                                  actor=COORDINATOR, at=NOW).room == room  # fmt: skip


def test_a_no_show_is_a_missed_visit_on_today_and_cannot_be_in_the_future() -> None:
    p = make_patient("MRN-9123")
    today = book_appointment(
        p, kind="lab", on=TODAY, actor=COORDINATOR, at=at(TODAY - timedelta(days=2))
    )
    later = book_appointment(p, kind="lab", on=MONDAY, actor=COORDINATOR, at=NOW)
    with pytest.raises(InputError, match="cannot be kept or missed yet"):
        set_appointment_status(later.pk, "missed", actor=COORDINATOR, at=NOW)
    set_appointment_status(today.pk, "missed", actor=COORDINATOR, at=NOW)
    tomorrow = today_worklist(TODAY + timedelta(days=1), actor=COORDINATOR)
    assert tomorrow.missed_appointments is not None
    assert [(r.patient.mrn, r.status) for r in tomorrow.missed_appointments.rows] == [
        ("MRN-9123", "missed")
    ]


# ---- pages ---------------------------------------------------------------------------------------


def test_the_calendar_week_shows_closed_days_visits_and_is_audited(staff: None) -> None:
    weekdays_open()
    add_holiday(TUESDAY, "Staff training", actor=COORDINATOR, at=NOW)
    p = make_patient("MRN-9130")
    book_appointment(
        p, kind="injection", on=MONDAY, time=NINE, clinician="nina.nurse", actor=COORDINATOR, at=NOW
    )
    c = login(Role.NURSE, "nora.nurse")
    page = c.get(f"/calendar/?view=week&day={MONDAY}").content.decode()
    assert "Closed</strong>: Staff training" in page
    assert "Closed</strong> on Sundays" in page
    assert "Test Patient" in page or p.given_name in page
    assert "Nina Nurse" in page
    mine = c.get(f"/calendar/?view=day&day={MONDAY}&clinician=pat.prescriber").content.decode()
    assert "Nothing booked." in mine and p.mrn not in mine
    assert AuditEvent.objects.filter(
        object_type="calendar", actor="nora.nurse", detail__contains=p.mrn
    ).exists()


def test_the_director_sets_the_calendar_but_sees_no_patient_schedule() -> None:
    c = login(Role.DIRECTOR, "dina.director")
    assert c.get("/calendar/").status_code == 403
    page = c.get("/calendar/settings/")
    assert page.status_code == 200 and b"Opening hours" in page.content
    data = (
        {"form": "hours"}
        | {f"hours-{d}_opens": "08:30" for d in ("monday", "tuesday")}
        | {f"hours-{d}_closes": "16:00" for d in ("monday", "tuesday")}
    )
    assert c.post("/calendar/settings/", data).status_code == 302
    assert sorted(OpeningHours.objects.values_list("weekday", flat=True)) == [0, 1]
    bad = c.post(
        "/calendar/settings/", {"form": "hours", "hours-monday_opens": "08:30"}
    ).content.decode()
    assert "give both times on Monday, or neither for a closed day" in bad
    assert 'value="08:30"' in bad  # what was typed stays
    assert c.post("/calendar/settings/", {"form": "holiday", "holiday-on": "2026-12-25",
                                          "holiday-name": "Christmas Day"}).status_code == 302  # fmt: skip
    assert Holiday.objects.get().name == "Christmas Day"
    assert login(Role.NURSE, "nora.nurse").get("/calendar/settings/").status_code == 403


def test_a_cancellation_from_the_calendar_needs_a_reason_and_keeps_the_typing(staff: None) -> None:
    weekdays_open()
    p = make_patient("MRN-9131")
    appt = book_appointment(p, kind="lab", on=MONDAY, time=NINE, actor=COORDINATOR, at=NOW)
    c = login(Role.COORDINATOR, "coco.coordinator")
    url = f"/calendar/?view=day&day={MONDAY}"
    empty = c.post(url, {"form": "cancel", "cancel-appointment": appt.pk, "cancel-reason": "",
                         "view": "day", "day": str(MONDAY)}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert empty.status_code == 200 and "This field is required." in empty.content.decode()
    appt.refresh_from_db()
    assert appt.status == "booked"
    moved = c.post(url, {"form": "move", "move-appointment": appt.pk, "move-on": "2026-11-29",
                         "move-time": "09:30", "view": "day", "day": str(MONDAY)}).content.decode()  # fmt: skip
    assert "the clinic is closed on Sundays" in moved  # beside the day, the typing kept
    assert 'value="09:30"' in moved and 'value="2026-11-29"' in moved
    done = c.post(url, {"form": "cancel", "cancel-appointment": appt.pk, "cancel-reason": "Patient is unwell",
                        "view": "day", "day": str(MONDAY)}, follow=True).content.decode()  # fmt: skip
    appt.refresh_from_db()
    assert (appt.status, appt.cancel_reason) == ("cancelled", "Patient is unwell")
    assert "Reason: Patient is unwell" in done or "Patient is unwell" in done


def test_the_patient_page_books_with_a_clinician_and_books_the_next_injection(staff: None) -> None:
    first = TODAY - timedelta(days=1)
    p = started_on_injection("MRN-9132", first)
    Appointment.objects.filter(patient=p).delete()
    c = login(Role.COORDINATOR, "coco.coordinator")
    page = c.post(f"/patients/{p.mrn}/appointments/next-injection/", follow=True).content.decode()
    assert "Next injection booked for Friday 18 December 2026." in page
    again = c.post(f"/patients/{p.mrn}/appointments/next-injection/", follow=True).content.decode()
    assert "Not booked: an injection visit is already booked on 2026-12-18" in again
    c.post(f"/patients/{p.mrn}/appointments/", {"form": "book", "book-kind": "lab", "book-on": str(MONDAY),
                                               "book-time": "09:00", "book-clinician": "nina.nurse"})  # fmt: skip
    assert Appointment.objects.get(patient=p, kind="lab").clinician.username == "nina.nurse"  # type: ignore[union-attr]


# ---- the API -------------------------------------------------------------------------------------


class Api:
    def __init__(self, username: str, role: Role) -> None:
        create_staff(username, PASSWORD, role)
        self.headers = {"Authorization": f"Bearer {create_token(username, at=NOW)}"}
        self.c = Client()

    def call(self, method: str, path: str, body: object = None) -> tuple[int, Any]:
        import json

        r = self.c.generic(method, f"/api{path}", json.dumps(body) if body is not None else "",
                           content_type="application/json", headers=self.headers)  # fmt: skip
        return r.status_code, r.json()


def test_the_api_books_moves_cancels_and_marks_no_shows(staff: None) -> None:
    p = make_patient("MRN-9140")
    api = Api("cody.coordinator", Role.COORDINATOR)
    status, room = api.call("POST", "/clinic-calendar/rooms", {"name": "Injection room 1"})
    assert status == 201
    status, body = api.call(
        "POST",
        f"/patients/{p.mrn}/appointments",
        {
            "kind": "injection",
            "on": str(MONDAY),
            "time": "09:00",
            "clinician": "nina.nurse",
            "room": room["id"],
        },
    )
    assert status == 201 and (body["clinician"], body["room"]) == ("nina.nurse", "Injection room 1")
    other = make_patient("MRN-9141")
    status, clash = api.call(
        "POST",
        f"/patients/{other.mrn}/appointments",
        {"kind": "lab", "on": str(MONDAY), "time": "09:00", "room": room["id"]},
    )
    assert status == 409 and clash["field"] == "room"
    status, moved = api.call(
        "POST",
        f"/appointments/{body['id']}/reschedule",
        {"on": str(TUESDAY), "time": "10:30", "clinician": None, "room": room["id"]},
    )
    assert status == 200 and (moved["on"], moved["time"], moved["clinician"]) == (
        str(TUESDAY),
        "10:30",
        None,
    )
    status, err = api.call("POST", f"/appointments/{body['id']}/cancel", {"reason": ""})
    assert status == 400 and err["field"] == "reason"
    status, err = api.call("POST", f"/appointments/{body['id']}/status", {"status": "cancelled"})
    assert status == 400 and err["field"] == "reason"
    status, gone = api.call(
        "POST", f"/appointments/{body['id']}/cancel", {"reason": "Patient asked"}
    )
    assert status == 200 and (gone["status"], gone["cancel_reason"]) == (
        "cancelled",
        "Patient asked",
    )
    today = book_appointment(
        other, kind="lab", on=TODAY, actor=COORDINATOR, at=at(TODAY - timedelta(days=1))
    )
    status, missed = api.call("POST", f"/appointments/{today.pk}/no-show")
    assert status == 200 and missed["status"] == "missed"
    status, cal = api.call("GET", f"/calendar?first={MONDAY}&view=week")
    assert status == 200 and [d["on"] for d in cal["days"]][:2] == [str(MONDAY), str(TUESDAY)]
    assert cal["days"][1]["visits"][0]["cancel_reason"] == "Patient asked"


def test_the_api_calendar_settings_and_next_injection() -> None:
    director = Api("dot.director", Role.DIRECTOR)
    status, body = director.call(
        "PUT",
        "/clinic-calendar/hours",
        {"open_days": [{"weekday": d, "opens": "09:00", "closes": "17:00"} for d in range(5)]},
    )
    assert status == 200 and body["hours_set"] is True and body["hours"][5]["opens"] is None
    status, err = director.call(
        "PUT",
        "/clinic-calendar/hours",
        {"open_days": [{"weekday": 0, "opens": "17:00", "closes": "09:00"}]},
    )
    assert status == 400 and err["field"] == "monday_closes"
    assert (
        director.call(
            "POST", "/clinic-calendar/holidays", {"on": "2026-12-18", "name": "Staff day"}
        )[0]
        == 201
    )
    assert (
        director.call("GET", f"/calendar?first={MONDAY}")[0] == 403
    )  # names patients: not the director's
    p = started_on_injection("MRN-9142", TODAY - timedelta(days=1))
    assert Appointment.objects.get(patient=p, status="booked").on == date(2026, 12, 17)  # Thursday
    Appointment.objects.filter(patient=p).delete()
    status, placed = Api("cody.coordinator", Role.COORDINATOR).call(
        "POST", f"/patients/{p.mrn}/appointments/next-injection"
    )
    assert (
        status == 201
        and placed["on"] == "2026-12-17"
        and placed["appointment"]["kind"] == "injection"
    )
    assert placed["due_date"] == "2026-12-18"
