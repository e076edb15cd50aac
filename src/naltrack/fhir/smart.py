"""SMART Backend Services (SMART App Launch 2.x, "Backend Services"): another system (a hospital's
EHR, a payer, a registry) reads /fhir with no person signed in.

- The system is registered by the program (NALTRACK_FHIR_CLIENTS): its client_id, its public keys
  (a JWKS address), the scopes it may be granted, and what it is to the consent filter: its name
  as a recipient, its kind (a treating provider, a health plan) and the purpose its reads serve.
- It asks the token endpoint for an access token with the client-credentials grant, proving who it
  is with a JWT signed by one of its keys (`private_key_jwt`: iss = sub = client_id, aud = the token
  endpoint, at most 5 minutes, jti used once; naltrack.fhir.assertions proves it).
- It is granted the scopes it asked for that its registration allows (`system/Patient.rs`,
  `system/*.rs`; 1.0's `.read` too), for 5 minutes; the token is random, kept only as its SHA-256.
- Every patient's records it reads then go through the consent filter (views.py): a read is a
  disclosure, to the client by name, for its registered purpose, accounted.

Errors are OAuth 2.0's (RFC 6749 5.2): `invalid_client` (401) for an assertion that does not prove
the client, `invalid_request`, `unsupported_grant_type` and `invalid_scope` (400).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings

from naltrack.config import SYSTEM_SCOPE, FhirClient

from .assertions import ALGORITHMS, NotTrusted, prove, unverified_claims
from .models import AccessToken
from .resources import public_url

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_LIFETIME_S = 300  # SMART Backend Services recommends at most 5 minutes


class OAuthError(Exception):
    """A refused token request, as RFC 6749 5.2 answers it."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status, self.error, self.description = status, error, description


def token_url() -> str:
    return f"{public_url()}/fhir/auth/token"


def smart_configuration() -> dict[str, object]:
    """/fhir/.well-known/smart-configuration: what a backend client needs to ask for a token."""
    return {
        "token_endpoint": token_url(),
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": list(ALGORITHMS),
        "scopes_supported": ["system/*.rs", "system/*.read", "system/Patient.rs"],
        "capabilities": ["client-confidential-asymmetric", "permission-v1", "permission-v2"],
    }


def _permissions(scope: str) -> tuple[str, frozenset[str]] | None:
    """A system scope's resource type (or *) and its permissions among r (read) and s (search)."""
    found = SYSTEM_SCOPE.match(scope)
    if not found:
        return None
    kind, perms = found.groups()
    return kind, frozenset("rs" if perms == "read" else perms)


def covers(granted: tuple[str, ...] | list[str], resource_type: str, permission: str) -> bool:
    """Does one of the scopes allow `permission` ("r" read, "s" search) on `resource_type`?"""
    for scope in granted:
        parsed = _permissions(scope)
        if parsed and parsed[0] in ("*", resource_type) and permission in parsed[1]:
            return True
    return False


def _allowed(requested: str, registered: tuple[str, ...]) -> bool:
    """A scope asked for is granted when the registration allows each of its permissions: on
    every resource type (`*`) for a `*` scope, on that type (or `*`) for a type's scope."""
    parsed = _permissions(requested)
    if parsed is None:
        return False
    kind, perms = parsed
    mine = [p for p in (_permissions(r) for r in registered) if p]
    return all(any((k == "*" or k == kind) and perm in ps for k, ps in mine) for perm in perms)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _client(client_id: object) -> FhirClient:
    for c in settings.FHIR_CLIENTS:
        if c.client_id == client_id:
            return c
    raise OAuthError(401, "invalid_client", "the assertion's iss is not a registered client")


def grant(form: Mapping[str, str]) -> dict[str, object]:
    """The access token for a client-credentials request (the form's fields), or OAuthError."""
    if form.get("grant_type") != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type", "grant_type must be client_credentials")
    if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
        raise OAuthError(400, "invalid_request", f"client_assertion_type must be {CLIENT_ASSERTION_TYPE}")  # fmt: skip
    assertion = (form.get("client_assertion") or "").strip()
    if not assertion:
        raise OAuthError(400, "invalid_request", "client_assertion is required (a signed JWT)")
    requested = (form.get("scope") or "").split()
    if not requested:
        raise OAuthError(400, "invalid_scope", "scope is required (for example system/Patient.rs)")
    try:
        client = _client(unverified_claims(assertion).get("iss"))
        prove(assertion, issuer=client.client_id, jwks_url=client.jwks_url,
              audiences=[token_url()], subject=client.client_id, iat_required=False)  # fmt: skip
    except NotTrusted as exc:
        raise OAuthError(401, "invalid_client", str(exc)) from None
    granted = [s for s in dict.fromkeys(requested) if _allowed(s, client.scopes)]
    if not granted:
        raise OAuthError(400, "invalid_scope", f"none of the scopes asked for is allowed to this client (registered: {' '.join(client.scopes)})")  # fmt: skip
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)  # the real clock, as the JWTs'
    AccessToken.objects.filter(expires_at__lt=now).delete()
    AccessToken.objects.create(
        digest=_digest(token), client_id=client.client_id, scopes=" ".join(granted),
        issued_at=now, expires_at=now + timedelta(seconds=TOKEN_LIFETIME_S),
    )  # fmt: skip
    return {"access_token": token, "token_type": "bearer", "expires_in": TOKEN_LIFETIME_S,
            "scope": " ".join(granted)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BackendCaller:
    """A backend client holding a live access token, with the scopes it was granted."""

    client: FhirClient
    scopes: tuple[str, ...]

    def may(self, resource_type: str, permission: str) -> bool:
        return covers(self.scopes, resource_type, permission)


def caller_for(token: str) -> BackendCaller | None:
    """The backend client this access token was issued to, while it lives and the client is still
    registered; None for any other token (a staff token, perhaps)."""
    row = AccessToken.objects.filter(digest=_digest(token)).first()
    if row is None or row.expires_at <= datetime.now(UTC):
        return None
    client = next((c for c in settings.FHIR_CLIENTS if c.client_id == row.client_id), None)
    if client is None:
        return None
    granted = tuple(s for s in row.scopes.split() if _allowed(s, client.scopes))
    return BackendCaller(client, granted) if granted else None
