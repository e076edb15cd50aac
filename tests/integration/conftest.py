"""Database tests run on SQLite and, with NALTRACK_DATABASE_URL=postgresql://..., on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
NURSE = "nina.nurse"


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture
def alice(db: None) -> Patient:
    """Alice Example, a synthetic patient."""
    return register_patient(
        PatientInput(mrn="MRN-0001", given_name="Alice", family_name="Example",
                     birth_date=datetime(1988, 4, 2).date(), sex_at_birth="female"),
        actor=NURSE, at=NOW,
    )  # fmt: skip
