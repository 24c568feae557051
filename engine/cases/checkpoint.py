"""Signed checkpoints of the event log (the model: Certificate Transparency's signed tree heads).

A checkpoint lists every case's chain head — how many events and the last hash — at one
moment, and is signed with HMAC-SHA256 under a key the database never holds. Someone who can
edit the event table can recompute every hash of a chain, but not a checkpoint's signature: a
later verify finds that the log no longer has the head the checkpoint signed. Each checkpoint
also signs the one before it, so dropping one from the store shows. Auditors keep exported
copies outside the database. Pure: the store hands it the heads and the key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import InputError


@dataclass(frozen=True)
class ChainHead:
    """A case's chain as far as it went: the number of events and the hash of the last."""

    count: int
    last_hash: str


@dataclass(frozen=True)
class Checkpoint:
    """Checkpoint `number`: every case's head at `at`, and the signature of the one before."""

    number: int
    at: dt.datetime
    previous_mac: str | None
    heads: Mapping[str, ChainHead]
    mac: str

    @property
    def body(self) -> str:
        """The signed text (canonical JSON)."""
        return _body(self.number, self.at, self.previous_mac, self.heads)

    def to_json(self) -> str:
        """The exported file's text: the signed body and its signature."""
        return json.dumps({"body": json.loads(self.body), "mac": self.mac}, indent=1) + "\n"

    def __str__(self) -> str:
        return f"checkpoint {self.number} ({self.at.isoformat(timespec='seconds')})"


def _body(
    number: int, at: dt.datetime, previous_mac: str | None, heads: Mapping[str, ChainHead]
) -> str:
    payload = {
        "number": number,
        "at": at.isoformat(),
        "previous_mac": previous_mac,
        "heads": {case: [h.count, h.last_hash] for case, h in sorted(heads.items())},
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _mac(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def sign(
    key: bytes,
    *,
    number: int,
    at: dt.datetime,
    previous_mac: str | None,
    heads: Mapping[str, ChainHead],
) -> Checkpoint:
    """A new checkpoint of `heads`, signed with `key`."""
    body = _body(number, at, previous_mac, heads)
    return Checkpoint(number, at, previous_mac, dict(heads), _mac(key, body))


def parse(body: str, mac: str, *, source: str) -> Checkpoint:
    """A checkpoint from its signed body (as stored or exported); `source` names it in errors."""
    try:
        payload = json.loads(body)
        heads = {
            str(case): ChainHead(int(count), str(last))
            for case, (count, last) in payload["heads"].items()
        }
        return Checkpoint(
            int(payload["number"]),
            dt.datetime.fromisoformat(payload["at"]),
            payload["previous_mac"],
            heads,
            str(mac),
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise InputError(f"{source}: not a checkpoint ({exc})") from None


def read_file(text: str, *, source: str) -> Checkpoint:
    """A checkpoint from an exported file's text."""
    try:
        exported: Any = json.loads(text)
        body = json.dumps(exported["body"], sort_keys=True, separators=(",", ":"))
        return parse(body, exported["mac"], source=source)
    except (ValueError, TypeError, KeyError) as exc:
        raise InputError(f"{source}: not a checkpoint file ({exc})") from None


def authentic(checkpoint: Checkpoint, key: bytes) -> bool:
    """Whether `key` signed the checkpoint as it stands."""
    return hmac.compare_digest(_mac(key, checkpoint.body), checkpoint.mac)
