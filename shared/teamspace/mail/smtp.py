"""A workspace's own SMTP server as a way out for its mail.

One connection per send: the host is vetted again (`domain.smtp_hosts`) and the socket
goes to one of the vetted addresses, never to the name again; TLS is verified against
the host's name with `ssl.create_default_context()` (the system's trust store; OpenSSL's
`SSL_CERT_FILE` names another, which is how a test trusts its own CA) for "starttls"
(required: a server that does not offer it is a failure, never a plain fallback) and
"tls" (SMTPS); "none" is plain. AUTH happens when the configuration has a username.

Any failure raises `SmtpDeliveryFailed` with what the server said (or why it could not
be reached), never the password.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from teamspace.core.errors import InvalidInput
from teamspace.core.records import SmtpIntegration, SmtpSecurity
from teamspace.domain.smtp_hosts import Resolver, resolve, vet_host
from teamspace.mail.credentials import SmtpCredentials

# Seconds to wait for the server at each step (connect, each reply).
SMTP_TIMEOUT = 10.0


class SmtpDeliveryFailed(Exception):
    """The server refused the message, or could not be reached; `reply` says how."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class SmtpServer:
    host: str
    port: int
    security: SmtpSecurity
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a repr or a log


def _connect(addresses: list[str], port: int, timeout: float, source: Any) -> socket.socket:
    """A connection to the first vetted address that answers (as create_connection does
    for a name's addresses, but only to these)."""
    failure: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout, source)
        except OSError as error:
            failure = error
    raise failure or OSError("no address to connect to")


class _Pinned(smtplib.SMTP):
    """smtplib's client, connecting to the vetted addresses while it names the host (for
    TLS's server name check). It connects as it is made, as smtplib does with a host."""

    def __init__(
        self, addresses: list[str], host: str, port: int, *, local_hostname: str, timeout: float
    ) -> None:
        self._addresses = addresses
        smtplib.SMTP.__init__(self, host, port, local_hostname, timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:  # noqa: ARG002
        return _connect(self._addresses, port, timeout, self.source_address)


class _PinnedTls(smtplib.SMTP_SSL, _Pinned):
    """SMTPS: SMTP_SSL wraps the socket `_Pinned` opened, checking the host's name."""

    def __init__(
        self,
        addresses: list[str],
        host: str,
        port: int,
        *,
        local_hostname: str,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        self._addresses = addresses
        smtplib.SMTP_SSL.__init__(
            self, host, port, local_hostname, timeout=timeout, context=context
        )


def _describe(error: BaseException) -> str:
    """What went wrong, as the server said it where it said something."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = [f"{code} {_text(message)}" for code, message in error.recipients.values()]
        return "; ".join(replies) or "the server refused every recipient"
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {error.verify_message}"
    if isinstance(error, ssl.SSLError):
        return f"TLS failed: {error.reason or error}"
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return f"the server does not support it: {error}"
    if isinstance(error, TimeoutError | socket.timeout):
        return "the server did not answer in time"
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection: {error}"
    return f"{type(error).__name__}: {error}"


def _text(message: bytes | str) -> str:
    return message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)


def _log_in(client: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH with the first of PLAIN and LOGIN the server offers, once. (smtplib's own
    `login` tries every mechanism in turn after a refusal, sending the password again
    each time; CRAM-MD5 is not offered: MD5.)"""
    client.ehlo_or_helo_if_needed()
    offered = client.esmtp_features.get("auth", "").upper().split()
    methods = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login}
    mechanism = next((m for m in methods if m in offered), None)
    if mechanism is None:
        raise smtplib.SMTPNotSupportedError(
            f"no AUTH mechanism in common (the server offers {' '.join(offered) or 'none'})"
        )
    client.user, client.password = username, password
    code, reply = client.auth(mechanism, methods[mechanism])
    if code not in (235, 503):  # 503: already authenticated
        raise smtplib.SMTPAuthenticationError(code, reply)


class SmtpSender:
    """Sends one finished message through a workspace's server."""

    def __init__(
        self,
        server: SmtpServer,
        address: str,
        *,
        allow_private_hosts: bool,
        resolver: Resolver = resolve,
        timeout: float = SMTP_TIMEOUT,
    ) -> None:
        self.server = server
        self.address = address  # the From address the workspace configured
        self._allow_private = allow_private_hosts
        self._resolver = resolver
        self._timeout = timeout

    def send(self, message: EmailMessage) -> str:
        """Deliver `message`; its Message-ID. `SmtpDeliveryFailed` when it was not taken."""
        try:
            addresses = vet_host(
                self.server.host,
                self.server.port,
                allow_private=self._allow_private,
                resolver=self._resolver,
            )
        except InvalidInput as refused:
            raise SmtpDeliveryFailed(refused.detail) from None
        try:
            with self._connection(addresses) as client:
                if self.server.username is not None:
                    _log_in(client, self.server.username, self.server.password or "")
                client.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise SmtpDeliveryFailed(self._scrubbed(_describe(error))) from None
        return str(message["Message-ID"])

    def _connection(self, addresses: list[str]) -> smtplib.SMTP:
        server = self.server
        # The name this client gives in EHLO: the sending domain, never socket.getfqdn()
        # (a DNS look-up of the Lambda's own name).
        helo = self.address.rpartition("@")[2] or "localhost"
        if server.security is SmtpSecurity.TLS:
            return _PinnedTls(
                addresses,
                server.host,
                server.port,
                local_hostname=helo,
                timeout=self._timeout,
                context=ssl.create_default_context(),
            )
        client = _Pinned(
            addresses, server.host, server.port, local_hostname=helo, timeout=self._timeout
        )
        if server.security is SmtpSecurity.STARTTLS:
            try:
                client.starttls(context=ssl.create_default_context())
            except BaseException:
                client.close()
                raise
        return client

    def _scrubbed(self, reply: str) -> str:
        """A server's reply, with the password cut out should a server ever echo it."""
        password = self.server.password
        return reply.replace(password, "[password]") if password else reply


class SmtpConnector:
    """The sender for a workspace's configured server, its password read from Secrets
    Manager for the version the configuration names (the mailer's role alone may)."""

    def __init__(
        self,
        credentials: SmtpCredentials,
        *,
        allow_private_hosts: bool,
        resolver: Resolver = resolve,
        timeout: float = SMTP_TIMEOUT,
    ) -> None:
        self._credentials = credentials
        self._allow_private = allow_private_hosts
        self._resolver = resolver
        self._timeout = timeout

    def sender_for(self, integration: SmtpIntegration) -> SmtpSender:
        """`SmtpDeliveryFailed` when the password it names cannot be read."""
        password = self._password(integration)
        server = SmtpServer(
            host=integration.host,
            port=integration.port,
            security=integration.security,
            username=integration.username,
            password=password,
        )
        return SmtpSender(
            server,
            integration.from_address,
            allow_private_hosts=self._allow_private,
            resolver=self._resolver,
            timeout=self._timeout,
        )

    def _password(self, integration: SmtpIntegration) -> str | None:
        from botocore.exceptions import ClientError  # noqa: PLC0415 - loaded with the client

        if integration.password_version is None:
            return None
        try:
            return self._credentials.read(integration.workspace_id, integration.password_version)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                raise
            raise SmtpDeliveryFailed(
                "the SMTP password is no longer stored: configure the server again"
            ) from None
