"""Which hosts a workspace's mail may be sent to: a request names a host, and the suite
connects to it, so a host that resolves to a private, loopback or link-local address
(the stack's own network, the metadata service, a database) is refused, unless the
stage allows it (the local runtime does: a developer's mail catcher runs on 127.0.0.1).

The check is made when the host is configured (422 `SMTP_HOST_NOT_ALLOWED`) and again at
every connection, on the addresses the connection then goes to (`mail.smtp` connects to
the addresses vetted here, never to the name again), so a name that resolves elsewhere
later (DNS rebinding) gains nothing.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable

from teamspace.core.errors import FieldError, InvalidInput

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to for a TCP connection, in the resolver's order."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in found))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone id is not the address
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    return address


def allowed(text: str, *, allow_private: bool) -> bool:
    """Whether mail may be sent to the address `text`: a globally routable unicast one,
    or, where the stage allows it, any but the unspecified address and multicast."""
    address = _address(text)
    if address.is_unspecified or address.is_multicast:
        return False
    return allow_private or address.is_global


def vet_host(
    host: str, port: int, *, allow_private: bool, resolver: Resolver = resolve
) -> list[str]:
    """The addresses to connect to for `host`, every one of them allowed; 422
    `SMTP_HOST_NOT_FOUND` when it does not resolve, `SMTP_HOST_NOT_ALLOWED` when any
    address is not allowed (which one is not said: the answer would map the network)."""
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError):
        addresses = []
    if not addresses:
        raise InvalidInput(
            "SMTP_HOST_NOT_FOUND",
            f"{host} does not resolve to an address",
            fields=[FieldError("host", "does not resolve")],
        )
    if not all(allowed(a, allow_private=allow_private) for a in addresses):
        raise InvalidInput(
            "SMTP_HOST_NOT_ALLOWED",
            f"{host} resolves to a private, loopback or link-local address; this stage "
            "sends mail only to public hosts",
            fields=[FieldError("host", "resolves to an address this stage does not allow")],
        )
    return addresses
