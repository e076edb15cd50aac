"""Observations (urine screens, liver tests, instruments item by item, craving, pregnancy tests,
weight and BMI, naloxone challenges, reported use) and side effects with their follow-up."""

from __future__ import annotations

from django.db import models

from naltrack.patients.models import Patient


class ObservationKind(models.TextChoices):
    URINE_SCREEN = "urine_screen", "Urine drug screen"
    LIVER = "liver", "Liver tests (ALT, AST, bilirubin)"
    COWS = "cows", "COWS (opioid withdrawal)"
    CIWA_AR = "ciwa_ar", "CIWA-Ar (alcohol withdrawal)"
    PHQ9 = "phq9", "PHQ-9 (depression)"
    AUDIT = "audit", "AUDIT (alcohol use)"
    CRAVING = "craving", "Craving (0-10)"
    PREGNANCY_TEST = "pregnancy_test", "Pregnancy test"
    WEIGHT = "weight", "Weight and BMI"
    NALOXONE_CHALLENGE = "naloxone_challenge", "Naloxone challenge"
    SUBSTANCE_USE = "substance_use", "Reported substance use"


class Observation(models.Model):
    """One observation. `data` holds its parts (items, analytes, values); `total` the score or the
    single value that the charts plot; `band` and `flags` the core's reading of it."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="observations")
    kind = models.CharField(max_length=20, choices=ObservationKind.choices)
    observed_on = models.DateField()
    data = models.JSONField(default=dict)
    total = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=30, blank=True)
    flags = models.JSONField(default=list)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-observed_on", "-id")
        indexes = [models.Index(fields=("patient", "kind", "observed_on"))]


class SideEffectKind(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    HEADACHE = "headache", "Headache"
    DIZZINESS = "dizziness", "Dizziness"
    FATIGUE = "fatigue", "Fatigue"
    SLEEP = "sleep", "Sleep problems"
    ANXIETY = "anxiety", "Anxiety"
    LOW_MOOD = "low_mood", "Low mood"
    MUSCLE_JOINT_PAIN = "muscle_joint_pain", "Muscle or joint pain"
    INJECTION_SITE = "injection_site", "Injection-site reaction"
    LIVER = "liver", "Liver injury"
    OTHER = "other", "Other"


class SideEffectSeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class SideEffect(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="side_effects")
    kind = models.CharField(max_length=20, choices=SideEffectKind.choices)
    severity = models.CharField(max_length=10, choices=SideEffectSeverity.choices)
    noted_on = models.DateField()
    description = models.CharField(max_length=500, blank=True)
    administration = models.ForeignKey(
        "treatment.Administration", null=True, blank=True, on_delete=models.PROTECT
    )
    follow_up_due = models.DateField(null=True, blank=True)
    follow_up_note = models.TextField(blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-noted_on", "-id")
        indexes = [  # Today's follow-up section: open side effects by due day
            models.Index(fields=("follow_up_due", "id"), name="side_effect_follow_up_open",
                         condition=models.Q(resolved_on__isnull=True)),
        ]  # fmt: skip
