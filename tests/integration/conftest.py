"""Database tests run on SQLite and, with NALTRACK_DATABASE_URL=postgresql://..., on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection

from naltrack.accounts.roles import Role
from naltrack.accounts.services import Actor
from naltrack.patients.models import Patient
from naltrack.patients.services import PatientInput, register_patient

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

# The named cast (style.md habit 9): one per role, and an outsider with no role.
PRESCRIBER = Actor(1, "pat.prescriber", Role.PRESCRIBER, "10.0.0.7")
NURSE = Actor(2, "nina.nurse", Role.NURSE, "10.0.0.8")
COUNSELOR = Actor(3, "cole.counselor", Role.COUNSELOR, "10.0.0.9")
COORDINATOR = Actor(4, "cora.coordinator", Role.COORDINATOR, "10.0.0.10")
DIRECTOR = Actor(5, "dana.director", Role.DIRECTOR, "10.0.0.11")
OUTSIDER = Actor(6, "oscar.outsider", None, "10.0.0.12")
CAST = (PRESCRIBER, NURSE, COUNSELOR, COORDINATOR, DIRECTOR, OUTSIDER)


@pytest.fixture
def vendor() -> str:
    return connection.vendor


@pytest.fixture
def alice(db: None) -> Patient:
    """Alice Example, a synthetic patient."""
    return register_patient(
        PatientInput(mrn="MRN-0001", given_name="Alice", family_name="Example",
                     birth_date=datetime(1988, 4, 2).date(), sex_at_birth="female"),
        actor=COORDINATOR, at=NOW,
    )  # fmt: skip
