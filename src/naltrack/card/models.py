"""The wallet card's verification links (issue 11): the QR code on a card opens a short page that
states only what that card states, until the card's blockade (or, for tablets, its life) ends.

The token in the link is random (secrets.token_urlsafe, 256 bits); only its SHA-256 is stored,
so a copy of the database cannot open a card's page. What the page shows is the card's own
content, frozen when the card was made: it never shows more, or newer, facts than the card."""

from __future__ import annotations

from django.db import models

from naltrack.patients.models import Patient


class CardLink(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="card_links")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token")
    issued_at = models.DateTimeField()
    issued_by = models.CharField(max_length=150)
    valid_until = models.DateField(help_text="the last day the verification page answers")
    language = models.CharField(max_length=8)
    content = models.JSONField(help_text="what the card states, as made")
    replaced_at = models.DateTimeField(
        null=True, blank=True, help_text="a newer card was made; this one's page says so"
    )

    class Meta:
        ordering = ("-issued_at", "-id")
        indexes = [models.Index(fields=("patient", "replaced_at"))]
