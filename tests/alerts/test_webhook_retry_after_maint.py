"""A webhook receiver's unreadable Retry-After ("²": a digit to `str.isdigit`, not to `float`) is no crash: the
channel's own backoff applies and the alert goes out (`core.http_dates.retry_after`, the extractors' rule too)."""

from __future__ import annotations

from alerts.config import WebhookChannel
from alerts.deliver import deliver


def test_a_429_with_an_unreadable_retry_after_is_retried_with_the_channels_backoff(http_server, state, alerts):
    http_server.plan["/hook"] = [{"status": 429, "headers": {"Retry-After": "²"}}]
    channel = WebhookChannel(type="webhook", url_env="GS_TEST_HOOK", backoff_s=0.01, retries=2)
    report = deliver(alerts[:1], [channel], state, {"GS_TEST_HOOK": http_server.url + "/hook"})
    assert (report.sent, report.failed) == (1, 0), report
    assert [r["status"] for r in http_server.on("/hook")] == [429, 200]
