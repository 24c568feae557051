"""Where a notice goes: a channel config per department and role (from departments.yaml).

A config names the kind of channel and its target; secrets are never in the config, only the
name of the environment variable that holds them (`secret_env`).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from engine.errors import InputError
from engine.notify.render import LANGUAGES

# Fixed so that a delivery id is the same in every process and on every retry.
_DELIVERY_NAMESPACE = uuid.UUID("6f0c1c52-5d0e-4a51-9b7c-0e7a1d3f9a10")


class ChannelKind(StrEnum):
    LOG = "log"  # the default: a log line
    WEBHOOK = "webhook"  # a signed JSON POST
    EMAIL = "email"  # a mail over SMTP


_TARGET_KEY = {ChannelKind.LOG: None, ChannelKind.WEBHOOK: "url", ChannelKind.EMAIL: "to"}


@dataclass(frozen=True)
class ChannelConfig:
    """One channel: `log`; `webhook` with a URL and `secret_env`; `email` with an address."""

    kind: ChannelKind
    target: str = "log"
    secret_env: str | None = None
    lang: str = "zh"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", ChannelKind(self.kind))
        if self.lang not in LANGUAGES:
            raise InputError(f"channel {self.target}: unknown language {self.lang!r}")
        if self.kind is ChannelKind.WEBHOOK:
            if not self.target.startswith(("http://", "https://")):
                raise InputError(f"webhook channel needs an http(s) URL, not {self.target!r}")
            if not self.secret_env:
                raise InputError(f"webhook channel {self.target} needs secret_env")
        if self.kind is ChannelKind.EMAIL and "@" not in self.target:
            raise InputError(f"email channel needs an address, not {self.target!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> ChannelConfig:
        """Read `{kind: log}`, `{kind: webhook, url, secret_env}` or `{kind: email, to}`."""
        try:
            kind = ChannelKind(data.get("kind", ChannelKind.LOG))
        except ValueError:
            known = ", ".join(k.value for k in ChannelKind)
            raise InputError(
                f"unknown channel kind {data.get('kind')!r} (known: {known})"
            ) from None
        key = _TARGET_KEY[kind]
        if key is not None and not data.get(key):
            raise InputError(f"{kind} channel needs '{key}'")
        return cls(
            kind=kind,
            target=str(data[key]) if key else "log",
            secret_env=data.get("secret_env"),
            lang=str(data.get("lang", "zh")),
        )


def delivery_id(notice_id: str, channel: ChannelConfig) -> str:
    """The stable id of one notice to one target: the dedupe key receivers see."""
    return str(
        uuid.uuid5(_DELIVERY_NAMESPACE, f"{notice_id}\x1f{channel.kind}\x1f{channel.target}")
    )
