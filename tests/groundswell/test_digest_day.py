"""Which day a digest summarises, and its negative share: the same rules as the weekly/monthly report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alerts.history import save_alerts
from core.alert import Alert
from core.mention import Author, Engagement, Mention, Sentiment
from groundswell.config import parse_config
from groundswell.digest import build_digest, render_markdown
from groundswell.period_report import build_period_report
from groundswell.periods import period_containing
from groundswell.pipeline import digest
from indexing.base import Bucket
from indexing.sqlite import SqliteStore


def test_the_default_day_is_yesterday_in_the_digests_timezone(tmp_path):
    # 08:00 in Seoul is 23:00 UTC the day before: "yesterday in UTC" was the day before yesterday there.
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}],
                           "digest": {"timezone": "Asia/Seoul"},
                           "report": {"path": str(tmp_path / "report.html")}})
    now = datetime(2026, 3, 10, 8, tzinfo=ZoneInfo("Asia/Seoul"))
    store = SqliteStore(tmp_path / "g.db")
    assert digest(config, store, now=now)["day"] == "2026-03-09"


def test_the_digest_and_the_weekly_report_agree_on_the_negative_share(tmp_path):
    # Five negative (the floor for a share, period_report.MIN_SHARE_POSTS), five not enriched yet: half the
    # mentions, all of the labelled ones.
    config = parse_config({"brands": [{"name": "Lumora", "query": "lumora"}]})
    store = SqliteStore(tmp_path / "g.db")
    when = datetime(2026, 3, 4, 12, tzinfo=UTC)
    negative = Sentiment(label="negative", probs={"negative": 0.9}, model="m@1")
    list(store.upsert([
        Mention(source="x", native_id=str(i), text="Lumora broke", brand="Lumora", author=Author(handle="a"),
                created_at=when, sentiment=negative if i < 5 else None)
        for i in range(10)
    ]))
    (daily,) = build_digest(config, store, date(2026, 3, 4))["brands"]
    (weekly,) = build_period_report(config, store, period_containing("week", date(2026, 3, 4)))["brands"]
    assert daily["negative_share"] == weekly["current"]["negative_share"] == 1.0


def test_net_sentiment_leaves_out_mentions_without_a_label():
    assert Bucket(start=datetime(2026, 3, 4, tzinfo=UTC), positive=3, negative=1, unknown=6).net_sentiment == 0.5
    assert Bucket(start=datetime(2026, 3, 4, tzinfo=UTC), unknown=6).net_sentiment is None  # a gap, not 0


# -- which day's digest an alert is in, and how the day's alerts and posts read -----------------------------------
D = datetime(2026, 11, 11, tzinfo=UTC)


def _alert(kind: str, start: datetime, end: datetime, incident: str | None = None, brand: str = "Lumora",
           **extra) -> Alert:
    alert = Alert(brand=brand, kind=kind, severity=extra.pop("severity", "warning"), window_start=start,
                  window_end=end, observed=9, expected=1, statistic="poisson", score=5.0,
                  summary=f"{kind} {extra.get('subject') or ''} of {start:%d %H:%M}", **extra)
    alert.incident_id = incident or alert.id
    return alert


@pytest.fixture
def crisis(tmp_path):
    """The demo's shape: Lumora's crisis opens at 12:00 on 11 Nov, escalates, and ends at 13:00 the next day (its
    all-clear's window is the whole episode); an influencer alert before it and one in the day's last hour are
    incidents of their own. Sonique's only alert is a negative spike while its most engaging post is praise."""
    store = SqliteStore(tmp_path / "g.db")
    posts = [
        Mention(source="x", native_id=f"{brand}{i}", text=text, brand=brand, author=Author(handle=f"u{i}"),
                created_at=D + timedelta(hours=10), engagement=Engagement(likes=likes),
                sentiment=Sentiment(label=label, probs={label: 1.0}, model="m@1"))
        for i, (brand, text, label, likes) in enumerate([
            ("Sonique", "Sonique ha fatto centro, audio ottimo 🙌", "positive", 451),
            ("Sonique", "Sonique broke after a week", "negative", 12),
            ("Lumora", "Lumora Pulse overheating", "negative", 40),
        ])
    ]
    assert all(r.ok for r in store.upsert(posts))
    opener = _alert("spike", D + timedelta(hours=12), D + timedelta(hours=13))
    opener.episode_id = opener.id
    crisis = opener.id
    alerts = {
        "influencer": _alert("influencer", D + timedelta(hours=3), D + timedelta(hours=4), subject="x:1"),
        "spike": opener,
        "keyword": _alert("keyword", D + timedelta(hours=14), D + timedelta(hours=15), crisis, subject="recall"),
        "escalation": _alert("spike", D + timedelta(hours=15), D + timedelta(hours=16), crisis,
                             subject="escalation-1", episode_id=crisis, severity="critical"),
        "all_clear": _alert("all_clear", D + timedelta(hours=12), D + timedelta(hours=37), crisis,
                            episode_id=crisis, severity="info"),
        "last_hour": _alert("influencer", D + timedelta(hours=23), D + timedelta(hours=24), subject="x:2"),
        "sonique": _alert("spike", D + timedelta(hours=9), D + timedelta(hours=10), brand="Sonique"),
    }
    save_alerts(store, alerts.values())
    yield store, {a.id: name for name, a in alerts.items()}
    store.close()


def _config(tz: str = "UTC"):
    return parse_config({"brands": [{"name": "Lumora", "query": "lumora"}, {"name": "Sonique", "query": "sonique"}],
                         "digest": {"timezone": tz}})


def _incidents(digest: dict, names: dict[str, str], brand: str = "Lumora") -> list[list[str]]:
    (b,) = [b for b in digest["brands"] if b["brand"] == brand]
    return [[names[a["id"]] for a in i["alerts"]] for i in b["incidents"]]


def test_an_alert_is_in_the_digest_of_the_day_it_was_decided_by_incident_in_order(crisis):
    """The all-clear was in 11 Nov's digest (its window starts there), above the escalations it follows, and
    missing from 12 Nov's, the day the crisis ended: a digest sent on the 12th never showed it."""
    store, names = crisis
    day = build_digest(_config(), store, date(2026, 11, 11))
    (lumora, _) = day["brands"]
    assert [names[a["id"]] for a in lumora["alerts"]] == ["influencer", "spike", "keyword", "escalation", "last_hour"]
    after = build_digest(_config(), store, date(2026, 11, 12))
    assert [names[a["id"]] for a in after["brands"][0]["alerts"]] == ["all_clear"]
    assert _incidents(day, names) == [["influencer"], ["spike", "keyword", "escalation"], ["last_hour"]]
    assert [a["time"] for a in lumora["alerts"]] == ["04:00", "13:00", "15:00", "16:00", "24:00"]
    assert lumora["incidents"][1]["status"] == "open" and lumora["incidents"][1]["what"] == "crisis"
    assert _incidents(after, names) == [["all_clear"]]
    ended = after["brands"][0]["incidents"][0]
    assert (ended["status"], ended["alerts_before"]) == ("cleared", 3)
    assert ended["window"] == "2026-11-11 12:00–2026-11-12 13:00 UTC"
    assert _incidents(build_digest(_config(), store, date(2026, 11, 10)), names) == []


def test_the_digests_alert_times_are_in_its_timezone(crisis):
    store, names = crisis
    after = build_digest(_config("Europe/Rome"), store, date(2026, 11, 12))
    # 00:00 UTC is 01:00 on 12 Nov in Rome: the last-hour alert is that day's there
    assert _incidents(after, names) == [["last_hour"], ["all_clear"]]
    ended = after["brands"][0]["incidents"][1]
    assert [a["time"] for a in after["brands"][0]["alerts"]] == ["01:00", "14:00"]
    assert ended["window"] == "2026-11-11 13:00–2026-11-12 14:00 CET"
    assert "### Alerts (times in Europe/Rome (CET))" in render_markdown(after)  # named once, with its abbreviation


def test_the_most_engaging_posts_are_under_their_own_heading_not_under_an_alert(crisis):
    """Sonique's praise (the day's most engaged post) was a sub-bullet of its negative spike alert."""
    store, _ = crisis
    lines = render_markdown(build_digest(_config(), store, date(2026, 11, 11))).splitlines()
    sonique = lines[lines.index("## Sonique"):]
    praise = next(i for i, line in enumerate(sonique) if "audio ottimo" in line)
    assert sonique[praise - 2:praise] == ["### Most engaging posts", ""]
    alert = next(i for i, line in enumerate(sonique) if "spike:" in line)
    assert sonique[alert].startswith("  - 10:00 ⚠ warning spike: spike")  # under its incident
    assert sonique[alert - 1].startswith("- Incident 2026-11-11 09:00–10:00 UTC: crisis · warning")
    assert sonique[alert + 1:praise] == ["", "### Most engaging posts", ""]
    assert sonique[praise] == "- “Sonique ha fatto centro, audio ottimo 🙌” — @u0 (positive, 451 interactions)"
