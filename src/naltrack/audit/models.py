"""The audit trail: every read and write of a patient's record, every export and login attempt.

Append-only. The application offers no way to change or delete an event: save() refuses an update,
delete() refuses, and a database trigger (migration 0002) refuses UPDATE and DELETE from any client.
Tamper-evident: each event carries its place in the chain (`seq`), the previous event's hash and its
own (chain.py); `naltrack audit verify` walks the chain and names the first broken link.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class AuditAction(models.TextChoices):
    READ = "read", "Read"
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    EXPORT = "export", "Export"
    LOGIN = "login", "Login"
    LOGIN_FAILED = "login_failed", "Login failed"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    at = models.DateTimeField(db_index=True)
    actor = models.CharField(
        max_length=150, db_index=True, help_text="username, or the attempted one"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=50, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # No foreign key: the trail outlives any record it mentions.
    patient_mrn = models.CharField(max_length=32, blank=True, db_index=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    detail = models.CharField(max_length=500, blank=True)
    # The hash chain (chain.py): 1, 2, 3, ... in the order the events were written, each event's
    # SHA-256 over its fields and the previous event's hash (GENESIS before the first).
    seq = models.BigIntegerField(unique=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    row_hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ("-at", "-id")
        indexes = [models.Index(fields=("patient_mrn", "at"))]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type} {self.object_id}"


class AuditChainHead(models.Model):
    """The chain's last link: one row (id 1), locked by every transaction that writes an event, so
    that concurrent writers on PostgreSQL and SQLite append one after the other and the chain stays
    a line. It also tells a deleted last event from a chain that simply ends there."""

    ROW_ID = 1

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"audit chain head {self.seq} {self.hash[:12]}"
