"""Pseudonymous keys for the analytic facts (issue 14): a patient, an episode, a dose, ... appears
in the Parquet tables only as `pseudonym(kind, pk)`.

The key is HMAC-SHA256 of "<kind>:<pk>" under a key derived from the clinic's SECRET_KEY (HKDF
with a fixed label, so the facts' key is never the secret itself nor any other key derived from
it). It is stable across runs (the same row always gets the same key, so incremental parts join),
different per kind (patient 7 and episode 7 do not share a key), and cannot be turned back into a
row id without the secret. Rotating SECRET_KEY changes every key: re-extract with `--full` then.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

LABEL = b"naltrack outcomes pseudonym v1"
HEX_CHARS = 20  # 80 bits: no collision to expect below ~10^12 rows of one kind


@lru_cache(maxsize=4)
def _key(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=LABEL).derive(
        secret.encode("utf-8")
    )


def pseudonym(kind: str, pk: int) -> str:
    """The stable pseudonymous key of row `pk` of `kind` ("patient", "episode", "dose", ...)."""
    message = f"{kind}:{int(pk)}".encode()
    digest = hmac.new(_key(str(settings.SECRET_KEY)), message, hashlib.sha256).hexdigest()
    return digest[:HEX_CHARS]


def keyer(kind: str) -> dict[int, str]:
    """A memo of one kind's keys for a run (a patient's key is asked for once per row)."""
    return _Keys(kind)


class _Keys(dict[int, str]):
    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind

    def __missing__(self, pk: int) -> str:
        value = self[pk] = pseudonym(self.kind, pk)
        return value
