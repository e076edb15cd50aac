"""Injection kits by lot and expiry, one row per kit, and every move of a kit.

A `KitLot` is one receipt of kits of one lot; each kit of it is a `Kit` row, so where each kit is
(in the refrigerator, out of it since when, dispensed to which administration, wasted and why) is
exact. The time-out clock starts at the first removal from the refrigerator and is never reset
(clinical/inventory.py). A kit from a specialty pharmacy for one patient carries that patient.
"""

from __future__ import annotations

from django.db import models

from naltrack.clinical.inventory import KitState
from naltrack.patients.models import Patient

INJECTION_PRODUCT = "naltrexone ER 380 mg (VIVITROL)"


class KitLot(models.Model):
    product = models.CharField(max_length=80, default=INJECTION_PRODUCT)
    lot = models.CharField(max_length=40)
    expiry = models.DateField()
    received_on = models.DateField()
    received_by = models.CharField(max_length=150)
    count_received = models.PositiveIntegerField()
    source = models.CharField(max_length=120, blank=True)  # distributor or specialty pharmacy
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("expiry", "lot", "id")
        verbose_name = "kit lot received"

    def __str__(self) -> str:
        return f"{self.lot} (exp {self.expiry})"


class Kit(models.Model):
    lot = models.ForeignKey(KitLot, on_delete=models.PROTECT, related_name="kits")
    state = models.CharField(
        max_length=20,
        choices=[(s.value, s.value.replace("_", " ")) for s in KitState],
        default=KitState.REFRIGERATED.value,
    )
    first_out_at = models.DateTimeField(null=True, blank=True)  # first removal from the fridge
    # A specialty pharmacy's kit kept for one patient: only that patient's MAR may use it.
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="kits"
    )
    # The administration it was given at (the MAR sets it in the dose's own transaction). A
    # string reference: treatment sits above inventory and imports it, never the reverse.
    administration = models.OneToOneField(
        "treatment.Administration", on_delete=models.PROTECT, null=True, blank=True,
        related_name="kit",
    )  # fmt: skip
    wasted_reason = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ("lot__expiry", "id")
        verbose_name = "injection kit"

    def __str__(self) -> str:
        return f"kit {self.pk} lot {self.lot.lot}"


class KitEventKind(models.TextChoices):
    RECEIVED = "received", "Received"
    OUT_OF_FRIDGE = "out_of_fridge", "Out of the refrigerator"
    BACK_IN_FRIDGE = "back_in_fridge", "Back in the refrigerator"
    DISPENSED = "dispensed", "Dispensed"
    WASTED = "wasted", "Wasted"


class KitEvent(models.Model):
    kit = models.ForeignKey(Kit, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=KitEventKind.choices)
    at = models.DateTimeField()
    by = models.CharField(max_length=150)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ("at", "id")
        verbose_name = "kit move"
