"""Sealing a draw: a commitment (the hash of the drawn ids with a random nonce) for the event
log, and the record itself encrypted with AES-GCM under a key that never reaches the store.
The associated data binds a sealed record to its case, step and round, so it cannot be moved."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from engine.errors import InputError

NONCE_BYTES = 12


class SealBroken(InputError):
    """A sealed record that does not open with the key: tampered with, or another key."""


def commitment(drawn: Sequence[str], nonce: bytes) -> str:
    """SHA-256 over the drawn ids, in the order drawn, and the nonce."""
    body = json.dumps(list(drawn), ensure_ascii=False).encode()
    return hashlib.sha256(body + b"|" + nonce).hexdigest()


def bound_to(case_id: str, step_id: str, round_number: int) -> bytes:
    return f"{case_id}|{step_id}|{round_number}".encode()


def seal(key: bytes, record: dict[str, Any], *, aad: bytes, nonce: bytes) -> str:
    """The record encrypted (base64 of nonce ‖ ciphertext); `nonce` comes from the caller's
    CSPRNG (the core draws no randomness)."""
    body = json.dumps(record, ensure_ascii=False, sort_keys=True).encode()
    return base64.b64encode(nonce + AESGCM(key).encrypt(nonce, body, aad)).decode()


def open_sealed(key: bytes, sealed: str, *, aad: bytes) -> dict[str, Any]:
    try:
        raw = base64.b64decode(sealed, validate=True)
        body = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except (InvalidTag, ValueError) as exc:
        raise SealBroken(
            "the sealed draw does not open: altered, or sealed with another key"
        ) from exc
    opened: dict[str, Any] = json.loads(body)
    return opened
