"""Weekly and monthly reports: figures from a real SQLite store checked against an independent count of
the seeded mentions, goals met/missed, and delivery to real local SMTP and webhook servers, once."""

from __future__ import annotations

import html
import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from email.header import decode_header, make_header
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from alerts.history import save_alerts
from core.alert import Alert
from core.mention import Sentiment, analyst_label
from groundswell.audit_results import save_audit
from groundswell.cli import cli
from groundswell.config import parse_config
from groundswell.period_delivery import run_period_report
from groundswell.period_render import link, render_html, render_markdown
from groundswell.period_report import build_period_report, coverage_text, for_brands
from groundswell.periods import Period, last_complete, period_containing
from groundswell.sentiment_corrections import correct_sentiment
from indexing.base import Filters
from indexing.sqlite import SqliteStore
from tests.alerts.conftest import SMTP_PASSWORD, SMTP_USER, http_server, smtp_server  # noqa: F401 (fixtures)
from tools.reports.example import seeded_mentions

WEEK = Period("week", date(2026, 11, 16), date(2026, 11, 23))
MONTH = Period("month", date(2026, 11, 1), date(2026, 12, 1))
# 13 weeks of two brands (the docs' example): the November report has 8 baseline weeks and a previous month.
SEEDED = seeded_mentions()


def _independent(brand: str, start: date, end: date) -> dict:
    """The figures counted straight from the seeded list (UTC days), without the store."""
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC)
    inside = [m for m in SEEDED if since <= m.created_at < until]
    mine = [m for m in inside if brand in m.brands]
    labelled = [m for m in mine if m.sentiment]
    return {
        "mentions": len(mine),
        "negative_share": sum(m.sentiment.label == "negative" for m in labelled) / len(labelled),
        "share_of_voice": len(mine) / sum(len(m.brands) for m in inside),  # a post counts for each of its brands
        "themes": Counter(m.themes[0] for m in mine),
    }


def _alert(brand: str, when: datetime, severity: str = "critical", kind: str = "spike") -> Alert:
    return Alert(
        brand=brand,
        kind=kind,
        severity=severity,
        window_start=when,
        window_end=when + timedelta(hours=1),
        observed=30,
        expected=3,
        statistic="poisson",
        score=8.0,
        summary=f"{brand} <b>spike</b> at {when:%d %b}",
    )


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    list(store.upsert(SEEDED))
    save_alerts(
        store,
        [
            _alert("Lumora", datetime(2026, 11, 18, 9, tzinfo=UTC)),
            _alert("Lumora", datetime(2026, 11, 20, 9, tzinfo=UTC), severity="warning", kind="keyword"),
            _alert("Lumora", datetime(2026, 11, 3, 9, tzinfo=UTC)),  # in the month, not the week
        ],
    )
    yield store
    store.close()


def _config(tmp_path, goals=None, channels=(), **digest) -> object:
    return parse_config(
        {
            "brands": [
                {"name": "Lumora", "query": "Lumora", **({"goals": goals} if goals else {})},
                {"name": "Sonique", "query": "Sonique", "competitor": True},
            ],
            "report": {"path": str(tmp_path / "out" / "report.html")},
            "channels": list(channels),
            "dashboard_url": "http://dash.local",
            "digest": digest,
        }
    )


def _check(figures: dict, expected: dict, scale: float = 1.0) -> None:
    assert figures["mentions"] == pytest.approx(expected["mentions"] * scale, abs=0.05)
    assert figures["negative_share"] == pytest.approx(expected["negative_share"], abs=5e-5)
    assert figures["share_of_voice"] == pytest.approx(expected["share_of_voice"], abs=5e-5)


def test_periods():
    assert period_containing("week", date(2026, 11, 22)) == WEEK
    assert WEEK.id == "week:2026-W47" and WEEK.previous().start == date(2026, 11, 9)
    assert MONTH.previous() == Period("month", date(2026, 10, 1), date(2026, 11, 1))
    assert last_complete("month", date(2026, 12, 1)) == MONTH
    assert last_complete("week", date(2026, 11, 23)) == WEEK


def test_weekly_figures_match_an_independent_count(tmp_path, store):
    report = build_period_report(_config(tmp_path), store, WEEK)
    lumora = report["brands"][0]
    _check(lumora["current"], now := _independent("Lumora", WEEK.start, WEEK.end))
    _check(lumora["previous"], before := _independent("Lumora", date(2026, 11, 9), WEEK.start))
    # Baseline: the 8 weeks before, volume as a weekly average.
    _check(lumora["baseline"], base := _independent("Lumora", WEEK.start - timedelta(weeks=8), WEEK.start), 1 / 8)
    assert lumora["change"]["mentions"]["vs_previous"] == pytest.approx(
        (now["mentions"] - before["mentions"]) / before["mentions"] * 100, abs=0.05
    )
    assert lumora["change"]["negative_share"]["vs_baseline"] == pytest.approx(
        (now["negative_share"] - base["negative_share"]) * 100, abs=0.05
    )
    assert [d["mentions"] for d in lumora["daily"]] == [
        _independent("Lumora", WEEK.start + timedelta(days=i), WEEK.start + timedelta(days=i + 1))["mentions"]
        for i in range(7)
    ]
    assert {t["theme"]: t["count"] for t in lumora["top_themes"]} == dict(now["themes"])
    assert lumora["alerts"]["count"] == 2 and lumora["alerts"]["by_kind"] == {"spike": 1, "keyword": 1}
    assert lumora["alerts"]["top"][0]["severity"] == "critical"
    sonique = report["brands"][1]
    assert lumora["current"]["share_of_voice"] + sonique["current"]["share_of_voice"] == pytest.approx(1, abs=1e-3)


def test_monthly_figures_match_an_independent_count(tmp_path, store):
    report = build_period_report(_config(tmp_path, baseline_weeks=4), store, MONTH)
    lumora = report["brands"][0]
    _check(lumora["current"], _independent("Lumora", MONTH.start, MONTH.end))
    # October at November's length (its daily rate times 30 days), as the baseline.
    _check(lumora["previous"], _independent("Lumora", date(2026, 10, 1), MONTH.start), 30 / 31)
    # 4 baseline weeks = 28 days before November; volume scaled to November's 30 days.
    _check(lumora["baseline"], _independent("Lumora", date(2026, 10, 4), MONTH.start), 30 / 28)
    assert len(lumora["daily"]) == 30 and lumora["alerts"]["count"] == 3
    assert report["baseline_weeks"] == 4 and report["label"] == "November 2026"


@pytest.mark.parametrize(
    ("tz", "since", "until"),
    [
        ("UTC", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
        ("Europe/Berlin", "2026-11-15T23:00:00Z", "2026-11-22T23:00:00Z"),
        ("America/Los_Angeles", "2026-11-16T08:00:00Z", "2026-11-23T08:00:00Z"),
    ],
)
def test_the_dashboard_link_covers_the_window_the_report_counted(tmp_path, store, tz, since, until):
    # The link wrote the local dates as UTC midnights: outside UTC it showed another window than the counts'.
    report = build_period_report(_config(tmp_path, timezone=tz), store, WEEK)
    assert (report["since"], report["until"]) == (since, until)
    url = urlsplit(link(for_brands(report, ["Lumora"])))
    params = dict(parse_qsl(url.query))
    assert params == {"since": since, "until": until, "brand": "Lumora"}
    window = Filters(brand="Lumora", since=datetime.fromisoformat(since), until=datetime.fromisoformat(until))
    assert store.count(window) == report["brands"][0]["current"]["mentions"]  # what the link shows is what was counted
    assert f"Open in the dashboard: {link(report)}" in render_markdown(report)


def test_goals_met_missed_and_no_data(tmp_path, store):
    now = _independent("Lumora", WEEK.start, WEEK.end)
    goals = {
        "max_negative_share": round(now["negative_share"] + 0.01, 2),  # just met
        "min_share_of_voice": round(now["share_of_voice"] + 0.05, 2),  # missed
        "max_median_response_minutes": 30,
    }
    config = _config(tmp_path, goals)
    rows = {g["goal"]: g for g in build_period_report(config, store, WEEK)["brands"][0]["goals"]}
    assert rows["negative share"]["status"] == "met"
    assert rows["negative share"]["figure"] == pytest.approx(now["negative_share"], abs=5e-5)
    assert rows["share of voice"]["status"] == "missed"
    assert rows["median response time (min)"]["status"] == "no data"  # no response statistics given

    seen = []

    def response(brand, since, until):  # the hook the response-time statistics plug into
        seen.append((brand, since, until))
        return 42.0 if brand == "Lumora" else None

    report = build_period_report(config, store, WEEK, response=response)
    lumora = report["brands"][0]
    rows = {g["goal"]: g for g in lumora["goals"]}
    assert rows["median response time (min)"] == {
        "goal": "median response time (min)",
        "direction": "max",
        "target": 30,
        "figure": 42.0,
        "status": "missed",
    }
    assert ("Lumora", datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC)) in seen
    assert report["brands"][1]["current"]["median_response_minutes"] is None
    assert build_period_report(_config(tmp_path), store, WEEK)["brands"][0]["goals"] == []  # no goals, no rows


def _channels(smtp, http):
    return [
        {
            "type": "email",
            "host": "127.0.0.1",
            "port": smtp.port,
            "from": "gs@example.org",
            "to": ["cmo@example.org"],
            "username": SMTP_USER,
            "password_env": "PW",
            "starttls": False,
        },
        {"type": "slack", "url_env": "SLACK", "backoff_s": 0},
        {"type": "teams", "url_env": "TEAMS", "route": {"brands": ["Sonique"]}},
    ]


def _header(value: str) -> str:
    return str(make_header(decode_header(value)))


def _html(msg) -> str:
    parts = {p.get_content_type(): p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    return parts["text/html"]


def test_weekly_report_is_mailed_and_posted_once(tmp_path, store, smtp_server, http_server):  # noqa: F811
    config = _config(tmp_path, {"max_negative_share": 0.01}, _channels(smtp_server, http_server))
    env = {"PW": SMTP_PASSWORD, "SLACK": http_server.url + "/slack", "TEAMS": http_server.url + "/teams"}
    now = _independent("Lumora", WEEK.start, WEEK.end)

    first = run_period_report(config, store, "week", date(2026, 11, 18), env=env)
    assert first["failed"] == 0 and {c["sent"] for c in first["delivery"].values()} == {1}

    ((_, rcpt, msg),) = smtp_server.recorder.messages
    assert rcpt == ["cmo@example.org"] and _header(msg["Subject"]) == "Groundswell weekly report — " + WEEK.label
    html = _html(msg)
    assert "<script" not in html.lower() and "<svg" not in html.lower() and "<img" not in html.lower()
    assert f'<td style="padding:3px 8px;border-bottom:1px solid #eee;text-align:right">{now["mentions"]:,}</td>' in html
    assert f"{now['negative_share']:.1%}" in html and "❌ missed" in html
    assert "&lt;b&gt;spike&lt;/b&gt;" in html  # an alert summary is text, not markup
    assert html.count('<td title="2026-11-') == 14  # a bar per day and brand

    slack = http_server.on("/slack")[0]["json"]
    summary = slack["blocks"][1]["text"]["text"]
    assert f"Lumora: {now['mentions']:,} mentions" in summary and "goals: 0/1 met" in summary
    button = slack["blocks"][2]["elements"][0]["url"]
    assert button == "http://dash.local/explore?since=2026-11-16T00%3A00%3A00Z&until=2026-11-23T00%3A00%3A00Z"
    card = http_server.on("/teams")[0]["json"]["attachments"][0]["content"]
    assert "Sonique" in json.dumps(card) and "Lumora" not in json.dumps(card)  # route.brands narrows the report

    second = run_period_report(config, store, "week", date(2026, 11, 18), env=env)
    assert {c["already_sent"] for c in second["delivery"].values()} == {1}
    assert len(smtp_server.recorder.messages) == 1 and len(http_server.requests) == 2  # nothing sent twice
    assert json.loads((tmp_path / "out" / "reports" / "week-2026-W47.json").read_text())["period"] == WEEK.id

    run_period_report(config, store, "month", date(2026, 11, 18), env=env)  # another period: sent
    assert len(smtp_server.recorder.messages) == 2


def test_a_failed_channel_is_sent_by_the_next_run_only(tmp_path, store, http_server):  # noqa: F811
    config = _config(tmp_path, channels=[{"type": "slack", "url_env": "SLACK", "retries": 1, "backoff_s": 0}])
    http_server.plan["/slack"] = [503, 503]
    env = {"SLACK": http_server.url + "/slack"}
    first = run_period_report(config, store, "week", date(2026, 11, 18), env=env)
    assert first["failed"] == 1 and "HTTP 503" in first["delivery"]["slack"]["errors"][0]
    second = run_period_report(config, store, "week", date(2026, 11, 18), env=env)
    assert second["failed"] == 0 and second["delivery"]["slack"]["sent"] == 1
    run_period_report(config, store, "week", date(2026, 11, 18), env=env)
    assert [r["status"] for r in http_server.on("/slack")] == [503, 503, 200]


def _periods(server, path: str) -> list[str]:
    """The period of each report a webhook path accepted, in order."""
    return [r["json"]["report"]["period"] for r in server.on(path) if r["status"] == 200]


def _monday(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, tzinfo=UTC)  # a scheduled run's moment (digest timezone UTC)


def test_a_scheduled_run_first_sends_the_report_a_failed_channel_still_owes(tmp_path, store, http_server):  # noqa: F811
    """A Monday outage on one channel: the next Monday's run sends it last week's report, then this week's."""
    hook = {"type": "webhook", "retries": 0, "backoff_s": 0}
    channels = [{**hook, "name": "pr", "url_env": "PR"}, {**hook, "name": "ops", "url_env": "OPS"}]
    config = _config(tmp_path, channels=channels)
    env = {"PR": http_server.url + "/pr", "OPS": http_server.url + "/ops"}
    http_server.plan["/pr"] = [503]
    first = run_period_report(config, store, "week", env=env, now=_monday(11, 23))
    assert first["period"] == WEEK.id and first["failed"] == 1
    second = run_period_report(config, store, "week", env=env, now=_monday(11, 30))
    assert _periods(http_server, "/pr") == [WEEK.id, "week:2026-W48"]  # oldest first
    assert _periods(http_server, "/ops") == [WEEK.id, "week:2026-W48"]  # never a recorded period again
    assert second["period"] == "week:2026-W48" and second["failed"] == 0 and second["caught_up"] == [WEEK.id]
    assert (second["delivery"]["pr"]["sent"], second["delivery"]["ops"]["sent"]) == (2, 1)
    # A re-run sends nothing; a channel added since gets this week's report, not one that was never due to it.
    config = _config(tmp_path, channels=[*config.channels, {**hook, "name": "late", "url_env": "LATE"}])
    env["LATE"] = http_server.url + "/late"
    third = run_period_report(config, store, "week", env=env, now=_monday(11, 30))
    assert third["caught_up"] == [] and third["failed"] == 0
    assert third["delivery"]["pr"] == {"sent": 0, "already_sent": 1, "in_flight": 0, "failed": 0, "errors": []}
    assert _periods(http_server, "/late") == ["week:2026-W48"]


def test_owed_reports_are_sent_for_a_bounded_look_back_only(tmp_path, store, http_server):  # noqa: F811
    """Neither a report that was never due (before the first scheduled run) nor one older than LOOK_BACK."""
    config = _config(tmp_path, channels=[{"type": "webhook", "url_env": "HOOK", "retries": 0, "backoff_s": 0}])
    env = {"HOOK": http_server.url + "/hook"}
    http_server.plan["/hook"] = [503]
    assert run_period_report(config, store, "month", env=env, now=_monday(12, 1))["failed"] == 1  # November
    later = run_period_report(config, store, "month", env=env, now=datetime(2027, 3, 1, 9, tzinfo=UTC))
    assert later["period"] == "month:2027-02" and not later.get("caught_up")  # November is 3 months back
    assert _periods(http_server, "/hook") == ["month:2027-02"]


def test_send_to_limits_the_channels_and_is_validated(tmp_path, store, http_server):  # noqa: F811
    config = _config(
        tmp_path,
        channels=[{"type": "slack", "url_env": "SLACK"}, {"type": "webhook", "name": "ops", "url_env": "OPS"}],
        send_to=["slack"],
    )
    env = {"SLACK": http_server.url + "/slack", "OPS": http_server.url + "/ops"}
    result = run_period_report(config, store, "week", date(2026, 11, 18), env=env)
    assert list(result["delivery"]) == ["slack"] and http_server.on("/ops") == []
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="digest.send_to names unknown channel"):
        _config(tmp_path, channels=[{"type": "slack", "url_env": "SLACK"}], send_to=["slak"])


def test_cli_digest_period_week(tmp_path, store, http_server, monkeypatch):  # noqa: F811
    path = tmp_path / "groundswell.yaml"
    path.write_text(
        json.dumps(
            {
                "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
                "store": {"path": str(tmp_path / "g.db")},
                "report": {"path": str(tmp_path / "out" / "report.html")},
                "channels": [{"type": "slack", "url_env": "SLACK"}],
            }
        )
    )
    monkeypatch.setenv("SLACK", http_server.url + "/slack")
    args = ["digest", "--config", str(path), "--period", "week", "--day", "2026-11-18"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["period"] == "week:2026-W47" and summary["delivery"]["slack"]["sent"] == 1
    assert "# Groundswell weekly report" in result.stderr
    again = CliRunner().invoke(cli, [*args])
    assert json.loads(again.stdout.strip().splitlines()[-1])["delivery"]["slack"]["already_sent"] == 1
    assert len(http_server.on("/slack")) == 1


def test_pipeline_report_fills_median_response_from_own_replies(tmp_path):
    """`groundswell digest --period week` measures own replies: a reply 12 minutes after the post."""
    from core.mention import Author, Mention
    from groundswell import pipeline

    post = Mention(
        source="x",
        native_id="1",
        text="Lumora charger broke, help?",
        author=Author(handle="alice"),
        created_at=datetime(2026, 11, 17, 10, 0, tzinfo=UTC),
        brand="Lumora",
    )
    reply = Mention(
        source="x",
        native_id="2",
        text="@alice sorry, DM us",
        author=Author(handle="LumoraSupport"),
        created_at=datetime(2026, 11, 17, 10, 12, tzinfo=UTC),
        brand="Lumora",
        reply_to="x:1",
    )
    store = SqliteStore(tmp_path / "r.db")
    list(store.upsert([post, reply]))
    config = parse_config(
        {
            "brands": [{"name": "Lumora", "query": "Lumora", "own_accounts": {"x": ["@LumoraSupport"]}}],
            "report": {"path": str(tmp_path / "out" / "report.html")},
        }
    )
    summary = pipeline.period_report(config, store, "week", day=date(2026, 11, 22), send=False)
    report = json.loads(open(summary["json"], encoding="utf-8").read())
    assert report["brands"][0]["current"]["median_response_minutes"] == pytest.approx(12.0)
    store.close()


def test_the_report_says_how_accurate_its_sentiment_is_once_audited(tmp_path, store):
    assert build_period_report(_config(tmp_path), store, WEEK)["sentiment_audit"] is None
    figures = {"value": 74.2, "low": 69.0, "high": 78.8, "n": 296}
    models = store.facet(Filters(include_spam=True), "model")  # the seeded labels' build: a current audit
    save_audit(store, {"audit": {"created_at": "2026-11-20T00:00:00+00:00", "filters": {"brand": "Lumora"},
                                 "models": models, "rows": 300},
                       "answers": {"labelled": 296, "unclear": 4}, "population": 4000, "covered_population": 4000,
                       "accuracy": figures, "languages": {}}, datetime(2026, 11, 21, tzinfo=UTC))
    report = build_period_report(_config(tmp_path), store, WEEK)
    assert report["sentiment_audit"]["accuracy"] == figures and report["sentiment_audit"]["current"] is True
    line = "Sentiment audited 2026-11-21: 74.2% accurate (69.0-78.8, 95%) on 296 posts people labelled for Lumora"
    assert line in render_markdown(report).splitlines()
    assert f'<p style="color:#1d3f66">{line}</p>' in render_html(report)


def test_the_report_says_who_gave_the_labels_when_people_or_rules_did(tmp_path, store):
    week = [m for m in SEEDED if "Lumora" in m.brands and m.sentiment and not m.spam
            and datetime(2026, 11, 16, tzinfo=UTC) <= m.created_at < datetime(2026, 11, 23, tzinfo=UTC)]
    expected = len(week)  # the labelled, counted mentions, counted without the store
    report = build_period_report(_config(tmp_path), store, WEEK)
    lumora = next(b for b in report["brands"] if b["brand"] == "Lumora")
    assert lumora["labelled_by"] == {"model": expected, "people": 0, "rules": 0}
    assert "Labels:" not in render_markdown(report)  # the model gave them all: nothing to say
    correct_sentiment(store, {m.id: "negative" for m in week[:3]}, by="ana", now=datetime(2026, 11, 24, tzinfo=UTC))
    ruled = Sentiment(label="neutral", probs={"negative": 0.0, "neutral": 1.0, "positive": 0.0}, model="rule:pr#1")
    assert all(r.ok for r in store.upsert([m.model_copy(update={"sentiment": ruled}) for m in week[3:5]]))
    assert store.get([week[0].id])[0].sentiment == analyst_label("negative")
    report = build_period_report(_config(tmp_path), store, WEEK)
    lumora = next(b for b in report["brands"] if b["brand"] == "Lumora")
    assert lumora["labelled_by"] == {"model": expected - 5, "people": 3, "rules": 2}
    line = f"Labels: {expected - 5:,} by the model, 3 corrected by people, 2 by sentiment rules"
    assert f"- {line}" in render_markdown(report).splitlines()
    assert f"<li>{line}</li>" in render_html(report)


# -- a baseline or previous period with days before the data began (a new install, a brand added later) --------


def _counted(mentions: list, brand: str, start: date, end: date) -> dict:
    """Mentions, negative share and share of voice of `brand` over the UTC days [start, end) of `mentions`,
    counted without the store."""
    since = datetime(start.year, start.month, start.day, tzinfo=UTC)
    until = datetime(end.year, end.month, end.day, tzinfo=UTC)
    inside = [m for m in mentions if since <= m.created_at < until]
    labelled = [m for m in inside if brand in m.brands and m.sentiment]
    mine = sum(brand in m.brands for m in inside)
    return {
        "mentions": mine,
        "negative_share": sum(m.sentiment.label == "negative" for m in labelled) / len(labelled),
        "share_of_voice": mine / sum(len(m.brands) for m in inside),
    }


def _store_of(tmp_path, mentions: list) -> SqliteStore:
    store = SqliteStore(tmp_path / "partial.db")
    assert all(r.ok for r in store.upsert(mentions))
    return store


def test_a_new_installs_baseline_counts_only_the_days_it_has_data(tmp_path):
    """Data from Sunday 8 Nov only: the 8-week baseline of week 47 holds 8 days. Its volume was those days'
    mentions spread over 56 days, so Lumora's usual week read as +684.0% vs baseline."""
    first = date(2026, 11, 8)
    seeded = [m for m in SEEDED if m.created_at.date() >= first]
    store = _store_of(tmp_path, seeded)
    lumora = build_period_report(_config(tmp_path), store, WEEK)["brands"][0]
    base = _counted(seeded, "Lumora", first, WEEK.start)  # 8 days
    _check(lumora["baseline"], base, 7 / 8)
    now = _counted(seeded, "Lumora", WEEK.start, WEEK.end)
    expected = (now["mentions"] - base["mentions"] * 7 / 8) / (base["mentions"] * 7 / 8) * 100
    assert lumora["change"]["mentions"]["vs_baseline"] == pytest.approx(expected, abs=0.1)
    assert abs(expected) < 50  # the same rate, not +600%
    assert lumora["coverage"]["first_day"] == "2026-11-08"
    assert lumora["coverage"]["baseline"] == {"since": "2026-11-08", "days": 8, "of": 56, "comparable": True}
    assert lumora["coverage"]["previous"] == {"since": "2026-11-09", "days": 7, "of": 7, "comparable": True}
    assert coverage_text(lumora, "week") == ["Baseline: data on 8 of its 56 days (Lumora's mentions start 2026-11-08)"]
    store.close()


def test_too_few_days_of_data_give_no_figures_and_no_change(tmp_path):
    """Data from Thursday 12 Nov: week 47's previous week and baseline have 4 days each, under a week: no
    previous or baseline figures and no change at all (the report said +206.2% vs previous, +2350.0% vs baseline)."""
    seeded = [m for m in SEEDED if m.created_at.date() >= date(2026, 11, 12)]
    store = _store_of(tmp_path, seeded)
    report = build_period_report(_config(tmp_path), store, WEEK, response=lambda brand, since, until: 10.0)
    lumora = report["brands"][0]
    assert set(lumora["previous"].values()) == set(lumora["baseline"].values()) == {None}
    assert {v for c in lumora["change"].values() for v in c.values()} == {None}
    assert lumora["current"]["mentions"] == _counted(seeded, "Lumora", WEEK.start, WEEK.end)["mentions"]
    assert lumora["coverage"]["previous"] == {"since": "2026-11-12", "days": 4, "of": 7, "comparable": False}
    assert coverage_text(lumora, "week") == [
        "Previous week: data on 4 of its 7 days (Lumora's mentions start 2026-11-12), too few to compare with "
        "(under 7)",
        "Baseline: data on 4 of its 56 days (Lumora's mentions start 2026-11-12), too few to compare with (under 7)",
    ]
    store.close()


def test_a_brand_added_later_is_compared_from_its_own_first_mention(tmp_path):
    """Lumora collected for 13 weeks, Sonique added on 12 Nov. Sonique's baseline for week 48 is its own 11
    days (not 56, nor Lumora's 13 weeks); Lumora's volume keeps its whole baseline, and share of voice, of both
    brands, counts only the days both were collected (before: Sonique +637.4% vs baseline, and Lumora's share of
    voice -29.8 pp, from Sonique's missing weeks)."""
    added = date(2026, 11, 12)
    seeded = [m for m in SEEDED if "Lumora" in m.brands or m.created_at.date() >= added]
    store = _store_of(tmp_path, seeded)
    week = Period("week", date(2026, 11, 23), date(2026, 11, 30))
    lumora, sonique = build_period_report(_config(tmp_path), store, week)["brands"]
    both = _counted(seeded, "Lumora", added, week.start)
    _check(sonique["baseline"], _counted(seeded, "Sonique", added, week.start), 7 / 11)
    assert sonique["coverage"]["baseline"] == {"since": "2026-11-12", "days": 11, "of": 56, "comparable": True}
    lumora_base = _counted(seeded, "Lumora", week.start - timedelta(weeks=8), week.start)
    assert lumora["baseline"]["mentions"] == pytest.approx(lumora_base["mentions"] / 8, abs=0.05)
    assert lumora["baseline"]["negative_share"] == pytest.approx(lumora_base["negative_share"], abs=5e-5)
    assert lumora["baseline"]["share_of_voice"] == pytest.approx(both["share_of_voice"], abs=5e-5)
    assert lumora["baseline"]["share_of_voice"] + sonique["baseline"]["share_of_voice"] == pytest.approx(1, abs=1e-3)
    assert lumora["coverage"]["share_of_voice"]["baseline"]["days"] == 11
    assert coverage_text(lumora, "week") == [
        "Baseline's share of voice: 11 days, from 2026-11-12, when every brand has data"
    ]
    store.close()


def test_the_rendered_reports_say_when_a_window_had_days_without_data(tmp_path):
    """The coverage sentences reach the Markdown (Slack) and email reports, not only the JSON: a reader sees why
    a change is "–"."""
    seeded = [m for m in SEEDED if m.created_at.date() >= date(2026, 11, 12)]
    store = _store_of(tmp_path, seeded)
    report = build_period_report(_config(tmp_path), store, WEEK)
    line = "Previous week: data on 4 of its 7 days (Lumora's mentions start 2026-11-12), too few to compare with"
    assert any(line in row for row in render_markdown(report).splitlines())
    assert html.escape(line) in render_html(report)  # as the email escapes every text
    store.close()


def test_an_all_clear_counts_in_the_week_its_crisis_ended(tmp_path):
    """An all-clear's window is its whole episode: it starts the week before when the crisis ran over the
    weekend, and used to be counted there (with the week's other alerts), not in the week it was decided."""
    store = SqliteStore(tmp_path / "clear.db")
    list(store.upsert(SEEDED))
    start = datetime(2026, 11, 15, 20, tzinfo=UTC)  # Sunday evening of week 46
    clear = _alert("Lumora", start, severity="info", kind="all_clear").model_copy(
        update={"window_end": datetime(2026, 11, 16, 9, tzinfo=UTC)})  # decided Monday morning, week 47
    save_alerts(store, [clear])
    config = _config(tmp_path)
    assert build_period_report(config, store, WEEK)["brands"][0]["alerts"]["by_kind"] == {"all_clear": 1}
    previous = build_period_report(config, store, WEEK.previous())["brands"][0]["alerts"]
    assert previous["count"] == 0
    store.close()
