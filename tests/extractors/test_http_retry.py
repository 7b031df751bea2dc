"""The shared retry layer against a real local HTTP server: rate limits, 5xx, timeouts, bad JSON, auth."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from extractor_support import Reply

from extractors.base import SourceError
from extractors.http import HttpClient, Retry, RetryPolicy, display_url, retry_after_header, retry_after_seconds


def client(policy, timeout=(2.0, 2.0)):
    return HttpClient(policy, timeout=timeout)


def test_429_waits_for_retry_after_then_succeeds(server, policy, clock, caplog):
    server.route("/s", Reply(429, {"error": "slow down"}, {"Retry-After": "7"}), Reply(200, {"ok": 1}))
    with caplog.at_level(logging.WARNING, "groundswell.extractors.http"):
        assert client(policy).get_json(server.base + "/s") == {"ok": 1}
    assert clock.sleeps == [7.0]
    assert "rate limited (429); retry 1/3 in 7.0s" in caplog.text
    assert len(server.requests) == 2


def test_429_waits_until_x_rate_limit_reset(server, policy, clock):
    reset = int(clock.now) + 120
    server.route("/s", Reply(429, {}, {"x-rate-limit-reset": str(reset)}), Reply(200, []))
    client(policy).get_json(server.base + "/s")
    assert clock.sleeps == [120.0]


def test_wait_longer_than_max_wait_is_fatal(server, clock):
    slow = RetryPolicy(attempts=4, max_wait=60, sleep=clock.sleep, clock=clock.time)
    server.route("/s", Reply(429, {}, {"x-rate-limit-reset": str(int(clock.now) + 600)}))
    with pytest.raises(SourceError, match=r"rate limited for 600s .* run again later"):
        client(slow).get_json(server.base + "/s")
    assert clock.sleeps == []


def test_5xx_backs_off_exponentially_then_succeeds(server, policy, clock):
    server.route("/s", Reply(500, "boom"), Reply(503, "busy"), Reply(200, {"ok": True}))
    assert client(policy).get_json(server.base + "/s") == {"ok": True}
    assert clock.sleeps == [1.0, 2.0]


@pytest.mark.parametrize("status", [408, 501, 524])
def test_408_and_every_5xx_are_retried(server, policy, clock, status):
    # 408: the server stopped waiting for the request (a slow link, a busy proxy); it was fatal as a 4xx.
    server.route("/s", Reply(status, "later"), Reply(200, {"ok": 1}))
    assert client(policy).get_json(server.base + "/s") == {"ok": 1}
    assert clock.sleeps == [1.0]


def test_persistent_5xx_gives_up_with_a_clear_error(server, policy, clock):
    server.route("/s", Reply(503, "busy"))
    with pytest.raises(SourceError, match=r"giving up after 4 attempts: server error 503"):
        client(policy).get_json(server.base + "/s")
    assert len(server.requests) == 4 and clock.sleeps == [1.0, 2.0, 4.0]


def test_timeout_is_retried(server, policy, clock):
    server.route("/s", Reply(200, {"late": 1}, delay=0.6), Reply(200, {"ok": 1}))
    assert client(policy, timeout=(1.0, 0.2)).get_json(server.base + "/s") == {"ok": 1}
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize("body", ['{"hits": [1, 2', "<html>gateway</html>", ""])
def test_truncated_or_malformed_json_is_retried_then_fatal(server, policy, body):
    server.route("/s", Reply(200, body))
    with pytest.raises(SourceError, match="malformed JSON"):
        client(policy).get_json(server.base + "/s")
    assert len(server.requests) == 4


def test_truncated_json_once_then_good(server, policy):
    server.route("/s", Reply(200, '{"hits": [1, 2'), Reply(200, {"hits": [1, 2]}))
    assert client(policy).get_json(server.base + "/s") == {"hits": [1, 2]}


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "not authorised (401)"),
        (403, "not authorised (403)"),
        (400, "request rejected (400)"),
        (404, "request rejected (404)"),
    ],
)
def test_auth_and_other_4xx_are_fatal_without_retry(server, policy, clock, status, words):
    server.route("/s", Reply(status, {"error": "nope"}))
    with pytest.raises(SourceError, match=re.escape(words)):
        client(policy).get_json(server.base + "/s")
    assert len(server.requests) == 1 and clock.sleeps == []


def test_retry_after_header_forms():
    now = 1_700_000_000.0
    assert retry_after_seconds({"Retry-After": "4"}, now) == 4
    assert retry_after_seconds({"Retry-After": "Tue, 14 Nov 2023 22:15:00 GMT"}, now) == 100
    assert retry_after_seconds({"x-rate-limit-reset": str(int(now) + 30)}, now) == 30
    assert retry_after_seconds({"x-ratelimit-reset": "12"}, now) == 12  # Reddit: seconds from now
    assert retry_after_seconds({"X-RateLimit-Reset": "2023-11-14T22:14:30.000Z"}, now) == 70  # Mastodon
    assert retry_after_seconds({"RateLimit-Reset": str(int(now) + 5)}, now) == 5  # Bluesky
    assert retry_after_seconds({}, now) is None


def test_rate_limit_headers_that_are_no_finite_number_or_are_negative_are_no_wait():
    now = 1_700_000_000.0
    assert retry_after_seconds({"x-ratelimit-reset": "nan"}, now) is None
    assert retry_after_seconds({"ratelimit-reset": "inf", "x-ratelimit-reset": "12"}, now) == 12  # the next one
    assert retry_after_seconds({"x-ratelimit-reset": "-3"}, now) == 0.0


@pytest.mark.parametrize(("hint", "waited"), [(float("nan"), 1.0), (float("inf"), 1.0), (-3.0, 0.0)])
def test_a_wait_hint_that_is_no_finite_number_backs_off_and_a_negative_one_waits_nothing(policy, clock, hint, waited):
    # Whatever a classifier read from a server: time.sleep raises ValueError for a negative or NaN wait.
    answers = iter([Retry("rate limited (429)", hint)])

    def call() -> str:
        for error in answers:
            raise error
        return "ok"

    assert policy.call(call, "t") == "ok" and clock.sleeps == [waited]


@pytest.mark.parametrize(
    "reset",
    [
        {"x-ratelimit-reset": "580"},  # Reddit: seconds until its quota window resets, sent on every response
        {"x-rate-limit-reset": str(1_700_000_000 + 905)},  # X: the epoch of the reset, past max_wait here
    ],
)
def test_5xx_ignores_rate_limit_reset_headers_and_backs_off(server, policy, clock, reset):
    # The quota window's reset says nothing about when a failing server is back: a brief 503 must not wait
    # minutes for it, nor turn fatal as "rate limited" when the reset is further than max_wait.
    server.route("/s", Reply(503, "busy", reset), Reply(200, {"ok": 1}))
    assert client(policy).get_json(server.base + "/s") == {"ok": 1}
    assert clock.sleeps == [1.0]


def test_5xx_waits_for_an_explicit_retry_after(server, policy, clock):
    server.route("/s", Reply(503, "busy", {"Retry-After": "3", "x-ratelimit-reset": "580"}), Reply(200, {"ok": 1}))
    client(policy).get_json(server.base + "/s")
    assert clock.sleeps == [3.0]


def test_retry_after_header_reads_only_retry_after():
    now = 1_700_000_000.0
    assert retry_after_header({"retry-after": "9", "x-ratelimit-reset": "580"}, now) == 9
    assert retry_after_header({"x-rate-limit-reset": str(int(now) + 30), "RateLimit-Reset": "5"}, now) is None
    assert retry_after_header({"Retry-After": "soon"}, now) is None and retry_after_header(None, now) is None


@pytest.mark.parametrize("zone", ["-0000", "+0000", "GMT"])
def test_retry_after_http_date_is_utc_whatever_the_local_time_zone(server, policy, clock, far_from_utc, zone):
    # RFC 5322 reads '-0000' as "zone unknown": the parsed time has no tzinfo and was taken as local time.
    date = f"Tue, 14 Nov 2023 22:15:00 {zone}"  # 100 s after the fake clock's now
    assert retry_after_header({"Retry-After": date}, clock.now) == 100
    server.route("/s", Reply(429, {}, {"Retry-After": date}), Reply(200, {"ok": 1}))
    client(policy).get_json(server.base + "/s")
    assert clock.sleeps == [100.0]


def test_display_url_drops_query_fragment_and_userinfo():
    assert display_url("https://user:pw@feeds.example/a/rss.xml?token=s3cret#top") == "https://feeds.example/a/rss.xml"
    assert display_url("http://127.0.0.1:8080/feed") == "http://127.0.0.1:8080/feed"
    assert display_url("/srv/feeds/local.xml") == "/srv/feeds/local.xml"  # a path: shown as it is


def test_a_reset_time_with_no_offset_is_utc_whatever_the_machines_zone(far_from_utc):
    """Mastodon's x-ratelimit-reset is an ISO time; one written without an offset is UTC, not the machine's local
    time (in Los Angeles that read it 8 hours off: a wait of hours, or none)."""
    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp()
    assert retry_after_seconds({"x-ratelimit-reset": "2026-12-07T12:05:00"}, now) == 300
    assert retry_after_seconds({"x-ratelimit-reset": "2026-12-07T12:05:00Z"}, now) == 300
