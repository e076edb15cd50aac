"""Two coordinators booking one clinician's slot at the same moment, for two patients (so no
patient lock orders them): exactly one visit is booked, the other gets a clear refusal. On
PostgreSQL both pass the check and the unique index refuses the second write; on SQLite the write
transactions are serialised and the second sees the first. Real threads, committed data."""

from __future__ import annotations

import time
from datetime import date
from datetime import time as clock_time
from typing import Any

import pytest

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff
from naltrack.appointments import services as appointment_services
from naltrack.appointments.models import Appointment
from naltrack.appointments.services import book_appointment
from naltrack.clinical.errors import ConflictError
from tests.integration.committed import append_only_restored, committed_data  # noqa: F401
from tests.integration.conftest import COORDINATOR, NOW, make_patient
from tests.integration.test_concurrency import race

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("committed_data")]


def test_two_coordinators_booking_one_nurse_slot_at_once_book_it_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    create_staff("nina.nurse", "a-long-demo-password-1", Role.NURSE, full_name="Nina Nurse")
    a, b = make_patient("MRN-C101"), make_patient("MRN-C102")
    real = appointment_services._check_slot

    def checked_then_paused(*args: Any, **kwargs: Any) -> None:
        real(*args, **kwargs)
        time.sleep(0.3)  # both have checked before either writes (where the database allows it)

    monkeypatch.setattr(appointment_services, "_check_slot", checked_then_paused)
    on, at = date(2026, 11, 23), clock_time(9)

    def booking(p: Any) -> Any:
        return lambda: book_appointment(p, kind="injection", on=on, time=at, clinician="nina.nurse",
                                        actor=COORDINATOR, at=NOW)  # fmt: skip

    results = race(booking(a), booking(b))
    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, ConflictError)]
    assert len(booked) == 1 and len(refused) == 1, results
    assert refused[0].message in (
        "Nina Nurse already has a visit on 2026-11-23 at 09:00",
        "this time slot was just taken: the clinician or the room already has a visit on "
        "2026-11-23 at 09:00",
    )
    assert Appointment.objects.filter(on=on, time=at, status="booked").count() == 1
