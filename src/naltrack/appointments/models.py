"""Appointments: a patient's booked visits and whether each was kept, missed or cancelled."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from naltrack.patients.models import Patient


def by_day_and_time() -> tuple[Any, ...]:
    """Visits in the order of the day, the same on every database: timed ones by their time, then
    those booked by the day (SQLite would put a null time first, PostgreSQL last)."""
    return ("on", F("time").asc(nulls_last=True), "id")


class AppointmentKind(models.TextChoices):
    INDUCTION = "induction", "Induction"
    INJECTION = "injection", "Injection"
    PRESCRIBER_REVIEW = "prescriber_review", "Prescriber review"
    COUNSELLING = "counselling", "Counselling"
    LAB = "lab", "Lab"
    ASSESSMENT = "assessment", "Intake assessment"


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    KEPT = "kept", "Kept"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class OpeningHours(models.Model):
    """The clinic's hours on one weekday (clinic time zone). A weekday with no row is closed; a
    clinic with no row at all has not set its hours and is open every day (clinical/calendar.py)."""

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, unique=True)
    opens = models.TimeField()
    closes = models.TimeField()
    changed_by = models.CharField(max_length=150)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ("weekday",)
        constraints = [
            models.CheckConstraint(
                condition=Q(opens__lt=F("closes")), name="hours_open_before_close"
            ),
        ]


class Holiday(models.Model):
    """A day the clinic is closed, with its name (a public holiday, a staff training day)."""

    on = models.DateField(unique=True)
    name = models.CharField(max_length=100)
    added_by = models.CharField(max_length=150)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ("on",)


class Room(models.Model):
    """A room or resource a visit is booked in (an injection room, a counselling room, the lab
    chair). Retired rooms stay for the visits booked in them but take no new ones."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


# A clinician or a room holds one booked visit per time slot; visits booked by the day (no time)
# and visits no longer booked hold none. The database refuses the second, so two coordinators
# booking the same slot at once cannot both succeed (services.py turns the refusal into a message).
SLOT_TAKEN = Q(status="booked", time__isnull=False)


class Appointment(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    kind = models.CharField(max_length=20, choices=AppointmentKind.choices)
    on = models.DateField()
    # The time of day, in the clinic's time zone (settings.TIME_ZONE); None: booked by the day.
    time = models.TimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    note = models.CharField(max_length=500, blank=True)
    # The staff member who sees the patient, and the room or resource (both optional).
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="appointments",
    )  # fmt: skip
    room = models.ForeignKey(
        Room, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments"
    )
    # Why a visit was cancelled (required when cancelling from the calendar or the API).
    cancel_reason = models.CharField(max_length=300, blank=True)
    booked_by = models.CharField(max_length=150)
    booked_at = models.DateTimeField()

    class Meta:
        ordering = ("on", "id")
        db_table = "treatment_appointment"  # the model moved here from treatment; the table stayed
        indexes = [
            models.Index(fields=("status", "on"), name="treatment_a_status_d02594_idx"),
            models.Index(fields=("patient", "on"), name="treatment_a_patient_86e3f4_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=("clinician", "on", "time"),
                condition=SLOT_TAKEN & Q(clinician__isnull=False),
                name="appointment_clinician_slot",
            ),
            models.UniqueConstraint(
                fields=("room", "on", "time"),
                condition=SLOT_TAKEN & Q(room__isnull=False),
                name="appointment_room_slot",
            ),
        ]
