"""Counselling sessions. Notes are visible to counselors and prescribers only (roles.py)."""

from __future__ import annotations

from django.db import models

from naltrack.patients.models import Patient


class SessionKind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual therapy"
    GROUP = "group", "Group therapy"
    INTENSIVE_OUTPATIENT = "intensive_outpatient", "Intensive outpatient"
    FAMILY = "family", "Family session"


class Attendance(models.TextChoices):
    ATTENDED = "attended", "Attended"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Cancelled"


class CounsellingSession(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="counselling")
    held_on = models.DateField()
    kind = models.CharField(max_length=25, choices=SessionKind.choices)
    attendance = models.CharField(max_length=10, choices=Attendance.choices)
    minutes = models.PositiveIntegerField(null=True, blank=True)
    note = models.TextField(blank=True)
    counselor = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-held_on", "-id")
