"""The webhook signature: HMAC-SHA256 over `<timestamp>.<body>` with the channel's secret.

Binding the timestamp into the signed bytes lets a receiver reject replays of an old request;
the delivery id in the body lets it drop the duplicates a retry may cause.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Onething-Signature"
TIMESTAMP_HEADER = "X-Onething-Timestamp"
DELIVERY_HEADER = "X-Onething-Delivery"
PREFIX = "sha256="


def sign(secret: str, body: bytes, *, timestamp: int) -> str:
    """The header value `sha256=<hex>` for `body` sent at `timestamp` (Unix seconds)."""
    message = str(timestamp).encode("ascii") + b"." + body
    return PREFIX + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secret: str, body: bytes, *, timestamp: int, signature: str, now: int, tolerance: int = 300
) -> bool:
    """Whether `signature` is ours for `body` and `timestamp` is within `tolerance` s of `now`."""
    if abs(now - timestamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp=timestamp), signature)
