"""Channel configs as departments.yaml declares them."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.notify.channels import ChannelConfig, ChannelKind, delivery_id


def test_reads_the_three_kinds() -> None:
    assert ChannelConfig.from_mapping({}) == ChannelConfig(ChannelKind.LOG)
    hook = ChannelConfig.from_mapping(
        {
            "kind": "webhook",
            "url": "https://x.example/hook",
            "secret_env": "ONETHING_WEBHOOK_SECRET",
        }
    )
    assert (hook.kind, hook.target, hook.secret_env) == (
        ChannelKind.WEBHOOK,
        "https://x.example/hook",
        "ONETHING_WEBHOOK_SECRET",
    )
    mail = ChannelConfig.from_mapping({"kind": "email", "to": "duban@example.gov.cn", "lang": "en"})
    assert (mail.kind, mail.target, mail.lang) == (ChannelKind.EMAIL, "duban@example.gov.cn", "en")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "fax"}, "unknown channel kind 'fax'"),
        ({"kind": "webhook", "secret_env": "S"}, "needs 'url'"),
        ({"kind": "webhook", "url": "https://x.example"}, "needs secret_env"),
        ({"kind": "webhook", "url": "ftp://x", "secret_env": "S"}, "http"),
        ({"kind": "email", "to": "nobody"}, "address"),
        ({"kind": "log", "lang": "fr"}, "language"),
    ],
)
def test_bad_configs_are_input_errors(data: dict[str, str], message: str) -> None:
    with pytest.raises(InputError, match=message):
        ChannelConfig.from_mapping(data)


def test_delivery_id_is_stable_and_differs_per_target() -> None:
    a = ChannelConfig(ChannelKind.EMAIL, "a@example.cn")
    b = ChannelConfig(ChannelKind.EMAIL, "b@example.cn")
    assert delivery_id("n-1", a) == delivery_id(
        "n-1", ChannelConfig(ChannelKind.EMAIL, "a@example.cn")
    )
    assert len({delivery_id("n-1", a), delivery_id("n-1", b), delivery_id("n-2", a)}) == 3
