"""The Today page reads its sections from indexed queries (issue 9, performance): the faster
queries must show the same rows, in the same order, with the same totals."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from naltrack.appointments.models import Appointment, AppointmentStatus
from naltrack.patients.models import Patient
from naltrack.worklist.services import MISSED_LOOKBACK_DAYS, SECTION_LIMIT, today_worklist
from tests.integration.conftest import NOW, NURSE, TODAY

pytestmark = pytest.mark.django_db


def _booked(patient: Patient, days_ago: int, status: str = AppointmentStatus.BOOKED) -> None:
    Appointment.objects.create(patient=patient, kind="injection", on=TODAY - timedelta(days=days_ago),
                               status=status, booked_by="test", booked_at=NOW)  # fmt: skip


def _patients(n: int) -> list[Patient]:
    # Family names out of MRN order, so the order by name within a day is visible.
    return [
        Patient.objects.create(
            mrn=f"T-{i:03d}",
            given_name="G",
            family_name=f"Name {(i * 7) % n:03d}",
            birth_date=TODAY - timedelta(days=12000),
            sex_at_birth="male",
            created_at=NOW,
        )
        for i in range(n)
    ]


def test_missed_appointments_are_newest_day_first_then_by_name_with_the_whole_count() -> None:
    people = _patients(40)
    for i, p in enumerate(people):
        _booked(
            p,
            days_ago=1 + i % 4,
            status=(AppointmentStatus.MISSED, AppointmentStatus.BOOKED)[i % 2],
        )
    _booked(people[0], days_ago=MISSED_LOOKBACK_DAYS + 1)  # outside the fortnight
    _booked(people[1], days_ago=0)  # today is not missed yet
    _booked(people[2], days_ago=2, status=AppointmentStatus.KEPT)  # kept
    section = today_worklist(TODAY, actor=NURSE).missed_appointments
    assert section is not None
    expected = [(TODAY - timedelta(days=1 + i % 4), p.family_name) for i, p in enumerate(people)]
    expected.sort(key=lambda row: (-row[0].toordinal(), row[1]))
    assert [(a.on, a.patient.family_name) for a in section.rows] == expected[:SECTION_LIMIT]
    assert (section.total, section.more) == (40, 40 - SECTION_LIMIT)


def test_missed_appointments_fewer_than_a_page_and_none() -> None:
    assert today_worklist(TODAY, actor=NURSE).missed_appointments.total == 0  # type: ignore[union-attr]
    people = _patients(3)
    for i, p in enumerate(people):
        _booked(p, days_ago=3 - i)
    section = today_worklist(TODAY, actor=NURSE).missed_appointments
    assert section is not None and section.total == 3
    assert [a.patient.mrn for a in section.rows] == ["T-002", "T-001", "T-000"]


def test_the_patient_link_tag_renders_what_the_include_renders() -> None:
    p = SimpleNamespace(mrn="MRN-<7>", family_name="O'Brien & Co", given_name="Zoë")
    include = render_to_string("includes/patient_link.html", {"p": p})
    tag = Template("{% patient_link p %}").render(Context({"p": p}))
    assert tag == include.rstrip("\n")
    assert "O&#x27;Brien &amp; Co" in tag and "MRN-&lt;7&gt;" in tag
