"""Who pays for a patient's injection or implant (issue 15): coverages, the verification of the
injection's benefits, and prior authorizations with the history of their status. The rules about
them (valid, active, which status may follow which) are the core's: clinical/authorization.py."""

from __future__ import annotations

from django.db import models

from naltrack.patients.models import Patient


class CoverageKindChoice(models.TextChoices):
    INSURANCE = "insurance", "Insurance"
    SELF_PAY = "self_pay", "Self-pay"
    PROGRAM = "program", "Program or grant"


class RankChoice(models.TextChoices):
    PRIMARY = "primary", "Primary"
    SECONDARY = "secondary", "Secondary"


class Coverage(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="coverages")
    kind = models.CharField(max_length=10, choices=CoverageKindChoice.choices)
    payer = models.CharField(max_length=120, blank=True)
    plan = models.CharField(max_length=120, blank=True)
    member_id = models.CharField(max_length=60, blank=True)
    group = models.CharField(max_length=60, blank=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    rank = models.CharField(max_length=10, choices=RankChoice.choices, default=RankChoice.PRIMARY)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("rank", "-valid_from", "id")


class CoveredChoice(models.TextChoices):
    YES = "yes", "Covered"
    NO = "no", "Not covered"
    UNKNOWN = "unknown", "Unknown"


class BenefitChoice(models.TextChoices):
    PHARMACY = "pharmacy", "Pharmacy benefit"
    MEDICAL = "medical", "Medical benefit"


class SupplyChoice(models.TextChoices):
    SPECIALTY_PHARMACY = "specialty_pharmacy", "Specialty pharmacy"
    BUY_AND_BILL = "buy_and_bill", "Buy and bill"


class FormulationChoice(models.TextChoices):
    XR_INJECTION = "xr_injection", "Injection"
    IMPLANT = "implant", "Implant"


class BenefitsVerification(models.Model):
    """One verification of the benefits for a formulation: the latest is the one that holds."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="benefits")
    formulation = models.CharField(max_length=14, choices=FormulationChoice.choices)
    covered = models.CharField(max_length=8, choices=CoveredChoice.choices)
    benefit = models.CharField(max_length=10, choices=BenefitChoice.choices, blank=True)
    supply = models.CharField(max_length=20, choices=SupplyChoice.choices, blank=True)
    copay = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    copay_assistance = models.BooleanField(default=False)
    note = models.CharField(max_length=300, blank=True)
    verified_on = models.DateField()
    verified_by = models.CharField(max_length=150)
    verified_at = models.DateTimeField()

    class Meta:
        ordering = ("-verified_on", "-verified_at", "-id")


class AuthStatusChoice(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    DENIED = "denied", "Denied"
    APPEALED = "appealed", "Appealed"


class PriorAuthorization(models.Model):
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="prior_authorizations"
    )
    formulation = models.CharField(max_length=14, choices=FormulationChoice.choices)
    payer = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=AuthStatusChoice.choices)
    reference = models.CharField(max_length=60, blank=True)
    approved_units = models.PositiveIntegerField(default=0)
    units_used = models.PositiveIntegerField(default=0)
    approved_from = models.DateField(null=True, blank=True)
    approved_to = models.DateField(null=True, blank=True)
    submitted_on = models.DateField()
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-submitted_on", "-id")


class AuthorizationEvent(models.Model):
    """Each status change of a prior authorization, and each unit the MAR takes."""

    authorization = models.ForeignKey(
        PriorAuthorization, on_delete=models.CASCADE, related_name="events"
    )
    status = models.CharField(max_length=10, choices=AuthStatusChoice.choices)
    on = models.DateField()
    note = models.CharField(max_length=300, blank=True)
    by = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
