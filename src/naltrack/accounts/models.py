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
    # Set when the director gives a one-time password (a new account, a reset): every page sends
    # the user to change it first, so only the user knows the password they sign in with.
    password_change_required = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"


class TokenScope(models.TextChoices):
    """What a token may do: `read` answers GET, `write` answers POST (and any other write)."""

    READ = "read", "Read"
    WRITE = "write", "Write"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 digest is kept; the token is shown once.
    It works until `expires_at`, or until it is revoked, and only for its scopes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="the first characters, to tell tokens apart")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.CharField(max_length=150, blank=True)
    # Space-separated TokenScope values, as OAuth writes them ("read write").
    scopes = models.CharField(max_length=50, default="read write")
    label = models.CharField(
        max_length=100, blank=True, help_text="what the token is for, e.g. the lab interface"
    )

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.user.get_username()}"

    @property
    def scope_set(self) -> frozenset[str]:
        return frozenset(self.scopes.split())


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
