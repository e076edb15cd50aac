"""What staff marked done on Today (issue 12): a labs-and-reviews item of one patient, done on one
day. A done item leaves that day's active list and is shown as done (who, when), with an undo;
the next day it is listed again if the core still finds it due (the test was ordered but no
result is on file yet, the plan was not changed)."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.due import DueKind
from naltrack.patients.models import Patient


class WorklistItem(models.TextChoices):
    LIVER_TESTS = DueKind.LIVER_TESTS.value, "Liver tests"
    PLAN_REVIEW = DueKind.PLAN_REVIEW.value, "Plan review"


class DoneMark(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="worklist_done")
    item = models.CharField(max_length=20, choices=WorklistItem.choices)
    on = models.DateField(help_text="the day whose list the item leaves")
    due_on = models.DateField(null=True, blank=True, help_text="the due day it answered")
    done_by = models.CharField(max_length=150)
    done_at = models.DateTimeField()

    class Meta:
        ordering = ("-done_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("patient", "item", "on"), name="one_done_mark_per_item_and_day")
        ]  # fmt: skip
        indexes = [models.Index(fields=("on", "item"), name="done_mark_day")]
