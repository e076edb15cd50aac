"""What the CDS Hooks services keep: each signed JWT's id until it expires (a JWT is used once),
and the feedback an EHR sends about the cards it showed."""

from __future__ import annotations

from django.db import models


class SeenToken(models.Model):
    """A JWT already accepted from a client (`iss`, `jti`): a second use is refused until it
    expires (then it could not be accepted anyway, and the row may go)."""

    iss = models.CharField(max_length=300)
    jti = models.CharField(max_length=300)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("iss", "jti"), name="cds_jti_once")]
        indexes = [models.Index(fields=("expires_at",))]


class Feedback(models.Model):
    """One card's outcome as the EHR reported it (CDS Hooks 2.0 feedback): accepted, with the
    suggestions taken, or overridden, with the reason given."""

    client = models.CharField(max_length=300)  # the JWT's iss
    service = models.CharField(max_length=40)
    card = models.CharField(max_length=100)  # the card's uuid
    outcome = models.CharField(max_length=20)  # accepted | overridden
    accepted_suggestions = models.JSONField(default=list, blank=True)
    override_reason = models.JSONField(default=dict, blank=True)
    outcome_at = models.DateTimeField()
    received_at = models.DateTimeField()

    class Meta:
        ordering = ("-received_at", "-id")
