"""Appointments are their own area (issue 9, part 7; reminders build on it): the model moved out of
treatment without moving its table, and treatment uses it from above."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection

from naltrack.appointments.models import Appointment, AppointmentKind, AppointmentStatus
from naltrack.appointments.services import book_appointment, set_appointment_status
from tests.integration.conftest import COORDINATOR, TODAY, at, make_patient

pytestmark = pytest.mark.django_db


def test_appointments_keep_the_table_they_had_in_treatment() -> None:
    p = make_patient("MRN-7960")
    a = book_appointment(p, kind=AppointmentKind.LAB, on=TODAY + timedelta(days=3), actor=COORDINATOR,
                         at=at(TODAY))  # fmt: skip
    set_appointment_status(a.pk, AppointmentStatus.CANCELLED, reason="Patient asked", actor=COORDINATOR,
                           at=at(TODAY))  # fmt: skip
    assert Appointment._meta.db_table == "treatment_appointment"
    with connection.cursor() as cursor:
        cursor.execute("SELECT kind, status FROM treatment_appointment WHERE id = %s", [a.pk])
        assert cursor.fetchone() == ("lab", "cancelled")
    assert ContentType.objects.get_for_model(Appointment).app_label == "appointments"
    assert not ContentType.objects.filter(app_label="treatment", model="appointment").exists()
