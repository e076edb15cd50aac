"""What the patient reports in the portal (issue 11): tablets taken or skipped, and the daily
check-in. Kept apart from the clinic's own records: a logged tablet is never an observed dose
(treatment.Administration), a check-in is never a staff-recorded observation."""

from __future__ import annotations

from django.db import models

from naltrack.patients.models import Patient


class DoseStatus(models.TextChoices):
    TAKEN = "taken", "Taken"
    SKIPPED = "skipped", "Skipped"


class DoseLogEntry(models.Model):
    """The patient's word about one scheduled tablet: taken or skipped (with an optional reason).
    One per patient and day (schedules give at most one tablet a day); a correction overwrites
    it, and the audit trail keeps each change."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="dose_log")
    day = models.DateField()
    status = models.CharField(max_length=10, choices=DoseStatus.choices)
    reason = models.CharField(max_length=200, blank=True)
    dose_mg = models.PositiveIntegerField(null=True, blank=True, help_text="as scheduled")
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-day", "-id")
        constraints = [
            models.UniqueConstraint(fields=("patient", "day"), name="one_dose_log_entry_a_day")
        ]


class CheckIn(models.Model):
    """One daily check-in, as answered. The mood questions (PHQ-2 items and the thoughts-of-
    self-harm item, each 0-3) are empty on days they were not asked."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="checkins")
    day = models.DateField()
    craving = models.PositiveSmallIntegerField()
    opioid_use = models.BooleanField()
    alcohol_use = models.BooleanField()
    use_what = models.CharField(max_length=200, blank=True)
    side_effects = models.JSONField(default=list)
    phq2_interest = models.PositiveSmallIntegerField(null=True, blank=True)
    phq2_mood = models.PositiveSmallIntegerField(null=True, blank=True)
    phq2_self_harm = models.PositiveSmallIntegerField(null=True, blank=True)
    crisis_line_shown = models.CharField(max_length=300, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-day", "-id")
        constraints = [
            models.UniqueConstraint(fields=("patient", "day"), name="one_check_in_a_day")
        ]
