"""Inquiries and referrals (issue 15): a person who calls, or is referred, to start treatment,
recorded with the minimum needed to reach and register them, and each step of the intake pipeline
(clinical/intake.py decides which step may follow which). Synthetic people only, anywhere."""

from __future__ import annotations

from django.db import models

from naltrack.appointments.models import Appointment
from naltrack.clinical.intake import Stage
from naltrack.patients.models import Patient, SexAtBirthChoice


class Source(models.TextChoices):
    SELF = "self", "Self"
    FAMILY = "family", "Family or friend"
    HOSPITAL = "hospital", "Hospital or emergency department"
    COURT = "court", "Court or probation"
    PRIMARY_CARE = "primary_care", "Primary care"
    OTHER = "other", "Other"


class PreferredContact(models.TextChoices):
    CALL = "call", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"


class WhatFor(models.TextChoices):
    OUD = "oud", "Opioid use disorder"
    AUD = "aud", "Alcohol use disorder"
    BOTH = "both", "Both"
    UNKNOWN = "unknown", "Not known yet"


class StageChoice(models.TextChoices):
    NEW = Stage.NEW.value, "New"
    CONTACTED = Stage.CONTACTED.value, "Contacted"
    INSURANCE_CHECKED = Stage.INSURANCE_CHECKED.value, "Insurance checked"
    ASSESSMENT_BOOKED = Stage.ASSESSMENT_BOOKED.value, "Assessment booked"
    STARTED = Stage.STARTED.value, "Started"
    CLOSED = Stage.CLOSED.value, "Closed"


class CloseReason(models.TextChoices):
    NOT_REACHED = "not_reached", "Could not be reached"
    DECLINED = "declined", "Declined treatment"
    REFERRED_OUT = "referred_out", "Referred to another program"
    NOT_ELIGIBLE = "not_eligible", "Not eligible here"
    ALREADY_PATIENT = "already_patient", "Already a patient"
    OTHER = "other", "Other"


class PayKind(models.TextChoices):
    INSURANCE = "insurance", "Insurance"
    SELF_PAY = "self_pay", "Self-pay"
    PROGRAM = "program", "Program or grant"


class Inquiry(models.Model):
    first_contact_at = models.DateTimeField()
    first_contact_on = models.DateField(db_index=True)  # the clinic's day of first contact
    source = models.CharField(max_length=20, choices=Source.choices)
    referrer = models.CharField(max_length=200, blank=True)  # who referred: "Mercy ED, Dr. Ode"
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    sex_at_birth = models.CharField(max_length=10, choices=SexAtBirthChoice.choices, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    preferred_contact = models.CharField(max_length=10, choices=PreferredContact.choices)
    what_for = models.CharField(max_length=10, choices=WhatFor.choices)
    note = models.CharField(max_length=300, blank=True)
    # The stored stage: never "started", which is derived from the first dose.
    status = models.CharField(max_length=20, choices=StageChoice.choices, default=StageChoice.NEW)
    close_reason = models.CharField(max_length=20, choices=CloseReason.choices, blank=True)
    close_note = models.CharField(max_length=300, blank=True)
    # What the coordinator verified at "insurance checked" (services.insurance_fields).
    pay_kind = models.CharField(max_length=10, choices=PayKind.choices, blank=True)
    payer = models.CharField(max_length=100, blank=True)
    plan = models.CharField(max_length=100, blank=True)
    member_id = models.CharField(max_length=40, blank=True)
    group_number = models.CharField(max_length=40, blank=True)
    # The assessment booked (an Appointment once the inquiry is converted).
    assessment_on = models.DateField(null=True, blank=True)
    assessment_time = models.TimeField(null=True, blank=True)
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries"
    )
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    converted_at = models.DateTimeField(null=True, blank=True)
    converted_by = models.CharField(max_length=150, blank=True)
    taken_by = models.CharField(max_length=150)

    class Meta:
        ordering = ("first_contact_at", "id")
        indexes = [models.Index(fields=("status", "first_contact_on"))]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status=Stage.STARTED.value), name="inquiry_started_is_derived"
            ),
            models.CheckConstraint(
                condition=models.Q(status=Stage.CLOSED.value) | models.Q(close_reason=""),
                name="inquiry_close_reason_only_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} (inquiry {self.pk})"


class StepKind(models.TextChoices):
    TAKEN = "taken", "Inquiry taken"
    CONTACTED = Stage.CONTACTED.value, "Contacted"
    INSURANCE_CHECKED = Stage.INSURANCE_CHECKED.value, "Insurance checked"
    ASSESSMENT_BOOKED = Stage.ASSESSMENT_BOOKED.value, "Assessment booked"
    CONVERTED = "converted", "Registered as a patient"
    CLOSED = Stage.CLOSED.value, "Closed"


class InquiryStep(models.Model):
    """One step of an inquiry: who took it, when, and what it recorded (appended, never edited)."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="steps")
    step = models.CharField(max_length=20, choices=StepKind.choices)
    detail = models.CharField(max_length=500, blank=True)
    by = models.CharField(max_length=150)
    at = models.DateTimeField()

    class Meta:
        ordering = ("at", "id")
