"""The adapters' common shape: a transport sends one notice to one channel, once.

A transport raises `DeliveryError` (retryable or not) on failure; retrying, recording and
deduplication belong to the dispatcher, so every channel gets them the same way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Protocol

from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.notice import SupervisionNotice
from engine.notify.render import render

logger = logging.getLogger("onething.notify")


class Transport(Protocol):
    def send(
        self, notice: SupervisionNotice, channel: ChannelConfig, *, delivery_id: str, now: datetime
    ) -> None: ...


class LogTransport:
    """The default channel: one log line per notice on the `onething.notify` logger."""

    def send(
        self, notice: SupervisionNotice, channel: ChannelConfig, *, delivery_id: str, now: datetime
    ) -> None:
        message = render(notice, channel.lang)
        logger.warning(
            "%s | %s | delivery %s",
            message.subject,
            message.body.strip().replace("\n", " / "),
            delivery_id,
        )


def wall_clock() -> datetime:
    """The adapter that reads the clock, for delivery timestamps and webhook signatures."""
    return datetime.now(UTC)


def default_transports(environ: Mapping[str, str] | None = None) -> dict[ChannelKind, Transport]:
    """Every channel's transport, configured from the environment (see docs/notifications.md)."""
    from engine.notify.mail import SmtpSettings, SmtpTransport
    from engine.notify.webhook import WebhookTransport

    env = os.environ if environ is None else environ
    return {
        ChannelKind.LOG: LogTransport(),
        ChannelKind.WEBHOOK: WebhookTransport(environ=env),
        ChannelKind.EMAIL: SmtpTransport(SmtpSettings.from_env(env)),
    }
