"""The adapters' common shape: a transport sends one notice to one channel, once.

A transport raises `DeliveryError` (retryable or not) on failure; retrying, recording and
deduplication belong to the dispatcher, so every channel gets them the same way.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.mail import SmtpSettings, SmtpTransport
from engine.notify.notice import SupervisionNotice
from engine.notify.render import render
from engine.notify.webhook import WebhookTransport

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


def default_transports(
    smtp: SmtpSettings, *, secrets: Mapping[str, str]
) -> dict[ChannelKind, Transport]:
    """Every channel's transport (see docs/notifications.md); a webhook's signing secret is read
    from `secrets` (the environment) under the name its channel gives."""
    return {
        ChannelKind.LOG: LogTransport(),
        ChannelKind.WEBHOOK: WebhookTransport(environ=secrets),
        ChannelKind.EMAIL: SmtpTransport(smtp),
    }
