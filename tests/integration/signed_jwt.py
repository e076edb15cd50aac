"""Another system's signing keys and the JWKS that publishes them on loopback: the EHR calling the
CDS Hooks services, and a SMART backend client of /fhir, sign their JWTs with these (ES384 and
RS384, the two algorithms both specifications name)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa


class Keys:
    """Two signing keys (ES384 and RS384) and the JWKS that publishes them."""

    def __init__(self) -> None:
        self.ec = ec.generate_private_key(ec.SECP384R1())
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.jwks = {"keys": [
            {**json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.ec.public_key())), "kid": "ec-1",
             "alg": "ES384", "use": "sig"},
            {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.rsa.public_key())), "kid": "rsa-1",
             "alg": "RS384", "use": "sig"},
        ]}  # fmt: skip

    def sign(self, claims: dict[str, Any], alg: str = "ES384", kid: str | None = None) -> str:
        key = self.ec if alg == "ES384" else self.rsa
        kid = kid or ("ec-1" if alg == "ES384" else "rsa-1")
        return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid})


@contextmanager
def serving(answer: Callable[[str, str], tuple[int, bytes]]) -> Iterator[str]:
    """A JSON server on loopback for as long as the block runs: `answer(path, authorization)`
    gives each GET's status and body. Yields its address."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = answer(self.path, self.headers.get("Authorization", ""))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@contextmanager
def served_jwks(keys: Keys) -> Iterator[str]:
    """The keys' JWKS served on loopback for as long as the block runs; yields its address."""
    body = json.dumps(keys.jwks).encode()
    with serving(lambda path, auth: (200, body)) as url:
        yield f"{url}/jwks.json"
