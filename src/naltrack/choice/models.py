"""A medication choice made with the patient (issue 15): the option, the reasons, what mattered
to the patient, who recorded it, and for buprenorphine or methadone the referral out."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.choice import OPTION_TITLES, TOPIC_TITLES, Option
from naltrack.patients.models import Episode, Patient


class OptionChoice(models.TextChoices):
    NALTREXONE_TABLET = Option.NALTREXONE_TABLET.value, OPTION_TITLES[Option.NALTREXONE_TABLET]
    NALTREXONE_INJECTION = (
        Option.NALTREXONE_INJECTION.value,
        OPTION_TITLES[Option.NALTREXONE_INJECTION],
    )
    NALTREXONE_IMPLANT = Option.NALTREXONE_IMPLANT.value, OPTION_TITLES[Option.NALTREXONE_IMPLANT]
    BUPRENORPHINE = Option.BUPRENORPHINE.value, OPTION_TITLES[Option.BUPRENORPHINE]
    METHADONE = Option.METHADONE.value, OPTION_TITLES[Option.METHADONE]
    ACAMPROSATE = Option.ACAMPROSATE.value, OPTION_TITLES[Option.ACAMPROSATE]
    DISULFIRAM = Option.DISULFIRAM.value, OPTION_TITLES[Option.DISULFIRAM]


PRIORITY_CHOICES = [(t.value, title) for t, title in TOPIC_TITLES.items()]


class MedicationChoice(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="medication_choices"
    )
    episode = models.ForeignKey(
        Episode, on_delete=models.PROTECT, related_name="medication_choices"
    )
    option = models.CharField(max_length=30, choices=OptionChoice.choices)
    reasons = models.TextField()
    # The topics the patient said matter most (clinical.choice.Topic values).
    priorities = models.JSONField(default=list, blank=True)
    # Buprenorphine or methadone: the program the patient is referred to, and when.
    referral_program = models.CharField(max_length=200, blank=True)
    referral_on = models.DateField(null=True, blank=True)
    policy_version = models.CharField(max_length=64)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ("-decided_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(referral_program="", referral_on__isnull=True)
                | (~models.Q(referral_program="") & models.Q(referral_on__isnull=False)),
                name="choice_referral_program_and_date_together",
            )
        ]

    @property
    def referred_out(self) -> bool:
        return bool(self.referral_program)

    def priority_titles(self) -> list[str]:
        titles = dict(PRIORITY_CHOICES)
        return [titles.get(p, p) for p in self.priorities]
