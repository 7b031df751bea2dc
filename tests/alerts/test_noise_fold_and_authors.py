"""Alert noise from one person (docs/alerts.md, "Influencer alerts" and "Negative spikes"):

- a famous critic posting six complaints in six hours is one influencer page, not six: their later posts within
  the incident gap of it fold into that alert; a post whose reach doubles sends one update that says how many
  posts they wrote since when (`alerts.influencer`; how a scheduled run agrees with a whole-history run, and what
  an update's id rests on: `test_noise2_influencer_and_lull.py`);
- one angry customer's six-post thread is not a brand spike (`alerts.spike.min_authors`); six people are; and a
  spike mostly written by one author says so (`alerts.authors.author_share`);
- the backtest reads `sentiment: {"label": ...}` alone and names the fields of a line it refuses.

Real embedded store, the real scheduled pipeline (`pipeline.detect` / `pipeline.notify`) delivering to a real
webhook on a local HTTP server, and the real CLI (`groundswell alerts backtest`) through click's CliRunner."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cli_config import write_config
from click.testing import CliRunner

from alerts.backtest import LoadReport, read_mentions
from alerts.config import SpikeRule
from alerts.presets import PRESETS, resolve
from core.mention import Author, Engagement, Mention, Sentiment
from groundswell import pipeline
from groundswell.cli import cli
from groundswell.config import load_config
from indexing.sqlite import SqliteStore

DAY = datetime(2026, 2, 24, tzinfo=UTC)  # a Tuesday, three weeks after the corpus begins
CRITIC = "famous_critic"


def _sentiment(label: str) -> Sentiment:
    return Sentiment(label=label, probs={label: 1.0}, model="test")


def _background(brand: str = "Acme", days: int = 21, per_hour: int = 5, seed: int = 7) -> list[Mention]:
    """Ordinary traffic before `DAY`: `per_hour` posts an hour by 150 small accounts, a fifth of them negative."""
    rng = random.Random(seed)
    out = []
    for h in range(days * 24):
        for k in range(per_hour):
            label = "negative" if rng.random() < 0.2 else rng.choice(["neutral", "positive"])
            at = DAY - timedelta(days=days) + timedelta(hours=h, minutes=rng.randrange(60))
            out.append(Mention(source="x", native_id=f"bg{h}-{k}", text=f"{brand.lower()} post {h} {k}", brand=brand,
                               lang="en", created_at=at, author=Author(handle=f"user{rng.randrange(150)}",
                                                                       followers=rng.randrange(50, 3000)),
                               sentiment=_sentiment(label)))  # fmt: skip
    return out


def _critic_post(n: int, at: datetime, likes: int = 40) -> Mention:
    return Mention(source="x", native_id=f"critic{n}", text=f"acme let me down again, complaint {n}", brand="Acme",
                   lang="en", created_at=at, author=Author(handle=CRITIC, followers=650_000),
                   engagement=Engagement(likes=likes), sentiment=_sentiment("negative"))  # fmt: skip


def _scheduled(tmp_path: Path, http_server, monkeypatch):
    """The config (brand Acme, a webhook to the local server), its store, and a function running the scheduled
    pipeline's detect and notify at a `now`."""
    monkeypatch.setenv("HOOK_URL", f"{http_server.url}/hook")
    config = load_config(write_config(tmp_path, channels=[{"type": "webhook", "url_env": "HOOK_URL", "backoff_s": 0}]))
    store = SqliteStore(tmp_path / "g.db")

    def run(now: datetime) -> None:
        pipeline.notify(config, store, pipeline.detect(config, store, now=now), now=now)

    return store, run


def _influencer_messages(http_server) -> list[dict]:
    return [r["json"]["alert"] for r in http_server.on("/hook") if r["json"]["alert"]["kind"] == "influencer"]


def test_a_famous_critics_six_posts_page_once_then_a_post_that_doubles_their_reach_sends_one_update(
    tmp_path, http_server, monkeypatch
):
    store, run = _scheduled(tmp_path, http_server, monkeypatch)
    assert all(r.ok for r in store.upsert(_background()))
    posts = [_critic_post(n, DAY + timedelta(hours=9 + n, minutes=10)) for n in range(6)]  # 09:10 … 14:10
    for post in posts:  # each post collected before the next hourly run, as a collector would
        assert all(r.ok for r in store.upsert([post]))
        run(post.created_at.replace(minute=0) + timedelta(hours=1, minutes=5))

    sent = _influencer_messages(http_server)
    assert [(a["subject"], a["severity"]) for a in sent] == [("x:critic0", "critical")]  # one page, not six

    # A seventh post that reaches over twice as many people (a post gone viral: REACH_GROWTH, 2, times the reach of
    # their earlier posts) is news: one update, counted.
    viral = _critic_post(6, DAY + timedelta(hours=15, minutes=10), likes=2 * 650_100)
    assert all(r.ok for r in store.upsert([viral]))
    run(DAY + timedelta(hours=16, minutes=5))
    sent = _influencer_messages(http_server)
    assert [a["subject"] for a in sent] == ["x:critic0", "x:critic6"]
    update = sent[1]
    assert update["total"] == 7 and update["incident_id"] == sent[0]["id"]  # the first alert's thread
    assert update["summary"].startswith(
        "Acme: 7 negative posts by @famous_critic (650,000 followers) since 2026-02-24 09:00 UTC (x)."
    )

    # Quiet for longer than the incident gap (12 h), the critic is news again: a new alert of its own.
    later = _critic_post(7, DAY + timedelta(days=1, hours=4, minutes=10))
    assert all(r.ok for r in store.upsert([later]))
    run(DAY + timedelta(days=1, hours=5, minutes=5))
    assert [a["subject"] for a in _influencer_messages(http_server)] == ["x:critic0", "x:critic6", "x:critic7"]
    assert _influencer_messages(http_server)[2].get("total") is None  # a single post's alert, as before
    store.close()


TINY_START = datetime(2026, 1, 5, tzinfo=UTC)


def tiny_background(days: int) -> list[dict]:
    """TinyCo's everyday posts from TINY_START: three a day for `days` days at random hours, a fifth negative, by 40
    people of 200 followers (seeded: the same rows every call)."""
    rng = random.Random(3)
    rows = []
    for day in range(days):
        for k in range(3):
            at = TINY_START + timedelta(days=day, hours=rng.randrange(8, 22), minutes=rng.randrange(60))
            label = "negative" if rng.random() < 0.2 else rng.choice(["neutral", "positive"])
            rows.append({"source": "x", "native_id": f"bg{day}-{k}", "created_at": at.isoformat(),
                         "text": f"tinyco post {day} {k}", "brand": "TinyCo", "lang": "en",
                         "author": {"handle": f"user{rng.randrange(40)}", "followers": 200},
                         "sentiment": {"label": label}})  # fmt: skip
    return rows


def _thread_lines(authors: list[str], label_only: bool = True) -> list[str]:
    """TinyCo: three posts a day for three weeks, then a thread of negative posts in one hour by `authors`."""
    t0 = TINY_START
    rows = tiny_background(21)
    complaints = ["late", "broken", "rude support", "no refund", "lost", "ignored", "again", "worse"]
    for i, who in enumerate(authors):
        rows.append({"source": "x", "native_id": f"thread{i}", "lang": "en", "brand": "TinyCo",
                     "created_at": (t0 + timedelta(days=21, hours=15, minutes=5 * i + 1)).isoformat(),
                     "text": f"@tinyco my order #4411: {complaints[i]}", "author": {"handle": who, "followers": 120},
                     "sentiment": {"label": "negative"} if label_only else {"label": "negative", "probs": {},
                                                                            "model": "m"}})  # fmt: skip
    return [json.dumps(r) for r in rows]


def _backtest(tmp_path: Path, lines: list[str], alerts: dict | None = None) -> tuple[list[dict], dict]:
    """`groundswell alerts backtest --explain` over `lines` (TinyCo's config, `alerts` added): (alerts, summary)."""
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra = {"alerts": alerts} if alerts else {}
    config = write_config(tmp_path, brands=[{"name": "TinyCo", "query": "tinyco"}], **extra)
    result = CliRunner().invoke(cli, ["alerts", "backtest", "-c", str(config), "--explain",
                                      "--input", str(tmp_path / "posts.jsonl")])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return [r for r in rows if "kind" in r], rows[-1]["summary"]


def test_one_customers_thread_is_no_brand_spike_but_six_people_are(tmp_path):
    alone, summary = _backtest(tmp_path, _thread_lines(["angry_bob"] * 6))
    assert summary["loaded"] == 69 and summary["skipped"]["invalid"] == 0  # `sentiment: {"label": ...}` alone reads
    assert [a for a in alone if a["kind"] == "spike"] == []

    six, _ = _backtest(tmp_path, _thread_lines(["ann", "bea", "cy", "dee", "eve", "flo"]))
    spikes = [a for a in six if a["kind"] == "spike"]
    assert [(a["start"], a["observed"]) for a in spikes] == [("2026-01-26T15:00:00+00:00", 6.0)]
    assert "posts are from" not in spikes[0]["summary"]  # six people: no author named as most of it


def test_a_spike_mostly_written_by_one_author_says_so(tmp_path):
    # Five of bob's posts and three others': four authors, enough to alert; the message says who wrote most.
    found, _ = _backtest(tmp_path, _thread_lines(["angry_bob"] * 5 + ["cy", "dee", "eve"]))
    spike = next(a for a in found if a["kind"] == "spike")
    assert "5 of these 8 posts are from @angry_bob (4 authors in all)." in spike["summary"]
    # With the check turned off, one person's thread alerts, and says it is one person's.
    found, _ = _backtest(tmp_path, _thread_lines(["angry_bob"] * 6), alerts={"spike": {"min_authors": 1}})
    spike = next(a for a in found if a["kind"] == "spike")
    assert "All 6 posts are from 1 author, @angry_bob." in spike["summary"]


def test_the_presets_need_several_authors_and_the_rule_overrides_them():
    assert {name: th.min_authors for name, th in PRESETS.items()} == {"fewer": 4, "balanced": 3, "more": 2}
    assert resolve(SpikeRule()).min_authors == 3 and resolve(SpikeRule(min_authors=1)).min_authors == 1
    with pytest.raises(ValueError):
        SpikeRule(min_authors=0)


class _Line:
    def __init__(self, number: int, text: str) -> None:
        self.number, self.text, self.problem = number, text, None


def test_the_backtest_names_the_fields_of_a_line_it_refuses():
    good = {"source": "x", "native_id": "1", "created_at": "2026-01-05T10:00:00Z", "text": "tinyco", "brand": "TinyCo",
            "sentiment": {"label": "negative"}}
    bad = {**good, "native_id": "2", "sentiment": {"label": "furious"}}
    undated = {k: v for k, v in good.items() if k != "created_at"} | {"native_id": "3"}
    report = LoadReport()
    loaded = list(read_mentions([_Line(1, json.dumps(good)), _Line(2, json.dumps(bad)), _Line(3, json.dumps(undated))],
                                report))  # fmt: skip
    assert [m.sentiment.label for m in loaded] == ["negative"] and loaded[0].sentiment.model == "import"
    assert report.invalid == 2
    assert report.problems[0].startswith("line 2: not a mention (1 validation error for Mention: sentiment.label: ")
    assert report.problems[1] == "line 3: not a mention (1 validation error for Mention: created_at: Field required)"
