"""The outreach log (issue 12): every attempt to reach a patient after a missed dose or in a risk
window, with its outcome, the next step and the day of the next attempt. Appended, never edited:
a wrong entry is corrected by the next one."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.outreach import AttemptKind, Outcome
from naltrack.patients.models import Patient

KIND_LABELS = {
    AttemptKind.CALL: "Phone call",
    AttemptKind.TEXT: "Text message",
    AttemptKind.LETTER: "Letter",
    AttemptKind.HOME_VISIT: "Home visit",
}
OUTCOME_LABELS = {
    Outcome.REACHED: "Reached",
    Outcome.MESSAGE_LEFT: "Message left",
    Outcome.NO_ANSWER: "No answer",
    Outcome.WRONG_NUMBER: "Wrong number",
    Outcome.DECLINED: "Reached, declined",
}


class AttemptKindChoice(models.TextChoices):
    CALL = AttemptKind.CALL.value, KIND_LABELS[AttemptKind.CALL]
    TEXT = AttemptKind.TEXT.value, KIND_LABELS[AttemptKind.TEXT]
    LETTER = AttemptKind.LETTER.value, KIND_LABELS[AttemptKind.LETTER]
    HOME_VISIT = AttemptKind.HOME_VISIT.value, KIND_LABELS[AttemptKind.HOME_VISIT]


class OutcomeChoice(models.TextChoices):
    REACHED = Outcome.REACHED.value, OUTCOME_LABELS[Outcome.REACHED]
    MESSAGE_LEFT = Outcome.MESSAGE_LEFT.value, OUTCOME_LABELS[Outcome.MESSAGE_LEFT]
    NO_ANSWER = Outcome.NO_ANSWER.value, OUTCOME_LABELS[Outcome.NO_ANSWER]
    WRONG_NUMBER = Outcome.WRONG_NUMBER.value, OUTCOME_LABELS[Outcome.WRONG_NUMBER]
    DECLINED = Outcome.DECLINED.value, OUTCOME_LABELS[Outcome.DECLINED]


class OutreachAttempt(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="outreach")
    kind = models.CharField(max_length=12, choices=AttemptKindChoice.choices)
    outcome = models.CharField(max_length=14, choices=OutcomeChoice.choices)
    # The clinic's day of the attempt (the day it counts for) and when it was logged.
    attempted_on = models.DateField()
    next_step = models.CharField(max_length=300, blank=True)
    next_attempt_on = models.DateField(null=True, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("attempted_on", "recorded_at", "id")
        indexes = [models.Index(fields=("patient", "attempted_on", "recorded_at"))]
