"""Outgoing HTTP for webhooks, with SSRF protection.

A merchant-supplied URL must not reach our own network: every address a host resolves to must be
public. The check runs when an endpoint is saved (for a clear 422) and again on every connection,
inside the HTTP client, against the very address the socket then connects to, so a DNS answer that
changes after the first check (DNS rebinding) cannot slip through. Redirects are never followed and
proxies from the environment are ignored, so the checked address is the one that receives the body.
"""

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from .exceptions import WebhookUrlNotAllowed

USER_AGENT = "OmniSales-Webhooks/1.0 (+https://omnisales.com)"
RESPONSE_EXCERPT_BYTES = 1000
ALLOWED_SCHEMES = ("http", "https")


# Ranges Python's `is_global` (3.11) still calls global but that must never receive a webhook:
# deprecated IPv4-compatible and site-local IPv6, the local-use NAT64 prefix, SRv6 segment ids,
# IPv6 documentation (3fff::/20), IETF protocol assignments (192.0.0.0/24: dummy, relay and
# anycast service addresses) and the retired 6to4 relay anycast block.
NOT_PUBLIC = [
    ipaddress.ip_network(network)
    for network in (
        "::/96",
        "fec0::/10",
        "64:ff9b:1::/48",
        "5f00::/16",
        "3fff::/20",
        "192.0.0.0/24",
        "192.88.99.0/24",
    )
]
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address leads to: NAT64 (64:ff9b::/96, RFC 6052), 6to4 (2002::/16)
    and both ends of Teredo (2001::/32). IPv4-mapped addresses are checked as IPv4 instead."""
    found = []
    if address in NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found.extend(address.teredo)
    return found


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Allow-list: only globally routable unicast, and for IPv6 only if every IPv4 address embedded
    in it is globally routable unicast too."""
    if address.version == 6 and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    if not address.is_global or address.is_multicast or any(address in network for network in NOT_PUBLIC):
        return False
    if address.version == 6:
        return all(is_public(inner) for inner in embedded_ipv4(address))
    return True


def checked_addresses(host: str, port: int) -> list[str]:
    """Every address of `host`; refuses the host if any of them is not public.

    Refusing on any (rather than skipping the bad ones) keeps a hostname that mixes public and
    private answers from reaching the private one on a later, differently ordered lookup.
    """
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlNotAllowed.because(f"The host {host!r} could not be resolved.") from exc
    addresses = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS and not is_public(address):
            raise WebhookUrlNotAllowed.because(
                f"The host {host!r} resolves to {address}, which is not a public address."
            )
        addresses.append(str(address))
    return addresses


def url_check(url: str) -> None:
    """Raises WebhookUrlNotAllowed unless `url` is http(s) to a host with only public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES:
        raise WebhookUrlNotAllowed.because("Only http and https URLs can receive webhooks.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise WebhookUrlNotAllowed.because("The URL has an invalid port.") from exc
    if not parts.hostname:
        raise WebhookUrlNotAllowed.because("The URL has no host.")
    if settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return
    checked_addresses(parts.hostname, port)


class _CheckedConnectionMixin:
    """Resolves, checks, then connects to exactly the addresses that passed the check."""

    def _new_conn(self):
        addresses = checked_addresses(self._dns_host, self.port)
        last_error = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as exc:
                last_error = ConnectTimeoutError(self, f"Connection to {self.host} timed out.")
                last_error.__cause__ = exc
            except OSError as exc:
                last_error = NewConnectionError(self, f"Failed to establish a new connection: {exc}")
                last_error.__cause__ = exc
        if last_error is None:
            raise NameResolutionError(self.host, self, socket.gaierror("no addresses"))
        raise last_error


class _CheckedHTTPConnection(_CheckedConnectionMixin, HTTPConnection):
    pass


class _CheckedHTTPSConnection(_CheckedConnectionMixin, HTTPSConnection):
    pass


class _CheckedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class CheckedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPConnectionPool,
            "https": _CheckedHTTPSConnectionPool,
        }


_local = threading.local()


def _session() -> requests.Session:
    """One keep-alive session per thread (requests sessions are not shared across threads)."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.trust_env = False  # no proxies or .netrc from the environment
        session.mount("http://", CheckedAdapter())
        session.mount("https://", CheckedAdapter())
        _local.session = session
    return session


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    response_excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _excerpt(response: requests.Response) -> str:
    """At most RESPONSE_EXCERPT_BYTES of the body. A short body is read to the end so the connection
    goes back to the pool; a longer one is cut off and its connection dropped, never drained."""
    data = response.raw.read(RESPONSE_EXCERPT_BYTES, decode_content=True)
    if len(data) < RESPONSE_EXCERPT_BYTES or not response.raw.read(1, decode_content=True):
        response.raw.release_conn()
    return data.decode(response.encoding or "utf-8", errors="replace")


def post(url: str, *, body: bytes, headers: dict[str, str]) -> Outcome:
    """POSTs `body` once; never raises for network trouble or a refused address (see Outcome.error)."""
    timeout = (settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS, settings.WEBHOOKS_READ_TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        response = _session().post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=timeout,
            allow_redirects=False,
            stream=True,
        )
        with response:
            excerpt = _excerpt(response)
    except WebhookUrlNotAllowed as exc:
        return Outcome(None, _elapsed_ms(started), error=f"Refused: {exc.reason}")
    except requests.Timeout as exc:
        return Outcome(None, _elapsed_ms(started), error=_clip(f"Timed out: {exc}"))
    except requests.RequestException as exc:
        return Outcome(None, _elapsed_ms(started), error=_clip(f"{exc.__class__.__name__}: {exc}"))
    return Outcome(response.status_code, _elapsed_ms(started), response_excerpt=excerpt)


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def _clip(text: str, limit: int = 500) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
