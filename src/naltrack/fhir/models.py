"""What the FHIR server keeps: each signed JWT's id until it expires (an assertion is used once:
a SMART backend client's, and an EHR's CDS Hooks call, which naltrack.cdshooks verifies the same
way), and the access tokens it issued to backend clients (their digest, never the token)."""

from __future__ import annotations

from django.db import models


class SpentJwt(models.Model):
    """A signed JWT already accepted from an issuer (`iss`, `jti`): a second use is refused until
    it expires (then it could not be accepted anyway, and the row may go)."""

    iss = models.CharField(max_length=300)
    jti = models.CharField(max_length=300)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("iss", "jti"), name="fhir_jwt_jti_once")]
        indexes = [models.Index(fields=("expires_at",))]


class AccessToken(models.Model):
    """An access token issued to a SMART backend client (client-credentials grant): the SHA-256 of
    the token, the client it was issued to and the scopes granted, until it expires."""

    digest = models.CharField(max_length=64, unique=True)
    client_id = models.CharField(max_length=300)
    scopes = models.CharField(max_length=2000)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=("expires_at",))]
