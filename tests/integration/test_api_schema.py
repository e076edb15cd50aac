"""The API against its own OpenAPI document (schemathesis, part of `make test`): for every operation,
requests generated from the document (its examples, its boundaries, then random ones) and sent with a
bearer token of each role in turn get no 5xx, no status the document does not declare, no response
that breaks its declared schema, and no 400 for a request the document says is valid (the document
declares the enums, lengths, patterns and day range the services enforce). Examples are bounded so
the run stays short.

The last check is left out only for the operations whose refusals depend on another field or on
the record as it stands, which no schema can state (listed below with the rule)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.wsgi import application
from tests.integration.conftest import NOW, TODAY, started_on_injection

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

ROLES = {
    "pat.prescriber": Role.PRESCRIBER,
    "nina.nurse": Role.NURSE,
    "cole.counselor": Role.COUNSELOR,
    "cora.coordinator": Role.COORDINATOR,
    "dana.director": Role.DIRECTOR,
}

# Refusals that depend on another field, on today or on the record (not on one value's shape).
RULES_BEYOND_THE_SCHEMA = {
    "GET /api/reports/program": "the end is on or after the start, by today, within three years",
    "POST /api/patients": "a birth date in the past and under 120 years; a reminder channel needs its contact",
}


@pytest.fixture
def tokens(db: None) -> itertools.cycle[str]:
    out = []
    for username, role in ROLES.items():
        create_staff(username, "a-long-demo-password-1", role)
        out.append(create_token(username, at=NOW))
    # The document's example MRN names a patient on treatment, so its records are read and written.
    started_on_injection("MRN-0001", TODAY - timedelta(days=28))
    return itertools.cycle(out)


@schema.parametrize()
@settings(max_examples=6, suppress_health_check=list(HealthCheck), deadline=None)
def test_api_conforms_to_its_document(case: Any, tokens: itertools.cycle[str]) -> None:
    excluded = [positive_data_acceptance] if case.operation.label in RULES_BEYOND_THE_SCHEMA else []
    case.call_and_validate(
        headers={"Authorization": f"Bearer {next(tokens)}"}, excluded_checks=excluded
    )
