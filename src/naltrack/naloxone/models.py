"""Naloxone kits (issue 15): the clinic's stock by lot and expiry, and what each patient was handed
(or said they already have, or declined), appended, never edited but for a void: an entry made in
error is marked voided (who, when, why; its kits back on the shelf) and kept, read by no count. The MAR's "reversal agent on
hand" at an injection (treatment.Administration) is the other source of "has one" (services.py
reads both); whether a patient has naloxone on hand on a day is the core's answer
(clinical/naloxone.py)."""

from __future__ import annotations

from django.db import models

from naltrack.clinical.naloxone import FactKind
from naltrack.patients.models import Patient


class Product(models.TextChoices):
    NASAL_4MG = "nasal_4mg", "Naloxone nasal spray 4 mg"
    NASAL_8MG = "nasal_8mg", "Naloxone nasal spray 8 mg"
    IM_0_4MG = "im_0_4mg", "Naloxone injection 0.4 mg/mL (IM)"
    NALMEFENE_NASAL = "nalmefene_nasal", "Nalmefene nasal spray 2.7 mg"


class HandOutKind(models.TextChoices):
    HANDED_OUT = FactKind.HANDED_OUT.value, "Kit handed out"
    HAS_ONE = FactKind.HAS_ONE.value, "Patient already has one"
    DECLINED = FactKind.DECLINED.value, "Offered, declined"


class Where(models.TextChoices):
    INJECTION = "injection", "At an injection"
    DISCONTINUATION = "discontinuation", "At discontinuation"
    VISIT = "visit", "At a visit"
    MAILED = "mailed", "Mailed"


class NaloxoneLot(models.Model):
    """One lot on the shelf: what was received and how many kits are left. `remaining` goes down
    in the same transaction as each hand-out (services.hand_out)."""

    product = models.CharField(max_length=20, choices=Product.choices)
    lot = models.CharField(max_length=40)
    expires_on = models.DateField()
    received_count = models.PositiveIntegerField()
    remaining = models.PositiveIntegerField()
    received_on = models.DateField()
    received_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("expires_on", "product", "lot")
        constraints = [
            models.UniqueConstraint(fields=("product", "lot"), name="naloxone_lot_once"),
            models.CheckConstraint(
                condition=models.Q(remaining__lte=models.F("received_count")),
                name="naloxone_remaining_at_most_received",
            ),
        ]


class NaloxoneHandOut(models.Model):
    """A kit handed to the patient, or their report of having one, or a refusal: the patient's
    naloxone history."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="naloxone")
    kind = models.CharField(max_length=12, choices=HandOutKind.choices)
    where = models.CharField(max_length=16, choices=Where.choices)
    given_on = models.DateField()
    # a hand-out only: the lot it came from (its product copied, the lot kept as it was)
    lot = models.ForeignKey(NaloxoneLot, on_delete=models.PROTECT, null=True, blank=True,
                            related_name="hand_outs")  # fmt: skip
    product = models.CharField(max_length=20, choices=Product.choices, blank=True)
    count = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    recorded_by = models.CharField(max_length=150)
    recorded_at = models.DateTimeField()
    # Entered in error (services.void_hand_out): kept as it was, counted nowhere.
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.CharField(max_length=150, blank=True)
    void_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("-given_on", "-recorded_at", "-id")
        indexes = [models.Index(fields=("patient", "given_on"))]
