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


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    DELETED = "deleted", "Deleted"


class ExportJob(models.Model):
    """A Bulk Data $export asked for by a backend client (bulk.py): what it asked (level, group,
    types, since), the worker that claimed it, and when done the NDJSON files it wrote (under
    settings.BULK_EXPORT_DIR/<id>/), with the count of resources in each."""

    id = models.UUIDField(primary_key=True)
    client_id = models.CharField(max_length=300)
    level = models.CharField(max_length=10)  # system | patient | group
    group = models.CharField(max_length=64, blank=True)
    types = models.JSONField(default=list)
    since = models.DateTimeField(null=True, blank=True)
    request_url = models.CharField(max_length=2000)
    status = models.CharField(max_length=10, choices=ExportStatus.choices,
                              default=ExportStatus.QUEUED)  # fmt: skip
    requested_at = models.DateTimeField()
    claimed_by = models.CharField(max_length=100, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    transaction_time = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.CharField(max_length=200, blank=True)
    output = models.JSONField(default=list)  # [{"type", "file", "count"}]
    patients = models.PositiveIntegerField(default=0)  # charts disclosed in the export
    error = models.CharField(max_length=1000, blank=True)

    class Meta:
        indexes = [models.Index(fields=("status", "requested_at"))]


class ImportedResource(models.Model):
    """A resource imported from another system (importing.py), by that system's identifier: a
    second import of the same identifier finds this row and changes nothing."""

    resource_type = models.CharField(max_length=40)
    system = models.CharField(max_length=300)
    value = models.CharField(max_length=300)
    object_id = models.PositiveBigIntegerField()  # the row it became (a chart, an allergy, ...)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    imported_by = models.CharField(max_length=150)
    imported_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=("resource_type", "system", "value"),
                                               name="fhir_import_once_per_identifier")]  # fmt: skip
