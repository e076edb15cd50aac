"""Who is calling: the EHR's signed JWT (CDS Hooks 2.0, "Trusting CDS Clients"), verified before
anything is read. Refused, naming what is wrong, when:

- there is no `Authorization: Bearer <jwt>` header, or it is not a JWT;
- its `alg` is not ES384 or RS384 (the two the specification names; never `none` or a shared
  secret);
- its `iss` is not a registered client (NALTRACK_CDS_CLIENTS), or its `kid` is not among the keys
  the client publishes at its JWKS address, or the signature does not verify;
- `aud` is not this service's own address (`{NALTRACK_PUBLIC_URL}/cds-services/{id}`);
- it has expired, or expires more than 5 minutes after it was issued, or lacks `iss`, `sub`,
  `aud`, `exp`, `iat` or `jti`;
- its `jti` was already used by that client (kept until the token expires).

The proof itself is naltrack.fhir.assertions'.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from naltrack.config import CdsClient
from naltrack.fhir.assertions import ALGORITHMS, NotTrusted, prove, unverified_claims

__all__ = ["ALGORITHMS", "Caller", "NotTrusted", "audience", "bearer", "verify"]


@dataclass(frozen=True, slots=True)
class Caller:
    client: CdsClient
    subject: str  # the JWT's sub: the client's id at the EHR
    jti: str


def audience(service_id: str) -> str:
    return f"{settings.REMINDERS.public_url}/cds-services/{service_id}"


def _client(iss: object) -> CdsClient:
    for c in settings.CDS_CLIENTS:
        if c.iss == iss:
            return c
    raise NotTrusted("the JWT's iss is not a registered CDS client")


def bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotTrusted("send the EHR's signed JWT as Authorization: Bearer <jwt>")
    return token.strip()


def verify(token: str, service_id: str, *, feedback: bool = False) -> Caller:
    """The caller, once its JWT is proved (naltrack.fhir.assertions, the same proof as a SMART
    backend client's assertion); else NotTrusted. The jti is recorded as used."""
    client = _client(unverified_claims(token).get("iss"))
    accepted = [audience(service_id)] + ([f"{audience(service_id)}/feedback"] if feedback else [])
    proved = prove(token, issuer=client.iss, jwks_url=client.jwks_url, audiences=accepted)
    return Caller(client, str(proved["sub"]), str(proved["jti"]))
