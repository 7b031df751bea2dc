"""One Retry-After rule (`core.http_dates.retry_after`) for the extractors' HTTP retries and the alert webhooks.

The two copies both raised ValueError on a header of "²": `str.isdigit()` is True for it and `float()` fails.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from extractor_support import Reply

from alerts.channels.webhook import retry_after_seconds as webhook_retry_after
from core.http_dates import retry_after
from extractors.http import HttpClient, retry_after_header

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # 1_700_000_000
VALUES = ["4", " 7 ", "0", "Tue, 14 Nov 2023 22:15:00 GMT", "Tue, 14 Nov 2023 22:15:00 -0000",
          "Tue, 14 Nov 2023 22:00:00 GMT", "soon", "", "1.5", "-3", "²", "٣", "Tue, 99 Foo 2023", None]


@pytest.mark.parametrize("value", ["²", "³", "٣", "1²"])
def test_digits_that_are_not_ascii_are_unreadable_not_a_crash(value):
    assert retry_after(value, NOW.timestamp()) is None


def test_delays_and_dates():
    now = NOW.timestamp()
    assert retry_after(" 7 ", now) == 7.0
    assert retry_after("Tue, 14 Nov 2023 22:15:00 GMT", now) == 100.0
    assert retry_after("Tue, 14 Nov 2023 22:15:00 -0000", now) == 100.0  # "zone unknown" is still GMT
    assert retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now) == 0.0  # already past
    assert retry_after("soon", now) is None and retry_after("", now) is None and retry_after(None, now) is None


@pytest.mark.parametrize("value", VALUES)
def test_the_extractors_and_the_webhooks_read_every_value_alike(value):
    headers = None if value is None else {"Retry-After": value}
    expected = retry_after(value, NOW.timestamp())
    assert retry_after_header(headers, NOW.timestamp()) == expected
    assert webhook_retry_after(value, NOW) == expected


def test_an_extractor_answered_429_with_an_unreadable_retry_after_backs_off_and_retries(server, policy, clock):
    server.route("/s", Reply(429, {}, {"Retry-After": "²"}), Reply(200, {"ok": 1}))
    assert HttpClient(policy).get_json(server.base + "/s") == {"ok": 1}
    assert clock.sleeps == [1.0]  # the policy's own backoff: the header said nothing

