"""Hostile post text in alert messages, as the channels' real receivers would get them.

Payloads are delivered to a real local HTTP server and a real SMTP server; Teams' Markdown
is rendered with a real CommonMark renderer (markdown-it-py) to see what a reader would get.
"""

from __future__ import annotations

import html
import io
import re
from datetime import UTC, datetime

import pytest
from conftest import SMTP_PASSWORD, email_channel
from hostile_corpus import HOSTILE_TEXTS, hostile_alert, hostile_mentions
from markdown_it import MarkdownIt

from alerts.config import ConsoleChannel, WebhookChannel
from alerts.deliver import deliver
from core.escaping import one_line

START = datetime(2026, 11, 10, 12, tzinfo=UTC)
ANSI = "\x1b[2J\x1b]0;pwned\x07"  # clear screen + set terminal title


@pytest.fixture
def alert():
    hostile = hostile_alert("Acme", START, hostile_mentions("Acme", START))
    return hostile.model_copy(update={"summary": hostile.summary + " " + ANSI})


def _mrkdwn_texts(payload: dict) -> list[str]:
    """Every string Slack parses as mrkdwn: the fallback text, section texts and fields, context elements."""
    out = [payload["text"]]
    for block in payload["blocks"]:
        if block.get("text", {}).get("type") == "mrkdwn":
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"] for e in block.get("elements", []) if e.get("type") == "mrkdwn"]
    return out


def _slack_decoded(text: str) -> str:
    # What Slack shows for an escaped text: its three entities decoded, nothing else.
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_slack_mrkdwn_shows_hostile_text_as_typed_and_links_only_http(http_server, state, alert):
    env = {"SLACK_URL": http_server.url + "/slack"}
    report = deliver([alert], [WebhookChannel(type="slack", url_env="SLACK_URL")], state, env)
    assert report.sent == 1
    payload = http_server.on("/slack")[0]["json"]
    texts = _mrkdwn_texts(payload)
    for text in texts:
        # Slack's control sequences (<!channel>, <url|label>, <@user>) all start with '<'.
        assert "<" not in text and ">" not in text, text[:300]
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), "a bare & would start an entity"
    summary = _slack_decoded(texts[1])
    assert "<!channel> <https://evil.example|Open in dashboard>" in summary
    assert HOSTILE_TEXTS["script"] in summary and "&amp; &lt;b&gt;" in summary
    # The alert's own link is javascript: it gets no button at all.
    assert not [b for b in payload["blocks"] if b["type"] == "actions"]
    assert "\x1b" not in "".join(texts) and "\u202e" not in "".join(texts)


def _rendered(markdown: str) -> tuple[str, str]:
    """(HTML, visible text) of Teams Markdown rendered as CommonMark with raw HTML allowed."""
    out = MarkdownIt("commonmark", {"html": True}).render(markdown)
    text = html.unescape(re.sub(r"<[^>]+>", "", out)).strip()
    return out, text


def test_teams_markdown_renders_hostile_text_as_text(http_server, state, alert):
    env = {"TEAMS_URL": http_server.url + "/teams"}
    assert deliver([alert], [WebhookChannel(type="teams", url_env="TEAMS_URL")], state, env).sent == 1
    card = http_server.on("/teams")[0]["json"]["attachments"][0]["content"]
    assert "actions" not in card  # javascript: link dropped
    blocks = [b["text"] for b in card["body"] if b["type"] == "TextBlock"]
    facts = [v for b in card["body"] if b["type"] == "FactSet" for f in b["facts"] for v in f.values()]
    for markdown in blocks + facts:
        out, _ = _rendered(markdown)
        tags = set(re.findall(r"</?([a-zA-Z0-9]+)", out))
        assert tags <= {"p", "ul", "li"}, (tags, markdown[:300])  # no link, image, emphasis or raw HTML
    _, summary = _rendered(blocks[1])
    assert summary == one_line(alert.summary)
    assert "\x1b" not in summary and "\u202e" not in "".join(blocks + facts)
    terms = next(
        f["value"] for b in card["body"] if b["type"] == "FactSet" for f in b["facts"] if f["title"] == "Terms"
    )
    assert _rendered(terms)[1] == one_line(", ".join(alert.top_terms[:8]))


def test_console_and_email_text_carry_no_control_sequences(state, alert, smtp_server):
    stream = io.StringIO()
    channels = [ConsoleChannel(type="console"), email_channel(smtp_server)]
    report = deliver([alert], channels, state, {"PW": SMTP_PASSWORD}, stream=stream)
    assert report.sent == 2
    mail = smtp_server.recorder.messages[0][2]
    for text in (mail.get_payload(decode=True).decode(), stream.getvalue()):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert HOSTILE_TEXTS["script"] in text  # plain text needs no escaping: shown as typed
        assert "Open:" not in text  # the javascript: link is not offered
