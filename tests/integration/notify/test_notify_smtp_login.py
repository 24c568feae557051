"""Mail over STARTTLS with a login, to a real TLS-capable SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlmodel import Session

from engine.notify.channels import ChannelConfig, ChannelKind
from engine.notify.dispatch import Dispatcher
from engine.notify.mail import SmtpSettings, SmtpTransport
from engine.notify.notice import SupervisionNotice
from engine.notify.tables import DeliveryStatus
from tests.fixtures.loopback import FAST, Mailbox, free_port

pytestmark = pytest.mark.timeout(30)

MAIL = ChannelConfig(ChannelKind.EMAIL, "duban@example.gov.cn")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def tls_smtp(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Mailbox]:
    """An SMTP server that requires STARTTLS, then a login jiancha / pw-123."""
    cert_file, key_file = certificate
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))  # the client trusts our certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            b"jiancha",
            b"pw-123",
        )
        return AuthResult(success=ok, handled=False)  # False: the server answers 535 itself

    mailbox = Mailbox(port=free_port())
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=mailbox.port,
        tls_context=context,
        require_starttls=True,
        auth_required=True,
        authenticator=authenticate,
    )
    controller.start()
    yield mailbox
    controller.stop()


def sender(port: int, *, password: str = "pw-123") -> Dispatcher:
    settings = SmtpSettings(
        host="127.0.0.1", port=port, starttls=True, username="jiancha", password=password, timeout=2
    )
    return Dispatcher(transports={ChannelKind.EMAIL: SmtpTransport(settings)}, policy=FAST)


def test_starttls_and_login_deliver_the_mail(
    session: Session, tls_smtp: Mailbox, notice: SupervisionNotice
) -> None:
    [result] = sender(tls_smtp.port).dispatch(session, notice, [MAIL])
    assert result.ok, result.error
    [mail] = tls_smtp.messages
    assert mail["Subject"].startswith("【黄牌预警】")


def test_wrong_password_is_final_at_once(
    session: Session, tls_smtp: Mailbox, notice: SupervisionNotice
) -> None:
    [result] = sender(tls_smtp.port, password="wrong").dispatch(session, notice, [MAIL])
    assert (result.status, result.attempts) == (DeliveryStatus.DEAD, 1)
    assert result.error is not None and result.error.startswith("SMTP 535")
    assert tls_smtp.messages == []
