"""What `HttpClient` (RSS, Hacker News) fetches from a server it does not control, against a real local HTTP server:
a body is cut at `max_bytes` once decompressed (a gzip bomb of 64 KiB on the wire inflating to 64 MiB held the whole
body in memory: a 400 MiB one took a collect to 2.5 GB), and a redirect from a public address to an internal one,
or to another scheme, is not followed (a feed answering 302 to 127.0.0.1 had the internal page stored as a post)."""

from __future__ import annotations

import gzip
import io
import tracemalloc

import pytest
import requests
from extractor_support import Reply
from pydantic import ValidationError

from extractors.base import Window
from extractors.errors import SourceError
from extractors.hackernews import HackerNewsExtractor
from extractors.http import HttpClient, ResponseTooLarge, make_session, rebase
from extractors.redirects import MAX_REDIRECTS, RedirectGuard, RedirectRefused, is_internal
from extractors.rss import RssExtractor

INFLATED_MB = 64


def _bomb(megabytes: int = INFLATED_MB) -> bytes:
    """An RSS document of `megabytes` MiB, gzipped: about a thousandth of that on the wire."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz:
        gz.write(b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><title>acme</title>"
                 b"<description>")  # fmt: skip
        block = b"A" * (1 << 20)
        for _ in range(megabytes):
            gz.write(block)
        gz.write(b"</description></item></channel></rss>")
    return buf.getvalue()


BOMB = _bomb()
GZIPPED = {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"}


def test_a_gzip_bomb_is_cut_at_the_limit_with_memory_bounded_and_not_retried(server, policy, clock):
    server.route("/bomb.xml", Reply(200, BOMB, GZIPPED))
    client = HttpClient(policy, max_bytes=2 << 20)
    tracemalloc.start()
    try:
        with pytest.raises(ResponseTooLarge, match=r"^the feed: response larger than 2 MiB once decompressed .*"
                                                   r"not retried.*max_response_mb option"):  # fmt: skip
            client.get(server.base + "/bomb.xml", what="the feed")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(BOMB) < 1 << 20  # small on the wire ...
    assert peak < 16 << 20, f"peak {peak / (1 << 20):.1f} MiB while reading a {INFLATED_MB} MiB bomb"  # ... and here
    assert [path for path, _ in server.requests] == ["/bomb.xml"] and clock.sleeps == []  # asked once


def test_a_body_declared_larger_than_the_limit_is_refused_before_it_is_read(server, policy):
    body = b"[" + b"0," * (1 << 20) + b"0]"  # 2 MiB, plain
    server.route("/big.json", Reply(200, body))
    # The size it declares, not "stopped after 0 bytes" (nothing was read: the header said enough)
    with pytest.raises(ResponseTooLarge, match=rf"larger than 1 MiB once decompressed \(it declares {len(body)} bytes"):
        HttpClient(policy, max_bytes=1 << 20).get_json(server.base + "/big.json", what="the search")
    assert HttpClient(policy, max_bytes=3 << 20).get_json(server.base + "/big.json")[:2] == [0, 0]  # under it: read


@pytest.mark.parametrize("extractor", [RssExtractor, HackerNewsExtractor])
@pytest.mark.parametrize("megabytes", [0, -1, 1e-9, 0.009])
def test_a_max_response_mb_that_refuses_every_answer_is_a_config_error(extractor, megabytes):
    # 1e-9 MiB was read as a cap of 0 bytes: every feed "larger than 0 MiB", a typo taken for a limit
    with pytest.raises(ValidationError, match=r"max_response_mb\n.*greater than or equal to 0\.01"):
        extractor({"urls": ["http://feed.example/f"], "max_response_mb": megabytes} if extractor is RssExtractor
                  else {"max_response_mb": megabytes})  # fmt: skip
    options = {"max_response_mb": 0.01} | ({"urls": ["http://feed.example/f"]} if extractor is RssExtractor else {})
    assert extractor(options).options.max_response_mb == 0.01  # the smallest accepted: 10 KiB


def test_an_rss_feed_past_max_response_mb_is_skipped_and_the_others_are_read(server, policy):
    server.route("/bomb.xml", Reply(200, BOMB, GZIPPED))
    good = ("<?xml version='1.0'?><rss version='2.0'><channel><title>t</title><item><guid>g1</guid>"
            "<title>acme fine</title><pubDate>Wed, 10 Jun 2026 10:00:00 GMT</pubDate></item></channel></rss>")
    server.route("/good.xml", Reply(200, good, {"Content-Type": "application/rss+xml"}))
    extractor = RssExtractor({"urls": [server.base + "/bomb.xml?token=s3cret", server.base + "/good.xml"],
                              "max_response_mb": 1})  # fmt: skip
    extractor.retry = policy
    batches = list(extractor.extract("b", "acme", None, Window()))
    assert [m.text for b in batches for m in b.mentions] == ["acme fine"]
    [reason] = [r for b in batches for r in b.skipped]
    assert f"rss {server.base}/bomb.xml: response larger than 1 MiB once decompressed" in reason
    assert "max_response_mb" in reason and "s3cret" not in reason


def _public_dns(host: str) -> list[str]:
    """Stands in for DNS, which a test cannot control: `feed.example` is a public address (example.com's), every
    other name is not looked up here."""
    assert host == "feed.example", host
    return ["93.184.216.34"]


def _public_feed(server) -> tuple[requests.Session, str]:
    """A client whose configured feed, http://feed.example/, is public by `_public_dns` while its requests reach the
    local server (`rebase`, as a proxy would)."""
    session = make_session()
    rebase(session, "http://feed.example", server.base)
    return session, "http://feed.example/feed.xml"


def test_a_redirect_from_a_public_feed_to_an_internal_address_is_not_followed(server, policy, clock):
    server.route("/feed.xml", Reply(302, "", {"Location": server.base + "/internal"}))
    server.route("/internal", Reply(200, "admin page"))
    session, url = _public_feed(server)
    client = HttpClient(policy, session=session, resolver=_public_dns)
    with pytest.raises(RedirectRefused, match=r"^rss feed: redirected to http://127\.0\.0\.1:\d+/internal \(127\.0\.0"
                                              r"\.1\), an internal .* not followed"):  # fmt: skip
        client.get(url, what="rss feed")
    assert [path for path, _ in server.requests] == ["/feed.xml"] and clock.sleeps == []  # never asked, not retried
    # A feed configured on an internal address on purpose: its redirects within are followed.
    server.requests.clear()
    assert HttpClient(policy).get(server.base + "/feed.xml").text == "admin page"
    assert [path for path, _ in server.requests] == ["/feed.xml", "/internal"]


def test_a_redirect_to_another_scheme_or_without_end_is_not_followed(server, policy):
    server.route("/feed.xml", Reply(302, "", {"Location": "file:///etc/passwd"}))
    with pytest.raises(RedirectRefused, match=r"redirected to a file URL .*only http and https"):
        HttpClient(policy).get(server.base + "/feed.xml", what="rss feed")
    server.route("/loop", Reply(302, "", {"Location": "/loop"}))
    with pytest.raises(RedirectRefused, match=rf"more than {MAX_REDIRECTS} redirects"):
        HttpClient(policy).get(server.base + "/loop", what="rss feed")
    assert len(server.requests) == 1 + MAX_REDIRECTS + 1


@pytest.mark.parametrize(
    ("address", "internal"),
    [("127.0.0.1", True), ("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True), ("169.254.169.254", True),
     ("100.64.0.1", True), ("0.0.0.0", True), ("::1", True), ("fc00::1", True), ("fe80::1%eth0", True),
     ("::ffff:127.0.0.1", True), ("224.0.0.1", True), ("93.184.216.34", False), ("2606:4700:4700::1111", False),
     # NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address, which is what they reach
     ("64:ff9b::5db8:d822", False), ("64:ff9b::a00:5", True), ("64:ff9b::7f00:1", True), ("64:ff9b::a9fe:a9fe", True),
     ("2002:7f00:1::", True), ("2002:a00:5::1", True), ("2002:5db8:d822::1", False)],
)  # fmt: skip
def test_internal_addresses(address, internal):
    assert is_internal(address) is internal


def test_behind_dns64_a_public_cdn_is_followed_and_an_ipv4_only_origin_keeps_the_guard_on():
    """On an IPv6-only network DNS64 answers 64:ff9b::<IPv4> for an IPv4-only host: read as its IPv4 address."""
    dns64 = {"feeds.example.com": ["2606:4700::1"], "cdn.example.net": ["64:ff9b::5db8:d822"],
             "v4only.example.org": ["64:ff9b::5db8:d801"], "intranet.example.org": ["64:ff9b::a00:5"]}  # fmt: skip
    RedirectGuard("https://feeds.example.com/rss", "rss", dns64.__getitem__).check("https://cdn.example.net/f", "cdn")
    guard = RedirectGuard("http://v4only.example.org/rss", "rss v4only", dns64.__getitem__)
    with pytest.raises(RedirectRefused, match=r"\(64:ff9b::a00:5\), an internal"):
        guard.check("http://intranet.example.org/admin", "http://intranet.example.org/admin")


def _through_proxy(monkeypatch, proxy: str, no_proxy: str = "") -> None:
    """Plain http goes through `proxy` (the process environment, as an operator's network would set it)."""
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy",
                 "NO_PROXY", "no_proxy"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", proxy)
    if no_proxy:
        monkeypatch.setenv("no_proxy", no_proxy)


def test_a_redirect_through_an_http_proxy_is_followed_without_a_lookup_here(server, policy, clock, monkeypatch):
    """A network whose only way out is the proxy: names resolve there, not here (`.invalid` resolves nowhere). The
    local server stands in for the proxy: it gets the absolute URL and answers by its path."""
    server.route("/rss", Reply(301, "", {"Location": "http://cdn.example.invalid/feed.xml"}))
    server.route("/feed.xml", Reply(200, "<rss>ok</rss>"))
    _through_proxy(monkeypatch, server.base)
    assert HttpClient(policy).get("http://news.example.invalid/rss", what="rss news").text == "<rss>ok</rss>"
    assert [path for path, _ in server.requests] == ["/rss", "/feed.xml"] and clock.sleeps == []
    # A literal internal address is still refused: the proxy would fetch the metadata service for the feed
    server.requests.clear()
    server.route("/rss", Reply(302, "", {"Location": "http://169.254.169.254/latest/meta-data/"}))
    with pytest.raises(RedirectRefused, match=r"\(169\.254\.169\.254\), an internal"):
        HttpClient(policy).get("http://news.example.invalid/rss", what="rss news")
    assert [path for path, _ in server.requests] == ["/rss"]


def test_behind_a_proxy_a_name_that_resolves_to_an_internal_address_is_still_refused(server, policy, monkeypatch):
    """A diff review: with a proxy set, redirects to `localhost`, a compose service's name or the metadata host were
    followed unchecked. The resolver stands in for DNS (a test cannot control it); the local server for the proxy."""
    _through_proxy(monkeypatch, server.base)

    def dns(host: str) -> list[str]:
        return {"news.example.com": ["93.184.216.34"], "elasticsearch": ["172.18.0.3"],
                "metadata.google.internal": ["169.254.169.254"], "localhost": ["127.0.0.1"]}[host]  # fmt: skip

    for target in ("http://localhost:9200/_cat/indices", "http://elasticsearch:9200/",
                   "http://metadata.google.internal/computeMetadata/v1/"):  # fmt: skip
        server.requests.clear()
        server.route("/rss", Reply(302, "", {"Location": target}))
        with pytest.raises(RedirectRefused, match="an internal"):
            HttpClient(policy, resolver=dns).get("http://news.example.com/rss", what="rss news")
        assert [path for path, _ in server.requests] == ["/rss"]  # the proxy never asked for the internal one


def test_a_redirect_target_that_bypasses_the_proxy_is_looked_up_and_a_failure_names_its_host(
    server, policy, clock, monkeypatch
):
    server.route("/rss", Reply(301, "", {"Location": "http://cdn.example.invalid/feed.xml"}))
    _through_proxy(monkeypatch, server.base, no_proxy="cdn.example.invalid")  # NO_PROXY names it: not proxied

    def no_dns(host: str) -> list[str]:
        if host == "news.example.invalid":
            return ["93.184.216.34"]  # the origin: public
        raise OSError(-2, "Name or service not known")

    with pytest.raises(SourceError, match=r"giving up after 4 attempts: redirected to http://cdn\.example\.invalid/"
                                          r"feed\.xml: cdn\.example\.invalid does not resolve here now"):  # fmt: skip
        HttpClient(policy, resolver=no_dns).get("http://news.example.invalid/rss", what="rss news")
    assert [path for path, _ in server.requests] == ["/rss"] * 4 and len(clock.sleeps) == 3  # retried
