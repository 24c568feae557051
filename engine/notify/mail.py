"""The email adapter: a UTF-8 mail over SMTP with smtplib (one attempt; the dispatcher retries)."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.mime.text import MIMEText
from email.utils import format_datetime

from engine.notify.channels import ChannelConfig
from engine.notify.errors import DeliveryError
from engine.notify.notice import SupervisionNotice
from engine.notify.render import render
from engine.notify.signature import DELIVERY_HEADER
from engine.settings import Settings, read_settings


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes; from `ONETHING_SMTP_*` (see docs/notifications.md)."""

    host: str = "localhost"
    port: int = 25
    sender: str = "onething@localhost"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = 10.0

    @classmethod
    def of(cls, settings: Settings) -> SmtpSettings:
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            starttls=settings.smtp_starttls,
            username=settings.smtp_user,
            password=settings.smtp_password,
            timeout=settings.smtp_timeout,
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> SmtpSettings:
        """From `ONETHING_SMTP_*` in `env`; `SettingsError` (an `InputError`) names a bad one."""
        return cls.of(read_settings(env))


class SmtpTransport:
    """Sends the rendered notice as a plain-text UTF-8 mail. Network trouble and 4xx replies
    are retryable; 5xx replies (bad address, refused login) are final."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings

    def send(
        self, notice: SupervisionNotice, channel: ChannelConfig, *, delivery_id: str, now: datetime
    ) -> None:
        mail = _mail(notice, channel, sender=self.settings.sender, delivery_id=delivery_id, now=now)
        s = self.settings
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                if s.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(
                f"recipient refused: {exc.recipients}", retryable=_transient(codes)
            ) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(
                f"SMTP {exc.smtp_code}: {exc.smtp_error!r}", retryable=_transient([exc.smtp_code])
            ) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"SMTP server: {exc}", retryable=False) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True) from exc


def _mail(
    notice: SupervisionNotice,
    channel: ChannelConfig,
    *,
    sender: str,
    delivery_id: str,
    now: datetime,
) -> MIMEText:
    message = render(notice, channel.lang)
    mail = MIMEText(message.body, "plain", "utf-8")
    # The legacy Header folds CJK text keeping its spaces; EmailMessage's folder drops a space
    # between encoded words, so a subject like "联办 · 驾驶员证审核" would arrive altered.
    mail["Subject"] = Header(message.subject, "utf-8")  # type: ignore[assignment]
    mail["From"] = sender
    mail["To"] = channel.target
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{delivery_id}@onething>"  # the same on every retry: clients dedupe
    mail[DELIVERY_HEADER] = delivery_id
    return mail


def _transient(codes: list[int]) -> bool:
    return all(400 <= code < 500 for code in codes)
