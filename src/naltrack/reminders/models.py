"""Reminders to patients: one row per message to send (habit 6: work as rows), the patient's
choices (channels, quiet hours, language, stops), and calendar subscriptions.

A reminder row carries no clinical detail either: its kind says "visit" or "dose due", never which
medicine; its text is rendered only when it is sent (reminders/messages.py)."""

from __future__ import annotations

from django.db import models

from naltrack.appointments.models import Appointment
from naltrack.patients.models import Patient


class ReminderKind(models.TextChoices):
    VISIT = "visit", "Visit reminder"
    DOSE_DUE = "dose_due", "Next visit due"  # the injection's due day, said as a visit
    SUPPORT_NOTICE = "support_notice", "Notice to a support person"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"  # refused for good (a bad address, a stopped number)
    GIVEN_UP = "given_up", "Given up"  # failed every try allowed
    CANCELLED = "cancelled", "Cancelled"  # no longer wanted (visit cancelled, reminders stopped)


class Reminder(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=ReminderChannel.choices)
    # What it is about: the visit (visit reminders), the day (the visit's or the due day).
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    about_day = models.DateField()
    # One row per key and patient: re-planning is idempotent ("visit:<id>:<day>:email").
    key = models.CharField(max_length=100)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    claimed_by = models.CharField(max_length=100, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Where it went (the address or number at the time of sending).
    sent_to = models.CharField(max_length=254, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("due_at", "id")
        constraints = [
            models.UniqueConstraint(fields=("patient", "key"), name="reminder_key_once"),
        ]
        indexes = [models.Index(fields=("status", "due_at"), name="reminder_due_idx")]


class Preference(models.Model):
    """The patient's choices about reminders. A patient without a row gets the channel staff
    recorded at registration (Patient.preferred_reminder_channel)."""

    patient = models.OneToOneField(
        Patient, on_delete=models.PROTECT, related_name="reminder_preference"
    )
    email_on = models.BooleanField(default=False)
    sms_on = models.BooleanField(default=False)
    language = models.CharField(max_length=5, default="en", choices=(("en", "English"), ("es", "Español")))  # fmt: skip
    # Quiet hours, the clinic's local time: nothing is sent from `quiet_from` until `quiet_until`
    # (either may wrap past midnight); both empty: no quiet hours.
    quiet_from = models.TimeField(null=True, blank=True)
    quiet_until = models.TimeField(null=True, blank=True)
    # Stops: STOP replied to a text, the unsubscribe link of an email. They win over the choices
    # above until the patient turns the channel on again.
    sms_stopped_at = models.DateTimeField(null=True, blank=True)
    email_stopped_at = models.DateTimeField(null=True, blank=True)
    # An address the provider refused for good (bounced, unknown number): shown to staff.
    email_problem = models.CharField(max_length=500, blank=True)
    sms_problem = models.CharField(max_length=500, blank=True)
    # The unsubscribe link's secret (hex: no word can hide in it).
    unsubscribe_token = models.CharField(max_length=64, unique=True)
    updated_at = models.DateTimeField()
    updated_by = models.CharField(max_length=150)


class CalendarFeed(models.Model):
    """A calendar subscription URL. Only the SHA-256 of its secret is kept: the link is shown once,
    when made; revoking it (or making a new one) makes the old link answer 404."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="calendar_feeds")
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
