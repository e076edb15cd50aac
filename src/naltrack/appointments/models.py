"""Appointments: a patient's booked visits and whether each was kept, missed or cancelled."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import F

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


class AppointmentStatus(models.TextChoices):
    BOOKED = "booked", "Booked"
    KEPT = "kept", "Kept"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


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
    booked_by = models.CharField(max_length=150)
    booked_at = models.DateTimeField()

    class Meta:
        ordering = ("on", "id")
        db_table = "treatment_appointment"  # the model moved here from treatment; the table stayed
        indexes = [
            models.Index(fields=("status", "on"), name="treatment_a_status_d02594_idx"),
            models.Index(fields=("patient", "on"), name="treatment_a_patient_86e3f4_idx"),
        ]
