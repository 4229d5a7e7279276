"""Which SMTP hosts a stage may send a workspace's mail to (domain/smtp_hosts.py): a
request names the host and the suite connects to it, so any address that is not
globally routable is refused unless the stage allows private hosts; the unspecified
address and multicast never are. Names are judged by every address they resolve to."""

from __future__ import annotations

import pytest

from teamspace.core.errors import InvalidInput
from teamspace.domain.smtp_hosts import allowed, resolve, vet_host

ADDRESSES = [
    # (address, allowed on a public stage, allowed where private hosts are)
    ("93.184.215.14", True, True),  # a public IPv4 address
    ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", True, True),  # a public IPv6 address
    ("127.0.0.1", False, True),  # loopback
    ("127.8.9.10", False, True),
    ("::1", False, True),
    ("10.0.0.5", False, True),  # private (RFC 1918)
    ("172.16.3.4", False, True),
    ("192.168.1.20", False, True),
    ("100.64.0.1", False, True),  # carrier-grade NAT
    ("169.254.169.254", False, True),  # link-local: the instance metadata service
    ("fe80::1", False, True),  # IPv6 link-local
    ("fe80::1%eth0", False, True),  # ... with a zone id
    ("fd00::1", False, True),  # IPv6 unique local
    ("::ffff:127.0.0.1", False, True),  # IPv4-mapped loopback
    ("::ffff:10.1.2.3", False, True),  # IPv4-mapped private
    ("::ffff:93.184.215.14", True, True),  # IPv4-mapped public
    ("192.0.2.1", False, True),  # documentation range: not routable
    ("0.0.0.0", False, False),  # noqa: S104 - the unspecified address, refused
    ("::", False, False),
    ("224.0.0.1", False, False),  # multicast
    ("ff02::1", False, False),
]


@pytest.mark.parametrize(("address", "public", "private"), ADDRESSES)
def test_an_address_is_allowed_by_the_stages_rule(address, public, private):
    assert allowed(address, allow_private=False) is public
    assert allowed(address, allow_private=True) is private


def dns(table: dict[str, list[str]]):
    """A resolver answering from `table` (the names a test's DNS would hold)."""

    def resolver(host: str, port: int) -> list[str]:
        return table.get(host, [])

    return resolver


ZONE = dns(
    {
        "smtp.acme.example": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        "internal.acme.example": ["10.0.0.25"],
        # One private address among public ones is enough to refuse the name.
        "mixed.acme.example": ["93.184.215.14", "192.168.0.10"],
        "metadata.acme.example": ["169.254.169.254"],
    }
)


@pytest.mark.parametrize(
    ("host", "public_stage", "private_stage"),
    [
        ("smtp.acme.example", "ok", "ok"),
        ("internal.acme.example", "SMTP_HOST_NOT_ALLOWED", "ok"),
        ("mixed.acme.example", "SMTP_HOST_NOT_ALLOWED", "ok"),
        ("metadata.acme.example", "SMTP_HOST_NOT_ALLOWED", "ok"),
        ("nowhere.acme.example", "SMTP_HOST_NOT_FOUND", "SMTP_HOST_NOT_FOUND"),
    ],
)
def test_a_name_is_judged_by_every_address_it_resolves_to(host, public_stage, private_stage):
    for allow_private, expected in ((False, public_stage), (True, private_stage)):
        if expected == "ok":
            assert vet_host(host, 587, allow_private=allow_private, resolver=ZONE) == ZONE(
                host, 587
            )
        else:
            with pytest.raises(InvalidInput) as refused:
                vet_host(host, 587, allow_private=allow_private, resolver=ZONE)
            assert refused.value.code == expected
            # Which address was refused is not said: the answer would map the network.
            assert "10.0.0.25" not in refused.value.detail


def test_the_real_resolver_sees_localhost_as_loopback_and_refuses_it():
    """Through the system's resolver (no network: /etc/hosts), as the functions resolve."""
    addresses = resolve("localhost", 25)
    assert addresses
    assert not any(allowed(a, allow_private=False) for a in addresses)
    with pytest.raises(InvalidInput) as refused:
        vet_host("localhost", 25, allow_private=False)
    assert refused.value.code == "SMTP_HOST_NOT_ALLOWED"
    assert vet_host("127.0.0.1", 25, allow_private=True) == ["127.0.0.1"]


def test_a_name_that_cannot_be_resolved_is_not_found():
    with pytest.raises(InvalidInput) as refused:
        vet_host("no-such-host.invalid", 25, allow_private=True)
    assert refused.value.code == "SMTP_HOST_NOT_FOUND"
