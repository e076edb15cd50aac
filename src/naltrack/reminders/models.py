"""Reminders to patients: one row per message to send (habit 6: work as rows), the patient's
choices (channels, quiet hours, language, stops), and calendar subscriptions.

A reminder row carries no clinical detail either: its kind says "visit" or "dose due", never which
medicine; its text is rendered only when it is sent (reminders/messages.py)."""

from __future__ import annotations

from django.db import models

from naltrack.appointments.models import Appointment
from naltrack.disclosure.models import Consent, Disclosure
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


class Notice(models.TextChoices):
    """What a support person may receive, each chosen by the patient."""

    VISIT = "visit", "Visit reminders"
    MISSED_VISIT = "missed_visit", "A notice after a missed visit"
    OVERDUE = "overdue", "A notice when the next visit is overdue"


class SupportPerson(models.Model):
    """Someone the patient names to receive notices (issue 11). Removed, never deleted: the
    disclosures made to them stay in the accounting."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="support_people")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    channel = models.CharField(max_length=10, choices=ReminderChannel.choices)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.CharField(max_length=150, blank=True)
    # The support person replied STOP to a text: no more texts to them.
    sms_stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("name", "id")

    def address(self) -> str:
        return self.email if self.channel == ReminderChannel.EMAIL else self.phone


class SupportConsent(models.Model):
    """The patient's consent for one support person: exactly which notices, given on which day,
    withdrawn at once when the patient says so. Its 42 CFR 2.31 record (`consent`) is what the
    one consent filter (disclosure.services.disclose) reads before any notice goes out."""

    support_person = models.ForeignKey(
        SupportPerson, on_delete=models.PROTECT, related_name="consents"
    )
    notices = models.JSONField(default=list, help_text="Notice values")
    consent = models.OneToOneField(
        Consent, on_delete=models.PROTECT, related_name="support_consent"
    )
    given_at = models.DateTimeField()
    given_by = models.CharField(max_length=150)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ("-given_at", "-id")

    def notice_labels(self) -> list[str]:
        return [Notice(n).label for n in self.notices]


class Reminder(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="reminders")
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    channel = models.CharField(max_length=10, choices=ReminderChannel.choices)
    # What it is about: the visit (visit reminders), the day (the visit's or the due day).
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="reminders"
    )
    about_day = models.DateField()
    # A notice to a support person: to whom, which notice, and its record in the accounting of
    # disclosures once the consent filter let it go.
    support_person = models.ForeignKey(
        SupportPerson, on_delete=models.PROTECT, null=True, blank=True, related_name="notices"
    )
    notice = models.CharField(max_length=20, choices=Notice.choices, blank=True)
    disclosure = models.ForeignKey(
        Disclosure, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
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
