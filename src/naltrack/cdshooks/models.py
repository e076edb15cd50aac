"""What the CDS Hooks services keep: the feedback an EHR sends about the cards it showed (each
JWT's spent id is kept by naltrack.fhir, whose proof of a signed JWT the services use)."""

from __future__ import annotations

from django.db import models


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
