"""The webhook adapter: a signed JSON POST with httpx (one attempt; the dispatcher retries)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

import httpx

from engine.notify.channels import ChannelConfig
from engine.notify.errors import DeliveryError
from engine.notify.notice import SupervisionNotice
from engine.notify.render import webhook_payload
from engine.notify.signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

RETRYABLE_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})


class WebhookTransport:
    """POSTs the notice's JSON; 2xx is delivered, 408/429/5xx and network errors are retryable,
    any other status is final. The secret is read from the env var the channel names."""

    def __init__(self, *, environ: Mapping[str, str], timeout: float = 5.0):
        self.environ = environ
        self.timeout = timeout

    def send(
        self, notice: SupervisionNotice, channel: ChannelConfig, *, delivery_id: str, now: datetime
    ) -> None:
        secret = self.environ.get(channel.secret_env or "")
        if not secret:
            raise DeliveryError(f"secret env {channel.secret_env} is not set", retryable=False)
        payload = webhook_payload(notice, delivery_id=delivery_id, lang=channel.lang)
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "onething-notify/1",
            SIGNATURE_HEADER: sign(secret, body, timestamp=timestamp),
            TIMESTAMP_HEADER: str(timestamp),
            DELIVERY_HEADER: delivery_id,
        }
        try:
            response = httpx.post(
                channel.target, content=body, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc
        if response.is_success:
            return
        raise DeliveryError(
            f"HTTP {response.status_code}: {response.text[:200]}",
            retryable=response.status_code in RETRYABLE_STATUS,
            retry_after=_retry_after(response.headers.get("Retry-After")),
        )


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header; the HTTP-date form is ignored (backoff applies)."""
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None
