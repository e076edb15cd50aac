"""Screening records: the facts snapshot given to the core, its result, the policy version, and
the prescriber who signed it (naming what was reviewed, with a note, and a written reason for any
block overridden)."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.findings import Finding
from naltrack.clinical.signoff import MissingFact, finding_from_dict, missing_facts
from naltrack.clinical.vocab import Formulation
from naltrack.patients.models import Episode, Patient


class FormulationChoice(models.TextChoices):
    """The core's formulations as form and field choices (screening and treatment offer them)."""

    ORAL = Formulation.ORAL.value, "Oral tablets"
    XR_INJECTION = Formulation.XR_INJECTION.value, "Extended-release injection (380 mg)"
    IMPLANT = Formulation.IMPLANT.value, "Implant"


class DecisionChoice(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    NEEDS_REVIEW = "needs_review", "Needs review"
    NOT_YET = "not_yet", "Not yet"
    CONTRAINDICATED = "contraindicated", "Contraindicated"


class ScreeningRecord(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="screenings")
    as_of = models.DateField()
    formulation = models.CharField(max_length=20)
    facts = models.JSONField(help_text="the contract input given to the core, as it was")
    result = models.JSONField(help_text="the core's result, as it was")
    decision = models.CharField(max_length=20, choices=DecisionChoice.choices)
    earliest_start_date = models.DateField(null=True, blank=True)
    policy_version = models.CharField(max_length=64)
    created_by = models.CharField(max_length=150)
    created_at = models.DateTimeField()
    signed_by = models.CharField(max_length=150, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    # The attestation (issue 12): what the prescriber names as reviewed on signing (the core's
    # items: "facts" and finding codes, clinical.signoff) and the prescriber's note.
    reviewed = models.JSONField(default=list, blank=True,
                                help_text="what the signature names as reviewed")  # fmt: skip
    attestation_note = models.TextField(blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(signed_by="", signed_at__isnull=True)
                | (~models.Q(signed_by="") & models.Q(signed_at__isnull=False)),
                name="screening_signature_complete",
            )
        ]

    @property
    def signed(self) -> bool:
        return bool(self.signed_by)

    @property
    def formulation_words(self) -> str:
        return str(dict(FormulationChoice.choices).get(self.formulation, self.formulation))

    @property
    def overridden(self) -> bool:
        return bool(self.override_reason)

    def findings_of(self) -> tuple[Finding, ...]:
        """The stored result's findings, as the core's values."""
        return tuple(finding_from_dict(f) for f in self.result.get("findings", []))

    @property
    def missing_facts(self) -> tuple[MissingFact, ...]:
        """The required facts the stored result says are missing (the core decides which)."""
        return missing_facts(self.findings_of())
