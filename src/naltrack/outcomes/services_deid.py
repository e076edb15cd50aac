"""The de-identified export as a service (issue 14): checked input, built from the facts, audited
as a disclosure (an EXPORT naming the recipient, the purpose and what left), then returned.

The method is `deidentify` (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)); nothing identifies a patient,
so the audit event names no patient. A refused request (bad input, a role without reports) leaves
no file and no audit row.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from django.db import transaction

from naltrack.accounts.roles import Action
from naltrack.accounts.services import Actor, Console
from naltrack.audit.models import AuditAction
from naltrack.audit.services import record_by
from naltrack.clinical.errors import InputError

from .deidentify import build_export

MAX_TEXT = 120


def _required(value: str, field: str, what: str) -> str:
    text = " ".join((value or "").split())
    if not text:
        raise InputError(f"name the {what} of the de-identified export", field)
    if len(text) > MAX_TEXT:
        raise InputError(f"the {what} is longer than {MAX_TEXT} characters", field)
    return text


def export_deidentified(
    directory: Path, *, actor: Actor | Console, at: datetime, recipient: str, purpose: str
) -> bytes:
    """The de-identified export of the facts under `directory` as a zip of CSV files (with
    data_dictionary.csv and README.txt), audited as a disclosure to `recipient` for `purpose`."""
    if isinstance(actor, Actor):  # the operator at the console needs no role (naltrack outcomes)
        actor.require(Action.VIEW_REPORTS)
    recipient = _required(recipient, "recipient", "recipient")
    purpose = _required(purpose, "purpose", "purpose")
    export = build_export(Path(directory))
    data = export.zip_bytes()
    counts = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in export.rows.items())
    detail = (
        f"de-identified export (Safe Harbor) to {recipient} for {purpose}: "
        f"{export.patients} patients; {counts}; {export.suppressed} aggregate cells suppressed"
    )
    with transaction.atomic():
        record_by(actor, at, AuditAction.EXPORT, "deidentified_export", detail=detail[:500])
    return data
