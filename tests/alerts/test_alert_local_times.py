"""Every time in a message people read is on the team's clock (`digest.timezone`), naming its zone; the stored
alert keeps UTC. Real SMTP server (aiosmtpd) and real HTTP server for the email and Slack channels."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime

from conftest import SMTP_PASSWORD, email_channel, make_alert

from alerts.channels import sender_for
from alerts.config import ConsoleChannel, WebhookChannel
from alerts.explain import headline, summarize, summary_in
from alerts.render import as_json, as_slack, as_teams, as_text, facts
from alerts.wording import span
from core.alert import Alert

SEOUL = "Asia/Seoul"


def _alert(**update) -> Alert:
    """A spike of 2026-03-18 15:00–16:00 UTC (00:00–01:00 on 19 March in Seoul), its summary as detection writes it."""
    alert = make_alert(hour=15).model_copy(update=update)
    alert.summary = summarize(alert)
    return alert


def test_the_stored_summary_keeps_utc_and_people_read_the_teams_clock():
    alert = _alert()
    assert "during 2026-03-18 15:00–16:00 UTC" in alert.summary  # the API, CSV and alert log: data, in UTC
    local = summary_in(alert, SEOUL)
    assert "during 2026-03-19 00:00–01:00 KST" in local and "UTC" not in local
    # Only the headline is rendered again: the evidence after it is the stored text.
    evidence = alert.summary[len(headline(alert)):]
    assert evidence.startswith(" Over-represented terms") and local.endswith(evidence)
    assert summary_in(alert) == alert.summary
    # The id does not depend on the text.
    fields = alert.model_dump(exclude={"id", "summary"})
    assert Alert(**fields, summary=local).id == alert.id


def test_every_format_of_an_alert_message_names_the_teams_zone_and_no_other():
    alert = _alert()
    text = as_text(alert, tz=SEOUL)
    assert "2026-03-19 00:00–01:00 KST" in text and "UTC" not in text
    assert dict(facts(alert, tz=SEOUL))["Window"] == "2026-03-19 00:00 – 2026-03-19 01:00 KST"
    for payload in (as_slack(alert, tz=SEOUL), as_teams(alert, tz=SEOUL)):
        dumped = json.dumps(payload, ensure_ascii=False)
        assert "KST" in dumped and "UTC" not in dumped
    body = as_json(alert, tz=SEOUL)
    assert "KST" in body["text"] and "UTC" not in body["text"]
    assert body["alert"]["summary"] == alert.summary and body["alert"]["window_start"].startswith("2026-03-18T15:00")
    assert "2026-03-18 15:00 – 2026-03-18 16:00 UTC" in as_text(alert)  # no zone given: UTC, as before


def test_the_email_slack_and_console_channels_send_in_the_zone_they_are_given(smtp_server, http_server):
    alert = _alert()
    env = {"PW": SMTP_PASSWORD, "HOOK": http_server.url + "/slack"}
    sender_for(email_channel(smtp_server), env, tz=SEOUL).send(alert)
    sender_for(WebhookChannel(type="slack", url_env="HOOK"), env, tz=SEOUL).send(alert)
    out = io.StringIO()
    sender_for(ConsoleChannel(type="console"), env, out, tz=SEOUL).send(alert)
    (_, _, mail), = smtp_server.recorder.messages
    slack = json.dumps(http_server.on("/slack")[0]["json"], ensure_ascii=False)
    for message in (mail.get_payload(decode=True).decode(), slack, out.getvalue()):
        assert "2026-03-19 00:00–01:00 KST" in message and "UTC" not in message


def test_a_window_across_a_clock_change_names_both_abbreviations():
    start, end = datetime(2026, 3, 28, 23, tzinfo=UTC), datetime(2026, 3, 29, 2, tzinfo=UTC)
    assert span(start, end, "Europe/Rome") == "2026-03-29 00:00 CET–04:00 CEST"  # each end its own zone
    assert span(start, end, "Asia/Bangkok") == "2026-03-29 06:00–09:00 Asia/Bangkok"  # tzdata has no abbreviation


def test_a_silence_alert_says_since_when_on_the_teams_clock():
    alert = _alert(kind="silence", source="x", observed=0, expected=12, statistic="poisson")
    assert "(since 2026-03-18 15:00 UTC)" in alert.summary
    assert "(since 2026-03-19 00:00 KST)" in summary_in(alert, SEOUL)


def test_a_summary_not_written_by_todays_wording_is_shown_as_stored():
    """An alert stored by an older release (or edited): its UTC times name their zone, so it is never wrong."""
    alert = _alert()
    alert.summary = "Acme: 31 negative mentions during 2026-03-18 15:00–16:00 UTC, 9.7× the 3.2 expected."
    assert summary_in(alert, SEOUL) == alert.summary


def test_a_run_delivers_its_alerts_on_the_teams_clock(tmp_path):
    """The pipeline's notify hands `digest.timezone` to every channel (the renderers alone prove nothing if
    delivery never passes the zone on)."""
    from groundswell.config import parse_config  # lazy: the app layer, only for this test
    from groundswell.pipeline import notify
    from indexing.sqlite import SqliteStore

    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "channels": [{"type": "console"}],
        "digest": {"timezone": SEOUL},
    })
    alert = _alert(brand="Lumora")
    store = SqliteStore(str(tmp_path / "gs.db"))
    try:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            report = notify(config, store, [alert], now=alert.window_end, send_old=True)
    finally:
        store.close()
    assert report.sent == 1
    assert "2026-03-19 00:00–01:00 KST" in out.getvalue() and "UTC" not in out.getvalue()
