"""The patient's side of naltrack: a portal account for a patient, and the invitations that
create one (issue 11). A portal account is a Django user with no staff profile; it acts only
through a PatientActor (accounts.actors) on its own patient's record."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from naltrack.patients.models import Patient


class Language(models.TextChoices):
    """The languages the portal, the reminders and the wallet card are written in."""

    ENGLISH = "en", "English"
    SPANISH = "es", "Español"


class PatientAccount(models.Model):
    """One patient's portal sign-in: one user, one patient, both ways."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="portal_account")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient_account"
    )
    language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150, help_text="who invited the patient")

    def __str__(self) -> str:
        return f"portal account of {self.patient.mrn}"


class InviteStatus(models.TextChoices):
    OPEN = "open", "Open"
    USED = "used", "Used"
    REVOKED = "revoked", "Replaced by a newer invitation"


class PortalInvite(models.Model):
    """A one-time invitation to the portal: a link (a long token in the address) and a short code
    to type, both kept only as keyed digests (portal/invites.py), shown once to staff and sent to
    the patient. It works until `expires_at`, once; a new invitation revokes the open ones."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="portal_invites")
    token_digest = models.CharField(max_length=64, unique=True)
    code_digest = models.CharField(max_length=64, unique=True)
    email = models.EmailField(help_text="where the invitation was sent")
    status = models.CharField(
        max_length=10, choices=InviteStatus.choices, default=InviteStatus.OPEN
    )
    created_at = models.DateTimeField()
    created_by = models.CharField(max_length=150)
    expires_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("patient", "status"))]

    def __str__(self) -> str:
        return f"portal invitation for {self.patient.mrn} ({self.status})"
