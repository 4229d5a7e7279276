"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), and certificates for its
TLS made in the test (cryptography): a workspace's own server, as the mailer meets it.

    with MailServer(login=("mailer", "s3cret")) as server:   # AUTH required
        ...configure host "127.0.0.1", port server.port...
    server.received  # each message as a person reads it, with its envelope
    server.logins    # every AUTH attempt: (username, password)

`refuse="550 5.7.1 Relaying denied"` refuses every recipient; `tls="starttls"` offers
(and requires) STARTTLS, `tls="tls"` speaks TLS from the first byte, both with a
`Certificate` the test trusts or not (`trusted_by_the_process` puts its CA in
SSL_CERT_FILE, which `ssl.create_default_context()` reads: no code of the suite changes).

The local runtime and the end-to-end tests allow private SMTP hosts
(`SMTP_ALLOW_PRIVATE_HOSTS`), as a stage must to reach 127.0.0.1; `allow_private_smtp`
does the same for a function test.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from local_runtime.mailbox import read_message
from teamspace import wiring


def allow_private_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the local runtime's stage says: SMTP hosts on 127.0.0.1 are allowed."""
    monkeypatch.setenv("SMTP_ALLOW_PRIVATE_HOSTS", "true")
    wiring.reset()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Certificate:
    """A CA and a server certificate it signed, for `localhost` and 127.0.0.1."""

    ca: Path
    chain: Path
    key: Path

    @classmethod
    def make(cls, folder: Path, *, names: tuple[str, ...] = ("localhost",)) -> Certificate:
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Teamspace test CA")])
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        alternative = [x509.DNSName(n) for n in names] + [
            x509.IPAddress(ipaddress.ip_address("127.0.0.1"))
        ]
        server = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .sign(ca_key, hashes.SHA256())
        )
        pem = serialization.Encoding.PEM
        paths = cls(folder / "ca.pem", folder / "server.pem", folder / "server.key")
        paths.ca.write_bytes(ca.public_bytes(pem))
        paths.chain.write_bytes(server.public_bytes(pem))
        paths.key.write_bytes(
            key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )
        return paths

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.chain, self.key)
        return context

    def trusted_by_the_process(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Make its CA the one OpenSSL's default verify paths trust (SSL_CERT_FILE)."""
        monkeypatch.setenv("SSL_CERT_FILE", str(self.ca))
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@dataclass
class _Handler:
    refuse: str | None
    received: list[dict[str, Any]] = field(default_factory=list)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802, ARG002
        if self.refuse is not None:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.received.append(
            {
                **read_message(envelope.original_content or envelope.content),
                "mailFrom": envelope.mail_from,
                "rcptTos": list(envelope.rcpt_tos),
                "tls": server.transport.get_extra_info("ssl_object") is not None,
                "login": (
                    session.auth_data.login.decode()
                    if isinstance(session.auth_data, LoginPassword)
                    else None
                ),
            }
        )
        return "250 2.0.0 Message accepted for delivery"


class MailServer:
    """An SMTP server on 127.0.0.1, for the duration of a `with` block."""

    host = "127.0.0.1"

    def __init__(
        self,
        *,
        refuse: str | None = None,
        login: tuple[str, str] | None = None,
        tls: str | None = None,
        certificate: Certificate | None = None,
    ) -> None:
        self.port = free_port()
        self.logins: list[tuple[str, str]] = []
        self._login = login
        self._handler = _Handler(refuse)
        options: dict[str, Any] = {"hostname": self.host, "port": self.port}
        if login is not None:
            options |= {"authenticator": self._authenticate, "auth_require_tls": False}
        if tls == "starttls":
            assert certificate is not None
            options |= {"tls_context": certificate.server_context(), "require_starttls": True}
        elif tls == "tls":
            assert certificate is not None
            options |= {"ssl_context": certificate.server_context()}
        self._options = options
        self._controller = Controller(self._handler, **options)

    @property
    def received(self) -> list[dict[str, Any]]:
        return list(self._handler.received)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # noqa: ARG002
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        given = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(given)
        # handled=False: aiosmtpd answers the refusal itself (535), as a real server does.
        return AuthResult(success=given == self._login, handled=False, auth_data=auth_data)

    def __enter__(self) -> MailServer:
        # The free port was closed again before the server binds it: another process of
        # the machine may take it meanwhile. Then another port, a few times.
        for _ in range(4):
            try:
                self._controller.start()
            except OSError:
                self.port = free_port()
                self._options["port"] = self.port
                self._controller = Controller(self._handler, **self._options)
            else:
                return self
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
