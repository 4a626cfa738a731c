"""SSRF guard: only globally routable unicast addresses receive webhooks, however they are written.

IPv6 forms that lead to an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo) are
judged by that IPv4 address; the check holds at registration and again at connect time.
"""

import ipaddress
import socket

import pytest

from webhooks import transport
from webhooks.models import WebhookEndpoint

pytestmark = pytest.mark.django_db

NOT_PUBLIC = [
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::c0a8:101",  # NAT64 of 192.168.1.1
    "64:ff9b:1::a00:1",  # local-use NAT64 prefix
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "2002:c0a8:101::1",  # 6to4 of 192.168.1.1
    "2002:a00:1::",  # 6to4 of 10.0.0.1
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a9fe:a9fe",  # IPv4-compatible 169.254.169.254
    "::808:808",  # IPv4-compatible (deprecated) even of a public address
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:a00:1",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "2001:0:a00:1:8000:63bf:3fff:fdd2",  # Teredo with a private server
    "fec0::1",  # site-local (deprecated)
    "fe80::1",
    "fd00::1",
    "::1",
    "::",
    "ff02::1",
    "2001:db8::1",
    "3fff::1",  # documentation (RFC 9637)
    "5f00::1",  # SRv6 segment identifiers
    "100::1",
    "127.0.0.1",
    "10.0.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "192.0.0.8",
    "192.88.99.1",  # 6to4 relay anycast (retired)
    "198.18.0.1",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "0.0.0.0",
]

PUBLIC = [
    "93.184.215.14",
    "8.8.8.8",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "::ffff:8.8.8.8",
]


def _literal(address: str) -> str:
    return f"[{address}]" if ":" in address else address


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_registration_refuses(api, address):
    response = api.post(
        "/api/webhooks", {"url": f"https://{_literal(address)}/hook", "events": ["order.created"]}, format="json"
    )
    assert response.status_code == 422, address
    assert response.json()["code"] == "WEBHOOK_URL_NOT_ALLOWED"
    assert not WebhookEndpoint.objects.exists()


@pytest.fixture
def resolve_to(monkeypatch):
    """A host name whose DNS answer is `address` (as after a rebinding), without real DNS."""

    def answer(address: str):
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sockaddr = (address, 443, 0, 0) if family == socket.AF_INET6 else (address, 443)

        def getaddrinfo(host, port, *args, **kwargs):
            assert host == "rebound.example.com"
            return [(family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr)]

        monkeypatch.setattr(transport.socket, "getaddrinfo", getaddrinfo)

    return answer


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_connect_time_check_refuses(resolve_to, address, settings):
    settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 0.5
    resolve_to(address)
    outcome = transport.post("https://rebound.example.com/hook", body=b"{}", headers={})
    assert outcome.status_code is None
    assert outcome.error.startswith("Refused:"), outcome.error


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address):
    assert transport.is_public(ipaddress.ip_address(address))
    transport.url_check(f"https://{_literal(address)}/hook")  # no exception
