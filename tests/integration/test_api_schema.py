"""The API against its own OpenAPI document (schemathesis): for every operation, requests generated
from the document and sent with a bearer token of each role get no 5xx, no status the document does
not declare, and no response that breaks its declared schema. Bounded examples keep it fast."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from naltrack.accounts.roles import Role
from naltrack.accounts.services import create_staff, create_token
from naltrack.wsgi import application
from tests.integration.conftest import NOW

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)

ROLES = {
    "pat.prescriber": Role.PRESCRIBER,
    "nina.nurse": Role.NURSE,
    "cole.counselor": Role.COUNSELOR,
    "cora.coordinator": Role.COORDINATOR,
    "dana.director": Role.DIRECTOR,
}


@pytest.fixture
def tokens(db: None) -> list[str]:
    out = []
    for username, role in ROLES.items():
        create_staff(username, "a-long-demo-password-1", role)
        out.append(create_token(username, at=NOW))
    return out


@schema.parametrize()
@settings(max_examples=8, suppress_health_check=list(HealthCheck), deadline=None)
def test_api_conforms_to_its_document(case: Any, tokens: list[str]) -> None:
    for token in tokens:
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
