"""Safety alerts (from the core's evaluate_alerts) and each patient's care status: the figures the
Today page and the chart header show, recomputed on every relevant write and by
`naltrack alerts refresh`, so that the worklist is a few indexed queries however large the clinic."""

from __future__ import annotations

from django.db import models

from naltrack.patients.models import Patient


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class AlertSeverityChoice(models.TextChoices):
    URGENT = "urgent", "Urgent"
    HIGH = "high", "High"
    ROUTINE = "routine", "Routine"


SEVERITY_RANK = {"urgent": 0, "high": 1, "routine": 2}


class Alert(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="alerts")
    code = models.CharField(max_length=40)
    severity = models.CharField(max_length=10, choices=AlertSeverityChoice.choices)
    severity_rank = models.PositiveSmallIntegerField()
    message = models.CharField(max_length=500)
    action = models.CharField(max_length=500)
    source = models.CharField(max_length=300)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    raised_at = models.DateTimeField()
    acknowledged_by = models.CharField(max_length=150, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=150, blank=True, help_text="a user, or 'naltrack'")
    resolved_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    # The clinic policy whose thresholds raised (or last re-worded) this alert.
    policy_version = models.CharField(max_length=64, blank=True)
    # Who is to act on it (issue 12): a staff member's user name, given by a colleague; blank,
    # nobody in particular (the patient's care team).
    assigned_to = models.CharField(max_length=150, blank=True, db_index=True)
    assigned_by = models.CharField(max_length=150, blank=True)
    assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("severity_rank", "-raised_at", "id")
        indexes = [
            models.Index(fields=("status", "severity_rank")),
            models.Index(
                fields=("severity_rank", "-raised_at", "id"), name="alert_unresolved_order",
                condition=~models.Q(status="resolved"),
            ),
        ]  # fmt: skip
        constraints = [
            # Deduplicated: one unresolved alert per patient and code.
            models.UniqueConstraint(
                fields=("patient", "code"),
                condition=~models.Q(status="resolved"),
                name="one_unresolved_alert_per_code",
            )
        ]


class CareStatus(models.Model):
    """Where a patient stands today, as last computed. One row per patient."""

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="care")
    computed_on = models.DateField()
    active = models.BooleanField(default=False)
    indications = models.CharField(max_length=10, blank=True)  # "OUD", "AUD", "OUD+AUD"
    formulation = models.CharField(max_length=20, blank=True)
    last_dose_on = models.DateField(null=True, blank=True)
    next_due_on = models.DateField(null=True, blank=True, db_index=True)
    earliest_on = models.DateField(null=True, blank=True)
    overdue_from = models.DateField(null=True, blank=True)
    coverage_ends_on = models.DateField(null=True, blank=True)
    days_covered_90 = models.PositiveSmallIntegerField(null=True, blank=True)
    pdc_90 = models.FloatField(null=True, blank=True)
    # The core's verdict on pdc_90 under the clinic policy (pdc_adherent_min), not a number
    # compared outside the core.
    adherent_90 = models.BooleanField(null=True, blank=True)
    risk_window = models.CharField(max_length=40, blank=True, db_index=True)
    risk_message = models.CharField(max_length=300, blank=True)
    open_alerts = models.PositiveSmallIntegerField(default=0)
    worst_severity_rank = models.PositiveSmallIntegerField(null=True, blank=True)
    liver_test_due_on = models.DateField(null=True, blank=True)
    review_due_on = models.DateField(null=True, blank=True)
    # The clinic policy these figures were computed under (due days, risk window, alerts).
    policy_version = models.CharField(max_length=64, blank=True)

    class Meta:
        # The Today sections, each read in its own order (partial indexes: SQLite and PostgreSQL).
        indexes = [
            models.Index(
                fields=("overdue_from", "patient"), name="care_injection_overdue",
                condition=models.Q(active=True, formulation="xr_injection"),
            ),
            # overdue_from last: "due soon but not yet overdue" is decided inside the index (the
            # overdue rows sort first by due day; reading each one's row cost 30 ms on SQLite).
            models.Index(
                fields=("next_due_on", "patient", "overdue_from"), name="care_injection_due",
                condition=models.Q(active=True, formulation="xr_injection"),
            ),
            models.Index(
                fields=("worst_severity_rank", "patient"), name="care_in_risk_window",
                condition=~models.Q(risk_window=""),
            ),
            # Labs and reviews due: "liver test due or review due", one index per date that the
            # databases combine (BitmapOr on PostgreSQL, MULTI-INDEX OR on SQLite). Not partial:
            # SQLite then scanned a whole index for its order instead.
            models.Index(fields=("liver_test_due_on",), name="care_liver_test_due"),
            models.Index(fields=("review_due_on",), name="care_review_due"),
        ]  # fmt: skip
