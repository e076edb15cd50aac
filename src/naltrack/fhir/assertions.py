"""A signed JWT from another system, proved against the public keys it registered (JWKS, fetched
and cached): the SMART Backend Services client assertion of /fhir's token endpoint, and the EHR's
JWT on each CDS Hooks call (naltrack.cdshooks). Refused, naming what is wrong, when:

- it is not a JWT, or its `alg` is not ES384 or RS384 (the two SMART and CDS Hooks name; never
  `none` or a shared secret);
- its issuer is not registered, or no key the issuer publishes verifies it;
- `aud` is not the address it was meant for;
- it has expired, or expires more than 5 minutes after it was issued, or lacks `iss`, `sub`,
  `aud`, `exp`, `iat` or `jti`;
- its `jti` was already used by that issuer (kept until the JWT expires).

Times are the machine's real clock, as the JWT's are (never a clinic's fixed demo day).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from threading import Lock
from typing import Any

import jwt
from django.db import IntegrityError, transaction

from .models import SpentJwt

ALGORITHMS = ("ES384", "RS384")
LEEWAY_S = 30  # clocks differ a little between the other system and us
MAX_LIFETIME_S = 300  # SMART and CDS Hooks: exp no more than 5 minutes after iat
JWKS_CACHE_S = 300

_jwks: dict[str, jwt.PyJWKClient] = {}
_jwks_lock = Lock()


class NotTrusted(Exception):
    """The call is refused before anything is read (401), with the reason to send back."""


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims, read to find the issuer's keys (nothing is trusted until `prove`)."""
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise NotTrusted("the bearer token is not a JWT") from exc
    if header.get("alg") not in ALGORITHMS:
        raise NotTrusted(f"the JWT's alg must be one of {', '.join(ALGORITHMS)}")
    return dict(claims)


def _keys(jwks_url: str) -> jwt.PyJWKClient:
    with _jwks_lock:
        found = _jwks.get(jwks_url)
        if found is None:
            found = _jwks[jwks_url] = jwt.PyJWKClient(
                jwks_url, cache_keys=True, lifespan=JWKS_CACHE_S, timeout=5
            )
        return found


def prove(token: str, *, issuer: str, jwks_url: str, audiences: Sequence[str],
          subject: str | None = None, iat_required: bool = True) -> dict[str, Any]:  # fmt: skip
    """The JWT's claims once its signature, issuer, audience, lifetime (and, given, subject) are
    proved and its jti is spent; NotTrusted otherwise. CDS Hooks requires `iat`; a SMART client
    assertion need not carry it (SMART App Launch 2.x, client-confidential-asymmetric): without
    one, `exp` may be at most 5 minutes from now."""
    unverified_claims(token)
    try:
        key = _keys(jwks_url).get_signing_key_from_jwt(token)
    except jwt.PyJWKClientError as exc:
        raise NotTrusted(f"no key of the client's JWKS verifies this JWT ({exc})") from exc
    try:
        proved = jwt.decode(
            token, key.key, algorithms=list(ALGORITHMS), audience=list(audiences),
            issuer=issuer, leeway=LEEWAY_S,
            options={"require": ["iss", "sub", "aud", "exp", *(["iat"] if iat_required else []), "jti"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError as exc:
        raise NotTrusted("the JWT has expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise NotTrusted(f"the JWT's aud must be {audiences[0]}") from exc
    except jwt.MissingRequiredClaimError as exc:
        raise NotTrusted(f"the JWT lacks the {exc.claim} claim") from exc
    except jwt.PyJWTError as exc:
        raise NotTrusted(f"the JWT does not verify ({exc})") from exc
    if subject is not None and proved["sub"] != subject:
        raise NotTrusted("the JWT's sub must be the client_id, as its iss is")
    issued = int(proved["iat"]) if "iat" in proved else int(datetime.now(UTC).timestamp())
    if int(proved["exp"]) - issued > MAX_LIFETIME_S + (0 if "iat" in proved else LEEWAY_S):
        raise NotTrusted("the JWT must expire within 5 minutes of being issued")
    jti = str(proved["jti"])
    if not jti or len(jti) > 300:
        raise NotTrusted("the JWT's jti must be 1 to 300 characters")
    expires = datetime.fromtimestamp(int(proved["exp"]), UTC)
    try:
        with transaction.atomic():
            now = datetime.now(UTC)
            SpentJwt.objects.filter(expires_at__lt=now - timedelta(seconds=LEEWAY_S)).delete()
            SpentJwt.objects.create(iss=issuer, jti=jti, expires_at=expires)
    except IntegrityError as exc:
        raise NotTrusted("this JWT was already used (its jti is spent)") from exc
    return dict(proved)
