"""Staff accounts: a Django user with one role, and API bearer tokens (stored as digests only)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .roles import Role


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(max_length=20, choices=Role.choices)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is kept; the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="the first characters, to tell tokens apart")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.user.get_username()}"


class IdempotencyKey(models.Model):
    """An API POST sent with an `Idempotency-Key` header, and the answer it got (web.idempotency):
    a retry with the same key from the same user gets that answer again and writes nothing new.
    `status` is null while the first request is being answered. Rows expire after a day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=2000)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 of the request body")
    status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    response_body = models.TextField(blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "key"), name="idempotency_key_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.key[:12]}…)"
