"""A competitor brand's alert (`brands[].competitor: true`) says so in every channel's message: its headline starts
"Competitor · " and its first fact says whose brand it is. Before, the demo's "🟠 [WARNING] Negative spike: Sonique"
reached every channel unmarked, read as a crisis of the team's own. Real local HTTP and SMTP servers, the console,
the real pipeline step reading the flag from the config."""

from __future__ import annotations

from datetime import UTC, datetime
from email.header import decode_header, make_header

from cli_config import write_config
from conftest import email_channel, make_alert

from alerts.config import WebhookChannel
from alerts.deliver import deliver
from alerts.history import save_alerts
from groundswell import pipeline
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

MARK = "Competitor · "


def test_every_channel_marks_a_competitors_alert_and_only_it(http_server, smtp_server, state, capsys):
    ours, theirs = make_alert(brand="Acme"), make_alert(brand="Sonique", hour=9)
    channels = [
        WebhookChannel(type="slack", url_env="SLACK", retries=0),
        WebhookChannel(type="teams", url_env="TEAMS", retries=0),
        WebhookChannel(type="webhook", url_env="HOOK", retries=0),
        email_channel(smtp_server),
    ]
    env = {"SLACK": http_server.url + "/slack", "TEAMS": http_server.url + "/teams", "HOOK": http_server.url + "/hook",
           "PW": "s3cret-pw"}
    report = deliver([ours, theirs], channels, state, env, competitors={"Sonique"})
    assert report.sent == 8 and report.failed == 0
    slack = {r["json"]["blocks"][0]["text"]["text"]: r["json"] for r in http_server.on("/slack")}
    assert sorted(slack) == ["🟠 [WARNING] Competitor · Negative spike: Sonique", "🟠 [WARNING] Negative spike: Acme"]
    rival = slack["🟠 [WARNING] Competitor · Negative spike: Sonique"]
    assert rival["text"].startswith("🟠 [WARNING] Competitor · ")
    assert rival["blocks"][2]["fields"][0]["text"].startswith("*Competitor*\nSonique is a competitor")
    assert not any("Competitor" in str(f) for f in slack["🟠 [WARNING] Negative spike: Acme"]["blocks"][2]["fields"])
    teams = [r["json"]["attachments"][0]["content"]["body"] for r in http_server.on("/teams")]
    heads = sorted(body[0]["text"] for body in teams)
    assert heads == ["🟠 \\[WARNING\\] Competitor · Negative spike: Sonique", "🟠 \\[WARNING\\] Negative spike: Acme"]
    hooks = {r["json"]["alert"]["brand"]: r["json"] for r in http_server.on("/hook")}
    assert hooks["Sonique"]["competitor"] is True and hooks["Sonique"]["text"].startswith("🟠 [WARNING] Competitor · ")
    assert hooks["Acme"]["competitor"] is False and MARK not in hooks["Acme"]["text"]
    mails = {str(make_header(decode_header(m["Subject"]))): m for _, _, m in smtp_server.recorder.messages}
    assert sorted(mails) == ["🟠 [WARNING] Competitor · Negative spike: Sonique", "🟠 [WARNING] Negative spike: Acme"]
    body = mails["🟠 [WARNING] Competitor · Negative spike: Sonique"].get_payload(decode=True).decode("utf-8")
    assert "Sonique is a competitor's brand" in body


def test_the_run_reads_competitors_from_the_config(tmp_path, capsys):
    config = load_config(write_config(
        tmp_path,
        brands=[{"name": "Acme", "query": "acme"}, {"name": "Sonique", "query": "sonique", "competitor": True}],
        channels=[{"type": "console"}],
    ))
    store = SqliteStore(tmp_path / "g.db")
    alerts = [make_alert(brand="Acme"), make_alert(brand="Sonique", hour=9)]
    save_alerts(store, alerts)
    assert pipeline.notify(config, store, alerts, now=datetime(2026, 3, 18, 20, tzinfo=UTC)).sent == 2
    store.close()
    printed = capsys.readouterr().out
    assert "🟠 [WARNING] Competitor · Negative spike: Sonique" in printed
    assert "Sonique is a competitor's brand, not yours" in printed
    assert "🟠 [WARNING] Negative spike: Acme" in printed and printed.count(MARK) == 1
