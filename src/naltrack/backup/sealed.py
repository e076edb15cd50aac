"""The encrypted backup file: AES-256-GCM in chunks, so a database of any size streams through.

Layout (version 1), all integers big-endian:

    magic "NALTRACK-BACKUP" 0x01 | salt (32 bytes) | metadata length (4) | metadata (JSON)
    | key check (16) | chunk* where chunk = length (4) | ciphertext with its 16-byte tag

The file key is HKDF-SHA256 of NALTRACK_BACKUP_KEY with the file's random salt, so no two files
share a key and the nonce can be the chunk's number (11 bytes) and a last-chunk flag (1 byte). The
header is the associated data of every chunk, so its metadata cannot be changed either. The key
check (the tag of an empty message) tells a wrong key from a damaged file; a chunk that does not
authenticate, a chunk missing, reordered or cut off, or bytes after the last one, is damage.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from collections.abc import Iterator
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAGIC = b"NALTRACK-BACKUP\x01"
SALT_BYTES = 32
TAG_BYTES = 16
CHUNK = 1 << 20  # plaintext bytes per chunk
MAX_METADATA = 1 << 16
KEY_CHECK_NONCE = b"\xff" * 12  # never a chunk's nonce (a chunk's last byte is 0 or 1)


class BackupError(Exception):
    """A backup that cannot be written or read; the message says why, for the operator."""


def new_key() -> str:
    """A fresh NALTRACK_BACKUP_KEY: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii")


def _file_cipher(key: bytes, salt: bytes) -> AESGCM:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"naltrack backup v1")
    return AESGCM(derived.derive(key))


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class SealedWriter:
    """Encrypts what is written to it into `out`; close() seals the last chunk."""

    def __init__(self, out: IO[bytes], key: bytes, metadata: dict[str, Any]) -> None:
        salt = os.urandom(SALT_BYTES)
        meta = json.dumps(metadata, sort_keys=True).encode("utf-8")
        self._header = MAGIC + salt + struct.pack(">I", len(meta)) + meta
        self._cipher = _file_cipher(key, salt)
        self._out = out
        self._buffer = bytearray()
        self._counter = 0
        out.write(self._header)
        out.write(self._cipher.encrypt(KEY_CHECK_NONCE, b"", self._header))

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back for the last chunk
            self._emit(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]

    def close(self) -> None:
        self._emit(bytes(self._buffer), last=True)
        self._buffer.clear()

    def _emit(self, plain: bytes, *, last: bool) -> None:
        sealed = self._cipher.encrypt(_nonce(self._counter, last), plain, self._header)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._counter += 1


def _read_exactly(src: IO[bytes], n: int, what: str) -> bytes:
    data = src.read(n)
    if len(data) != n:
        raise BackupError(
            f"the backup file is cut short ({what} missing): it is damaged or incomplete"
        )
    return data


def read_header(src: IO[bytes], key: bytes) -> tuple[dict[str, Any], AESGCM, bytes]:
    """The metadata, after checking that `key` is the key the file was made with."""
    magic = src.read(len(MAGIC))
    if magic != MAGIC:
        raise BackupError(
            "this is not a naltrack backup file (or not of a version this naltrack reads)"
        )
    salt = _read_exactly(src, SALT_BYTES, "header")
    (length,) = struct.unpack(">I", _read_exactly(src, 4, "header"))
    if length > MAX_METADATA:
        raise BackupError("the backup file's header is damaged")
    meta_bytes = _read_exactly(src, length, "header")
    header = magic + salt + struct.pack(">I", length) + meta_bytes
    cipher = _file_cipher(key, salt)
    check = _read_exactly(src, TAG_BYTES, "key check")
    try:
        cipher.decrypt(KEY_CHECK_NONCE, check, header)
    except InvalidTag:
        raise BackupError(
            "NALTRACK_BACKUP_KEY is not the key this backup was made with (or its header is "
            "damaged); nothing was restored"
        ) from None
    try:
        metadata = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BackupError("the backup file's header is damaged") from None
    if not isinstance(metadata, dict):
        raise BackupError("the backup file's header is damaged")
    return metadata, cipher, header


def read_chunks(src: IO[bytes], cipher: AESGCM, header: bytes) -> Iterator[bytes]:
    """The plaintext, chunk by chunk, each authenticated before it is given out; BackupError
    at the first damaged, missing or extra byte."""
    counter = 0
    while True:
        raw_length = src.read(4)
        if len(raw_length) != 4:
            raise BackupError("the backup file is cut short: it is damaged or incomplete")
        (length,) = struct.unpack(">I", raw_length)
        if not TAG_BYTES <= length <= CHUNK + TAG_BYTES:
            raise BackupError(f"the backup file is damaged (chunk {counter + 1})")
        sealed = _read_exactly(src, length, f"chunk {counter + 1}")
        for last in (False, True):
            try:
                plain = cipher.decrypt(_nonce(counter, last), sealed, header)
            except InvalidTag:
                continue
            break
        else:
            raise BackupError(f"the backup file is damaged (chunk {counter + 1} does not "
                              "authenticate)")  # fmt: skip
        yield plain
        counter += 1
        if last:
            if src.read(1):
                raise BackupError("the backup file is damaged (bytes after its end)")
            return
