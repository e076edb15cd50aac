"""Patients and their episodes of care (synthetic patients only, anywhere)."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.vocab import Indication, SexAtBirth


class SexAtBirthChoice(models.TextChoices):
    FEMALE = SexAtBirth.FEMALE.value, "Female"
    MALE = SexAtBirth.MALE.value, "Male"
    OTHER = SexAtBirth.OTHER.value, "Other"


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"
    NONE = "none", "No reminders"


class Patient(models.Model):
    mrn = models.CharField("MRN", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirthChoice.choices)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    preferred_reminder_channel = models.CharField(
        max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.NONE
    )
    support_person_name = models.CharField(max_length=200, blank=True)
    support_person_phone = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("family_name", "given_name", "mrn")
        indexes = [models.Index(fields=("family_name", "given_name"))]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"


class EpisodeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DISCHARGED = "discharged", "Discharged"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up", "Lost to follow-up"


class Episode(models.Model):
    """One episode of care in the program, from intake to discharge."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    treats_oud = models.BooleanField(default=False)
    treats_aud = models.BooleanField(default=False)
    start_date = models.DateField()
    status = models.CharField(
        max_length=20, choices=EpisodeStatus.choices, default=EpisodeStatus.ACTIVE
    )
    discharge_date = models.DateField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("-start_date", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(treats_oud=True) | models.Q(treats_aud=True),
                name="episode_has_an_indication",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", discharge_date__isnull=True)
                | (~models.Q(status="active") & models.Q(discharge_date__isnull=False)),
                name="episode_discharge_date_matches_status",
            ),
            models.UniqueConstraint(
                fields=("patient",),
                condition=models.Q(status="active"),
                name="one_active_episode_per_patient",
            ),
        ]

    @property
    def indications(self) -> frozenset[Indication]:
        return frozenset(
            ind
            for ind, on in ((Indication.OUD, self.treats_oud), (Indication.AUD, self.treats_aud))
            if on
        )
