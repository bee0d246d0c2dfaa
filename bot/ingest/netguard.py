"""Private-network guard: refuse feed URLs that point into loopback, LAN or other non-public space.

A feed URL comes from a chat user, so fetching it blindly would let anyone make the bot probe the
machine it runs on or its local network (SSRF). :func:`check_url` resolves the host and refuses
every non-public address; :class:`GuardedBackend` repeats the check at connect time and connects to
the very address it checked, so a DNS answer that changes between check and connect (DNS
rebinding) cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[Sequence[str]]]
"""An async ``(host, port) -> [ip, ...]`` lookup; injectable so tests need no real DNS."""

# Special-purpose ranges (IANA registries) that some Python versions count as global:
# 192.0.0.0/24 (IETF protocol assignments), 192.88.99.0/24 (6to4 relay anycast), fec0::/10
# (site-local), 3fff::/20 (documentation), 2001::/23 (IETF protocol assignments) and more.
_ALSO_RESERVED = tuple(
    ipaddress.ip_network(net)
    for net in (
        "192.0.0.0/24",
        "192.88.99.0/24",
        "198.18.0.0/15",
        "240.0.0.0/4",
        "fec0::/10",
        "3fff::/20",
        "2001::/23",
        "2001:db8::/32",
        "100::/64",
        "5f00::/16",
    )
)
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Forms that inet_aton (and so getaddrinfo) reads as an IPv4 address: 2130706433, 0x7f.1, 0177.0.0.1
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|\d+)(\.(0x[0-9a-f]*|\d+)){0,3}$", re.IGNORECASE)
_DEFAULT_PORTS = {"http": 80, "https": 443}


class UnsafeURL(ValueError):
    """The URL must not be fetched; ``str(error)`` is a one-line reason for a human, and
    ``code`` names the reasons of the URL's own form ("invalid", "scheme", "credentials",
    "no_host"; "" for refused addresses) for those who word them in other languages."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class ResolveError(ValueError):
    """The host name could not be resolved (the feed is unreachable, not unsafe)."""


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve ``host`` with the system resolver; return every address, IPv4 and IPv6."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ResolveError(f"cannot resolve host {host}") from error
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def check_url_syntax(url: str) -> None:
    """Refuse URLs that are not plain http(s) with a host and without credentials."""
    parse_checked(url)


def parse_checked(url: str) -> httpx.URL:
    """Parse ``url`` like :func:`check_url_syntax` checks it, and return the parsed URL.

    Uses httpx's own parser, so the host checked is the host httpx will connect to.
    """
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UnsafeURL("refused: not a valid URL", code="invalid") from None
    scheme = parsed.scheme
    if scheme not in _DEFAULT_PORTS:
        shown = f"{scheme}:" if scheme else "no scheme"
        raise UnsafeURL(
            f"refused: only http and https URLs can be fetched (got {shown})", code="scheme"
        )
    if parsed.userinfo:
        raise UnsafeURL(
            "refused: URLs with a user name or password are not allowed", code="credentials"
        )
    if not parsed.raw_host:
        raise UnsafeURL("refused: the URL has no host", code="no_host")
    return parsed


async def check_url(url: str, *, allow_private: bool, resolver: Resolver | None = None) -> None:
    """Check syntax, then resolve the host and refuse non-public addresses unless allowed.

    Raises :class:`UnsafeURL` (refused, with a reason) or :class:`ResolveError` (DNS failure).
    """
    parsed = parse_checked(url)
    if allow_private:
        return
    host = parsed.raw_host.decode("ascii")
    await checked_addresses(host, parsed.port or _DEFAULT_PORTS[parsed.scheme], resolver)


async def checked_addresses(host: str, port: int, resolver: Resolver | None = None) -> list[str]:
    """Resolve ``host`` and return its addresses, or raise if any of them is non-public.

    Refusing when *any* address is non-public (rather than dropping the bad ones) keeps a
    hostile name from mixing a public decoy with a private target.
    """
    literal = parse_ip_literal(host)
    if literal is not None:
        reason = non_public_reason(literal)
        if reason:
            if str(literal) == host.strip("[]"):
                raise UnsafeURL(f"refused: {literal} is {reason}")
            raise UnsafeURL(f"refused: {host} means {literal}, {reason}")
        return [str(literal)]
    addresses = await (resolver or system_resolver)(host, port)
    if not addresses:
        raise ResolveError(f"cannot resolve host {host}")
    for text in addresses:
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise UnsafeURL(f"refused: {host} resolves to {text}, not an IP address") from None
        reason = non_public_reason(address)
        if reason:
            raise UnsafeURL(f"refused: {host} resolves to {address}, {reason}")
    return list(addresses)


def parse_ip_literal(host: str) -> IPAddress | None:
    """Read ``host`` as an IP address the way resolvers do (incl. ``2130706433``, ``0x7f.1``)."""
    bare = host.strip("[]")
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(bare):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def non_public_reason(address: IPAddress) -> str | None:
    """Describe why ``address`` is off limits (e.g. ``"a loopback address"``), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = non_public_reason(embedded)
            return f"{reason} (IPv4 {embedded} inside IPv6)" if reason else None
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return "a carrier-grade NAT address"
    if any(address in network for network in _ALSO_RESERVED if network.version == address.version):
        return "a reserved address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv4-mapped, NAT64 or 6to4 IPv6 address really reaches, if any."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that checks addresses at connect time and pins to them."""

    def __init__(
        self, resolver: Resolver | None = None, inner: httpcore.AsyncNetworkBackend | None = None
    ) -> None:
        self._resolver = resolver
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Resolve and check ``host``, then connect to the first checked address that answers."""
        addresses = await checked_addresses(host, port, self._resolver)
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        """Unix sockets are local by definition, so always refused."""
        raise UnsafeURL("refused: unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        """Delegate to the wrapped backend."""
        await self._inner.sleep(seconds)
