"""Which redirects `HttpClient` follows: http(s) only, and never from a feed on a public address to an internal one.

A feed anyone can publish may answer 302 to `http://169.254.169.254/…` (a cloud's metadata service) or to a service
on 127.0.0.1 or the office network: followed, the internal answer would be stored as a post and shown on the
dashboard. So a redirect's host is resolved and refused when any of its addresses is internal (`is_internal`:
loopback, private, link-local, unique-local, reserved, multicast, unspecified, shared CGNAT), unless the configured
URL's own host is internal too: a source pointed at an internal feed on purpose keeps working, redirects included.

A target the session sends through a proxy (`HTTP(S)_PROXY` or the session's `proxies`, `NO_PROXY` honoured as
requests honours it) is still looked up and checked here (`localhost` or a compose service's name behind a proxy is
refused); only when the lookup fails is it followed unchecked: on a network whose only way out is the proxy, the proxy
resolves the name.

Not covered: DNS rebinding (the name is resolved here, then again by the connection, which may get another answer),
a proxy's own resolution of a name, and the SDK sources (tweepy, praw, Mastodon.py, atproto), which follow redirects
themselves (docs/security.md, "Outbound requests").
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import requests

from extractors.errors import SourceError

# A host name → its addresses, as text. Tests pass their own: DNS is the one part a test cannot control.
Resolver = Callable[[str], Iterable[str]]
MAX_REDIRECTS = 10  # requests' default is 30; a feed needing more than a few is broken
# NAT64's well-known prefix (RFC 6052): DNS64 on an IPv6-only network answers an IPv4-only host's address inside it.
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class RedirectUnresolved(requests.ConnectionError):
    """A redirect's host that does not resolve now: retried, as a refused connection would be
    (`extractors.http.classify_requests_error` keeps this message, which names the host, as the retry's reason)."""


class RedirectRefused(SourceError):
    """A redirect not followed (another scheme, an internal address, too many): fatal for the request, not retried,
    the same answer would come again."""


def system_addresses(host: str) -> list[str]:
    """`host`'s addresses as the system resolver gives them (`socket.getaddrinfo`)."""
    return [info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)]


def is_internal(address: str) -> bool:
    """Whether `address` (IPv4 or IPv6 text) is no public internet address. An IPv6 address carrying an IPv4 one
    counts as that IPv4 address: IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # fe80::1%eth0: the zone is no part of the address
    if isinstance(ip, ipaddress.IPv6Address):
        # Python counts 64:ff9b::/96 reserved (a public host behind DNS64 read as internal) and 2002::/16 global
        # (6to4 of 127.0.0.1 read as public): what such an address reaches is the IPv4 address inside it.
        nat64 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None
        embedded = ip.ipv4_mapped or nat64 or ip.sixtofour
        if embedded is not None:
            ip = embedded
    return not ip.is_global or ip.is_multicast or ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved


def proxied(session: requests.Session, url: str) -> bool:
    """Whether `session` sends a request for `url` through a proxy: its `proxies`, and with `trust_env` (the default)
    `HTTP(S)_PROXY`/`ALL_PROXY` unless `NO_PROXY` names the host, as requests itself chooses."""
    settings = session.merge_environment_settings(url, {}, None, None, None)
    return requests.utils.select_proxy(url, settings["proxies"]) is not None


def _literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None


class RedirectGuard:
    """The redirect rule for one request to `origin` (the configured URL); `check` each target before following.
    `session`: the one that follows, whose proxy (if any) resolves a target's name instead of `resolver`."""

    def __init__(
        self,
        origin: str,
        label: str,
        resolver: Resolver = system_addresses,
        session: requests.Session | None = None,
    ):
        self.origin, self.label, self.resolver, self.session = origin, label, resolver, session
        self._origin_internal: bool | None = None  # resolved at the first redirect only: most requests have none

    def _addresses(self, host: str) -> list[str]:
        literal = _literal(host)  # a literal needs no lookup
        return [literal] if literal is not None else list(self.resolver(host))

    def _via_proxy(self, host: str, url: str) -> bool:
        """Whether `url` is a name (not an address) the session sends through a proxy, which resolves it."""
        return self.session is not None and _literal(host) is None and proxied(self.session, url)

    def origin_internal(self) -> bool:
        """Whether the configured URL's own host is internal (then every http(s) redirect is followed)."""
        if self._origin_internal is None:
            host = urlsplit(self.origin).hostname or ""
            try:
                self._origin_internal = any(is_internal(a) for a in self._addresses(host))
            except OSError:  # unresolvable here (a name only a proxy resolves, or DNS down): the strict rule applies
                self._origin_internal = False
        return self._origin_internal

    def check(self, target: str, shown: str) -> None:
        """Raise `RedirectRefused` unless a redirect to `target` (`shown`: how messages name it) may be followed."""
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https"):
            raise RedirectRefused(
                f"{self.label}: redirected to a {parts.scheme or 'scheme-less'} URL ({shown}); only http and https "
                "redirects are followed"
            )
        host = parts.hostname or ""
        if self.origin_internal():
            return
        try:
            addresses = self._addresses(host)
        except OSError as exc:  # socket.gaierror: a DNS failure may pass, as a refused connection would: retried
            if self._via_proxy(host, target):
                # Only the proxy resolves it (a network whose one way out is the proxy): followed, unchecked. A name
                # that resolves here is checked like any other, so `localhost` or a compose service's name is
                # still refused behind a proxy.
                return
            raise RedirectUnresolved(f"redirected to {shown}: {host} does not resolve here now ({exc})") from exc
        internal = sorted({a for a in addresses if is_internal(a)})
        if internal:
            raise RedirectRefused(
                f"{self.label}: redirected to {shown} ({', '.join(internal)}), an internal (private, loopback or "
                "link-local) address, from a public one; not followed. If that feed is meant, configure its URL "
                "directly"
            )

