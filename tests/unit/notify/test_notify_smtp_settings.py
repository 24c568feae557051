"""SMTP settings come from ONETHING_SMTP_* with safe defaults."""

from __future__ import annotations

import pytest

from engine.errors import InputError
from engine.notify.mail import SmtpSettings


def test_defaults_when_nothing_is_set() -> None:
    assert SmtpSettings.from_env({}) == SmtpSettings()


def test_every_variable_is_read() -> None:
    settings = SmtpSettings.from_env(
        {
            "ONETHING_SMTP_HOST": "smtp.example.gov.cn",
            "ONETHING_SMTP_PORT": "587",
            "ONETHING_SMTP_FROM": "jiancha@example.gov.cn",
            "ONETHING_SMTP_STARTTLS": "true",
            "ONETHING_SMTP_USER": "jiancha",
            "ONETHING_SMTP_PASSWORD": "pw",
            "ONETHING_SMTP_TIMEOUT": "3.5",
        }
    )
    assert settings == SmtpSettings(
        host="smtp.example.gov.cn",
        port=587,
        sender="jiancha@example.gov.cn",
        starttls=True,
        username="jiancha",
        password="pw",
        timeout=3.5,
    )


def test_a_port_that_is_not_a_number_is_an_input_error() -> None:
    with pytest.raises(InputError, match="ONETHING_SMTP_PORT"):
        SmtpSettings.from_env({"ONETHING_SMTP_PORT": "twenty-five"})
