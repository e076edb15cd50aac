"""Consents (42 CFR 2.31), disclosures out of the program (the accounting, 2.24/2.25 and HIPAA
164.528) and declared medical emergencies (2.51). Rows are kept: a consent is revoked, never
deleted; a disclosure is a fact."""

from __future__ import annotations

from typing import Any

from django.db import models

from naltrack.clinical.consent import (
    PURPOSE_LABELS,
    RECIPIENT_CLASS_LABELS,
    RECORD_KIND_LABELS,
    Basis,
    ConsentScope,
    ExpiryEvent,
    Purpose,
    RecipientClass,
    RecordKind,
)
from naltrack.patients.models import Patient


class ScopeChoice(models.TextChoices):
    GENERAL = ConsentScope.GENERAL.value, "Records other than counselling notes"
    COUNSELLING_NOTES = (
        ConsentScope.COUNSELLING_NOTES.value,
        "Counselling notes (a separate consent)",
    )


class ExpiryEventChoice(models.TextChoices):
    ON_DATE = ExpiryEvent.ON_DATE.value, "On the expiry date"
    END_OF_TREATMENT = ExpiryEvent.END_OF_TREATMENT.value, "At the end of treatment (discharge)"
    NO_EXPIRY = ExpiryEvent.NO_EXPIRY.value, "None (single consent for treatment, payment and operations)"  # fmt: skip


class SignerChoice(models.TextChoices):
    PATIENT = "patient", "The patient"
    REPRESENTATIVE = "representative", "An authorised representative"


class BasisChoice(models.TextChoices):
    CONSENT = Basis.CONSENT.value, "Patient's written consent (42 CFR 2.31)"
    EMERGENCY = Basis.EMERGENCY.value, "Medical emergency (42 CFR 2.51)"


class Channel(models.TextChoices):
    PRINTED_SUMMARY = "printed_summary", "Printed record summary"
    RECORD_EXPORT = "record_export", "Record export (JSON)"
    # A notice to a support person the patient named (issue 11): a visit day, a missed visit
    SUPPORT_NOTICE = "support_notice", "Notice to a support person (email or text)"
    # A card shown in another system's EHR by the CDS Hooks services (issue 13)
    CDS_HOOKS = "cds_hooks", "Decision-support card in another system (CDS Hooks)"
    # Records read from /fhir by another system with SMART Backend Services (issue 13)
    FHIR_API = "fhir_api", "Read by another system through the FHIR API"


PURPOSE_CHOICES = [(p.value, label) for p, label in PURPOSE_LABELS.items()]
RECIPIENT_CLASS_CHOICES = [(c.value, label) for c, label in RECIPIENT_CLASS_LABELS.items()]
RECORD_KIND_CHOICES = [(k.value, label) for k, label in RECORD_KIND_LABELS.items()]


def _labels(values: list[str], names: dict[Any, str], kind: type[Any]) -> list[str]:
    return [names[kind(v)] for v in values]


class Consent(models.Model):
    """A written consent with the elements of 42 CFR 2.31(a)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    scope = models.CharField(max_length=20, choices=ScopeChoice.choices)
    discloser = models.CharField(max_length=200, help_text="who may disclose (2.31(a)(2))")
    recipient_names = models.JSONField(default=list, help_text="named persons or entities")
    recipient_classes = models.JSONField(default=list, help_text="RecipientClass values")
    purposes = models.JSONField(default=list, help_text="Purpose values (v3 ActReason)")
    all_records = models.BooleanField(default=False, help_text="all SUD records (scope allowing)")
    record_kinds = models.JSONField(default=list, help_text="RecordKind values")
    expires_on = models.DateField(
        null=True, blank=True, help_text="the first day it covers nothing"
    )
    expiry_event = models.CharField(max_length=20, choices=ExpiryEventChoice.choices, blank=True)
    signed_by = models.CharField(max_length=200)
    signer = models.CharField(max_length=20, choices=SignerChoice.choices)
    signed_on = models.DateField()
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()
    # Revocation in writing (2.31(a)(5)): the day, who revoked, what the writing said.
    revoked_on = models.DateField(null=True, blank=True)
    revoked_by = models.CharField(max_length=200, blank=True)
    revocation_note = models.CharField(max_length=1000, blank=True)
    revocation_recorded_by = models.CharField(max_length=150, blank=True)
    revocation_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-signed_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True) | ~models.Q(revoked_by=""),
                name="consent_revocation_names_who",
            ),
        ]

    def purpose_labels(self) -> list[str]:
        return _labels(self.purposes, PURPOSE_LABELS, Purpose)

    def recipient_class_labels(self) -> list[str]:
        return _labels(self.recipient_classes, RECIPIENT_CLASS_LABELS, RecipientClass)

    def record_kind_labels(self) -> list[str]:
        return _labels(self.record_kinds, RECORD_KIND_LABELS, RecordKind)


class Emergency(models.Model):
    """A medical emergency declared to disclose without consent (42 CFR 2.51): the nature of the
    emergency, who declared it and to which medical personnel; active until `ends_at`."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="emergencies")
    reason = models.CharField(max_length=1000, help_text="the nature of the emergency")
    recipient_name = models.CharField(max_length=200)
    recipient_affiliation = models.CharField(max_length=200, blank=True)
    declared_by = models.CharField(max_length=150)
    declared_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-declared_at", "-id")


class Disclosure(models.Model):
    """One disclosure out of the program: to whom, what, when, why, on which basis, by whom, with
    the records' security labels as they left."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="disclosures")
    recipient_name = models.CharField(max_length=200)
    recipient_class = models.CharField(max_length=30, choices=RECIPIENT_CLASS_CHOICES, blank=True)
    recipient_affiliation = models.CharField(max_length=200, blank=True)
    purpose = models.CharField(max_length=10, choices=PURPOSE_CHOICES)
    record_kinds = models.JSONField(default=list)
    labels = models.JSONField(default=list, help_text="[{system, code, display}]")
    basis = models.CharField(max_length=20, choices=BasisChoice.choices)
    consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="disclosures")  # fmt: skip
    notes_consent = models.ForeignKey(Consent, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="note_disclosures")  # fmt: skip
    emergency = models.ForeignKey(Emergency, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="disclosures")  # fmt: skip
    channel = models.CharField(max_length=20, choices=Channel.choices)
    disclosed_by = models.CharField(max_length=150)
    disclosed_at = models.DateTimeField(db_index=True)
    notice = models.CharField(max_length=100, help_text="the 2.32 statement that went with it")

    class Meta:
        ordering = ("-disclosed_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(basis="consent") & (models.Q(consent__isnull=False) | models.Q(notes_consent__isnull=False)))
                | (models.Q(basis="medical_emergency") & models.Q(emergency__isnull=False)),
                name="disclosure_names_its_basis",
            ),
        ]  # fmt: skip

    def record_kind_labels(self) -> list[str]:
        return _labels(self.record_kinds, RECORD_KIND_LABELS, RecordKind)

    def label_codes(self) -> str:
        return " ".join(label["code"] for label in self.labels)
