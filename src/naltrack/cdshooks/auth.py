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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from threading import Lock

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction

from naltrack.config import CdsClient

from .models import SeenToken

ALGORITHMS = ("ES384", "RS384")
LEEWAY_S = 30  # clocks differ a little between the EHR and us
MAX_LIFETIME_S = 300  # the specification: exp no more than 5 minutes in the future
JWKS_CACHE_S = 300

_jwks: dict[str, jwt.PyJWKClient] = {}
_jwks_lock = Lock()


class NotTrusted(Exception):
    """The call is refused before anything is read (401), with the reason to send back."""


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


def _keys(client: CdsClient) -> jwt.PyJWKClient:
    with _jwks_lock:
        found = _jwks.get(client.jwks_url)
        if found is None:
            found = _jwks[client.jwks_url] = jwt.PyJWKClient(
                client.jwks_url, cache_keys=True, lifespan=JWKS_CACHE_S, timeout=5
            )
        return found


def bearer(header: str) -> str:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotTrusted("send the EHR's signed JWT as Authorization: Bearer <jwt>")
    return token.strip()


def verify(token: str, service_id: str, *, feedback: bool = False) -> Caller:
    """The caller, once its JWT is proved; else NotTrusted. The jti is recorded as used. Times are
    the machine's real clock, as the JWT's are (never a clinic's fixed demo day)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise NotTrusted("the bearer token is not a JWT") from exc
    if header.get("alg") not in ALGORITHMS:
        raise NotTrusted(f"the JWT's alg must be one of {', '.join(ALGORITHMS)}")
    client = _client(claims.get("iss"))
    accepted = [audience(service_id)] + ([f"{audience(service_id)}/feedback"] if feedback else [])
    try:
        key = _keys(client).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientError as exc:
        raise NotTrusted(f"no key of the client's JWKS verifies this JWT ({exc})") from exc
    try:
        proved = jwt.decode(
            token, key.key, algorithms=list(ALGORITHMS), audience=accepted,
            issuer=client.iss, leeway=LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError as exc:
        raise NotTrusted("the JWT has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise NotTrusted(f"the JWT's aud must be {audience(service_id)}") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise NotTrusted(f"the JWT lacks the {exc.claim} claim") from exc
    except jwt.PyJWTError as exc:
        raise NotTrusted(f"the JWT does not verify ({exc})") from exc
    expires = datetime.fromtimestamp(int(proved["exp"]), UTC)
    if int(proved["exp"]) - int(proved["iat"]) > MAX_LIFETIME_S:
        raise NotTrusted("the JWT must expire within 5 minutes of being issued")
    jti = str(proved["jti"])
    if not jti or len(jti) > 300:
        raise NotTrusted("the JWT's jti must be 1 to 300 characters")
    try:
        with transaction.atomic():
            now = datetime.now(UTC)
            SeenToken.objects.filter(expires_at__lt=now - timedelta(seconds=LEEWAY_S)).delete()
            SeenToken.objects.create(iss=client.iss, jti=jti, expires_at=expires)
    except IntegrityError as exc:
        raise NotTrusted("this JWT was already used (its jti is spent)") from exc
    return Caller(client, str(proved["sub"]), jti)
