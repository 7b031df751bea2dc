"""Delivery against real local servers: idempotent, retried, isolated per channel, no leaked secrets."""

from __future__ import annotations

import io
import json

import pytest
from conftest import SMTP_PASSWORD, email_channel, free_port

from alerts.channels import idempotency_key
from alerts.config import ConsoleChannel, JsonlChannel, WebhookChannel
from alerts.deliver import deliver, sent_key

SECRET_PATH = "/services/T000/B000/XXXXsecretXXXX"


def no_sleep(seconds: float) -> None:
    pass


def slack(url_env: str = "GS_TEST_SLACK", **kw) -> WebhookChannel:
    return WebhookChannel(type="slack", url_env=url_env, backoff_s=0.01, **kw)


def test_slack_webhook_gets_blocks_once(http_server, state, alerts):
    env = {"GS_TEST_SLACK": http_server.url + SECRET_PATH}
    report = deliver(alerts, [slack()], state, env)
    assert (report.sent, report.already_sent, report.failed) == (3, 0, 0)
    posts = http_server.on(SECRET_PATH)
    assert len(posts) == 3
    first = posts[0]["json"]
    assert "Acme" in first["text"]
    assert first["blocks"][0]["type"] == "header"
    assert any(
        b["type"] == "actions" and b["elements"][0]["url"].startswith("http://dash.local") for b in first["blocks"]
    )
    assert posts[0]["headers"]["Idempotency-Key"] == first["idempotency_key"] == idempotency_key("slack", alerts[0].id)
    assert state.get_state(sent_key("slack", alerts[0].id)) is not None

    again = deliver(alerts, [slack()], state, env)
    assert (again.sent, again.already_sent, again.failed) == (0, 3, 0)
    assert len(http_server.on(SECRET_PATH)) == 3  # a re-run sends nothing new


def test_teams_and_generic_webhook_payloads(http_server, state, alerts):
    env = {"TEAMS_URL": http_server.url + "/teams", "HOOK_URL": http_server.url + "/hook"}
    channels = [
        WebhookChannel(type="teams", url_env="TEAMS_URL"),
        WebhookChannel(type="webhook", url_env="HOOK_URL"),
    ]
    report = deliver(alerts[:1], channels, state, env)
    assert report.sent == 2
    card = http_server.on("/teams")[0]["json"]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert card["content"]["type"] == "AdaptiveCard"
    assert card["content"]["actions"][0]["url"].startswith("http://dash.local")
    generic = http_server.on("/hook")[0]["json"]
    assert generic["alert"]["id"] == alerts[0].id
    assert generic["alert"]["observed"] == 31


def test_server_error_then_recovery_is_retried_with_backoff(http_server, state, alerts):
    http_server.plan[SECRET_PATH] = [500, 503]
    waits: list[float] = []
    report = deliver(
        alerts[:1], [slack(retries=3)], state, {"GS_TEST_SLACK": http_server.url + SECRET_PATH}, sleep=waits.append
    )
    assert report.sent == 1 and report.failed == 0
    assert [r["status"] for r in http_server.on(SECRET_PATH)] == [500, 503, 200]
    assert waits == [0.01, 0.02]  # exponential backoff


def test_down_channel_does_not_block_others_and_is_retried_next_run(http_server, state, alerts, tmp_path):
    http_server.plan[SECRET_PATH] = [500, 500]  # down for this run (2 tries), then recovered
    env = {"GS_TEST_SLACK": http_server.url + SECRET_PATH}
    out = tmp_path / "alerts.jsonl"
    channels = [slack(retries=1), JsonlChannel(type="jsonl", path=str(out))]

    first = deliver(alerts, channels, state, env, sleep=no_sleep)
    assert first.channels["slack"].failed == 3 and first.channels["slack"].sent == 0
    assert first.channels["jsonl"].sent == 3
    # After the first alert exhausted its retries, the rest fail fast instead of hammering.
    assert len(http_server.on(SECRET_PATH)) == 2
    assert all(state.get_state(sent_key("slack", a.id)) is None for a in alerts)

    second = deliver(alerts, channels, state, env, sleep=no_sleep)
    assert second.channels["slack"].sent == 3 and second.channels["slack"].failed == 0
    assert second.channels["jsonl"].already_sent == 3
    third = deliver(alerts, channels, state, env, sleep=no_sleep)
    assert (third.sent, third.already_sent, third.failed) == (0, 6, 0)
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [a.id for a in alerts]
    delivered = [r["json"]["text"] for r in http_server.on(SECRET_PATH) if r["status"] == 200]
    assert len(delivered) == 3 and len(set(delivered)) == 3  # each alert exactly once


def test_client_error_is_not_retried(http_server, state, alerts):
    http_server.plan[SECRET_PATH] = [404]
    report = deliver(
        alerts[:1], [slack(retries=5)], state, {"GS_TEST_SLACK": http_server.url + SECRET_PATH}, sleep=no_sleep
    )
    assert report.failed == 1
    assert len(http_server.on(SECRET_PATH)) == 1
    assert "HTTP 404" in report.channels["slack"].errors[0]


def test_unreachable_webhook_fails_without_leaking_the_url(state, alerts, caplog):
    url = f"http://127.0.0.1:{free_port()}{SECRET_PATH}"  # nothing listens there
    report = deliver(alerts[:1], [slack(retries=1)], state, {"GS_TEST_SLACK": url}, sleep=no_sleep)
    assert report.failed == 1
    text = " ".join(report.channels["slack"].errors) + caplog.text
    assert "ConnectionError" in text
    assert "secret" not in text and str(url) not in text


def test_missing_secret_is_a_clear_error(state, alerts):
    report = deliver(alerts[:1], [slack()], state, {})
    assert report.failed == 1
    assert "GS_TEST_SLACK is not set" in report.channels["slack"].errors[0]


def test_email_through_a_real_smtp_server(smtp_server, state, alerts):
    channel = email_channel(
        smtp_server,
        "GS_SMTP_PASSWORD",
        sender="groundswell@example.org",
        to=["pr@example.org", "oncall@example.org"],
    )
    env = {"GS_SMTP_PASSWORD": SMTP_PASSWORD}
    report = deliver(alerts, [channel], state, env)
    assert report.sent == 3
    messages = smtp_server.recorder.messages
    assert len(messages) == 3
    mail_from, rcpt, msg = messages[1]
    assert mail_from == "groundswell@example.org"
    assert rcpt == ["pr@example.org", "oncall@example.org"]
    assert "CRITICAL" in msg["Subject"] and "Acme" in msg["Subject"]
    assert msg["Message-ID"] == f"<{alerts[1].id}.email@groundswell.alerts>"
    body = msg.get_payload(decode=True).decode()
    assert "techwatch" in body and "http://dash.local" in body

    again = deliver(alerts, [channel], state, env)
    assert again.already_sent == 3 and len(smtp_server.recorder.messages) == 3


def test_email_with_wrong_password_fails_permanently(smtp_server, state, alerts):
    channel = email_channel(smtp_server, sender="a@example.org", to=["b@example.org"])
    report = deliver(alerts[:1], [channel], state, {"PW": "wrong"}, sleep=no_sleep)
    assert report.failed == 1 and "login refused" in report.channels["email"].errors[0]
    assert "wrong" not in " ".join(report.channels["email"].errors)
    assert smtp_server.recorder.messages == []


def test_console_and_min_severity(state, alerts):
    stream = io.StringIO()
    report = deliver(alerts, [ConsoleChannel(type="console", min_severity="critical")], state, {}, stream=stream)
    assert report.sent == 1 and report.channels["console"].skipped == 2
    text = stream.getvalue()
    assert "[CRITICAL] Negative spike: Acme" in text
    assert "Observed / expected" in text and "techwatch" in text


def test_channels_need_distinct_names(state, alerts, tmp_path):
    channels = [
        JsonlChannel(type="jsonl", path=str(tmp_path / "a")),
        JsonlChannel(type="jsonl", path=str(tmp_path / "b")),
    ]
    with pytest.raises(ValueError, match="distinct names"):
        deliver(alerts, channels, state, {})
    channels[1].name = "archive"
    assert deliver(alerts, channels, state, {}).sent == 6
