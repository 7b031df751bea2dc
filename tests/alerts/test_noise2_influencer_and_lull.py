"""The review of the one-person-noise changes (docs/alerts.md, "Influencer alerts" and "Distinct authors"):

- an influencer update's id is its own post's: an earlier post of the author collected late, or one whose label is
  corrected, changes what the update says, never its id, so no post is paged twice;
- a post folds only into an alert less than the incident gap old, never into a post that was itself folded: a
  critic posting every 11 hours is paged every other post, not once ever; and a scheduled run, reading back only
  as far as it must, decides as a whole-history run does;
- a spike bucket held back by `min_authors` (one person's thread) is no spike in any other respect: it neither
  ends the lull before a second wave of many people (which alerts as a new surge) nor enters the baseline (a real
  crisis days later stays critical).

Real embedded store, the real scheduled pipeline (`pipeline.detect` / `pipeline.notify`) delivering to a real
webhook on a local HTTP server, and the real CLI (`groundswell alerts backtest`) through click's CliRunner."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from cli_config import write_config
from click.testing import CliRunner
from test_noise_fold_and_authors import (
    DAY,
    TINY_START,
    _background,
    _critic_post,
    _influencer_messages,
    _scheduled,
    tiny_background,
)

from alerts.config import InfluencerRule
from alerts.history import AlertLog
from alerts.influencer import detect_influencers, recent_influencers
from core.mention import Mention, Sentiment
from groundswell.cli import cli

GAP = timedelta(hours=12)


def _upsert(store, *posts: Mention, **kwargs) -> None:
    assert all(r.ok for r in store.upsert(list(posts), **kwargs))


def test_an_update_keeps_its_id_when_an_earlier_post_comes_late_or_stops_counting(tmp_path, http_server, monkeypatch):
    store, run = _scheduled(tmp_path, http_server, monkeypatch)
    _upsert(store, *_background())
    first = _critic_post(1, DAY + timedelta(hours=9, minutes=10))
    _upsert(store, first)
    run(DAY + timedelta(hours=10, minutes=5))
    viral = _critic_post(2, DAY + timedelta(hours=10, minutes=10), likes=2 * 650_100)  # twice the reach: an update
    _upsert(store, viral)
    run(DAY + timedelta(hours=11, minutes=5))
    sent = _influencer_messages(http_server)
    assert [(a["subject"], a.get("total"), a.get("since")) for a in sent] == [
        ("x:critic1", None, None), ("x:critic2", 2, "2026-02-24T09:00:00Z")]  # fmt: skip
    assert sent[1]["summary"].startswith("Acme: 2 negative posts by @famous_critic (650,000 followers) since "
                                         "2026-02-24 09:00 UTC (x).")  # fmt: skip
    assert sent[1]["window_start"] == "2026-02-24T10:00:00Z"  # its own post's hour: the id is the post's

    # The critic's 07:10 post is collected at 11:30: it alerts on its own (nothing before it), and the update now
    # counts 3 posts since 07:00, under the same id: not sent again.
    late = _critic_post(0, DAY + timedelta(hours=7, minutes=10))
    _upsert(store, late)
    run(DAY + timedelta(hours=12, minutes=5))
    assert [a["subject"] for a in _influencer_messages(http_server)] == ["x:critic1", "x:critic2", "x:critic0"]

    # A person corrects both earlier posts to neutral: the viral post opens a run of its own now, same id again.
    neutral = Sentiment(label="neutral", probs={"neutral": 1.0}, model="test")
    _upsert(store, *(p.model_copy(update={"sentiment": neutral}) for p in (late, first)), replace_labels=True)
    run(DAY + timedelta(hours=13, minutes=5))
    assert [a["subject"] for a in _influencer_messages(http_server)] == ["x:critic1", "x:critic2", "x:critic0"]
    stored = [a for a in AlertLog(store).load() if a.kind == "influencer"]
    assert sorted(a.subject or "" for a in stored) == ["x:critic0", "x:critic1", "x:critic2"]  # one alert per post
    assert next(a for a in stored if a.subject == "x:critic2").total is None  # now a single post's alert
    store.close()


def test_a_critic_posting_every_11_hours_is_paged_every_other_post_not_once_ever(tmp_path, http_server, monkeypatch):
    store, run = _scheduled(tmp_path, http_server, monkeypatch)
    _upsert(store, *_background())
    for n in range(8):  # twice a day for four days, each post collected before the next hourly run
        post = _critic_post(n, DAY + timedelta(hours=9 + 11 * n, minutes=10))
        _upsert(store, post)
        run(post.created_at.replace(minute=0) + timedelta(hours=1, minutes=5))
    # Each folded post is 11 h after an alert; the next is 22 h after it, so a new page (a Friday post about a new
    # problem is not folded into Tuesday's alert).
    sent = _influencer_messages(http_server)
    assert [a["subject"] for a in sent] == ["x:critic0", "x:critic2", "x:critic4", "x:critic6"]
    assert len({a["incident_id"] for a in sent}) == 4  # each a new incident: the one before had closed
    store.close()


def _reader(posts: list[Mention], calls: list[tuple[datetime | None, datetime | None]]):
    """A scheduled run's read of `posts` (`alerts.influencer.Reader`), recording what it asked for."""

    def read(since: datetime | None, until: datetime | None) -> list[Mention]:
        calls.append((since, until))
        return [p for p in posts
                if (since is None or p.created_at >= since) and (until is None or p.created_at < until)]  # fmt: skip

    return read


def _cadence(hours: list[float], viral: int | None = None) -> list[Mention]:
    return [_critic_post(n, DAY + timedelta(hours=h, minutes=10), likes=2 * 650_100 if n == viral else 40)
            for n, h in enumerate(hours)]  # fmt: skip


def test_a_scheduled_run_decides_as_a_whole_history_run_whatever_the_cadence():
    hourly = _cadence([float(n) for n in range(30)], viral=20)
    every_11h = _cadence([11.0 * n for n in range(11)])
    with_a_silence = _cadence([0, 5, 10, 16, 40, 45, 52, 60, 71, 75])
    rule = InfluencerRule()
    expected = {
        # hourly: a page every 12 h (0, 12, 24), and the viral post at 20 updates the run the 12:10 alert opened;
        # the gap then runs from that update, so 24 folds and 32 would be next
        "hourly": [("x:critic0", None), ("x:critic12", None), ("x:critic20", 9)],
        "every_11h": [(f"x:critic{n}", None) for n in (0, 2, 4, 6, 8, 10)],
        "with_a_silence": [("x:critic0", None), ("x:critic3", None), ("x:critic4", None), ("x:critic6", None),
                           ("x:critic8", None)],  # fmt: skip
    }
    for name, posts in {"hourly": hourly, "every_11h": every_11h, "with_a_silence": with_a_silence}.items():
        whole = detect_influencers(posts, "Acme", rule, gap=GAP)
        assert [(d.alert.subject, d.alert.total) for d in whole] == expected[name], name
        last = max(p.created_at for p in posts)
        for hours in range(int((last - DAY).total_seconds() // 3600) + 2):
            judge_from = DAY + timedelta(hours=hours)
            calls: list = []
            run = recent_influencers(_reader(posts, calls), "Acme", rule, "hour", GAP, judge_from, DAY - GAP)
            judged = {p.id for p in posts if p.created_at >= judge_from}
            assert [d.alert for d in run] == [d.alert for d in whole if d.alert.subject in judged], (name, hours)
            # Posts before `judge_from` only tell whether later ones fold, and alert nothing: a run that took one it
            # read without what came before for an opener could store it as an incident's opener long after it was
            # folded. It reads further back only when the author posted on, without a gap's silence, from the gap
            # before the posts it judges into them: the first of those then stands in a run that began earlier.
            before = [p.created_at for p in posts if judge_from - GAP <= p.created_at < judge_from]
            first = min((p.created_at for p in posts if p.id in judged), default=None)
            through = bool(before) and first is not None and first - max(before) < GAP
            assert len(calls) == (2 if through else 1), (name, hours)
    two = _cadence([0, 12])  # exactly a gap apart: two alerts
    assert len(detect_influencers(two, "Acme", rule, gap=GAP)) == 2


def _tinyco(bursts: list[tuple[int, int, list[str]]], days: int) -> list[str]:
    """TinyCo: three posts a day for `days` days (a fifth negative), and bursts of negatives: (day, hour, authors),
    one post each, five minutes apart."""
    t0 = TINY_START
    rows = tiny_background(days)
    for b, (day, hour, authors) in enumerate(bursts):
        for i, who in enumerate(authors):
            rows.append({"source": "x", "native_id": f"burst{b}-{i}", "lang": "en", "brand": "TinyCo",
                         "created_at": (t0 + timedelta(days=day, hours=hour, minutes=5 * i + 1)).isoformat(),
                         "text": f"@tinyco complaint {b} {i} by {who}", "author": {"handle": who, "followers": 120},
                         "sentiment": {"label": "negative"}})  # fmt: skip
    return [json.dumps(r) for r in rows]


def _spikes(tmp_path: Path, lines: list[str], alerts: dict | None = None) -> list[tuple]:
    """`groundswell alerts backtest` over `lines` (TinyCo's config, `alerts` added): its spike alerts as (start,
    observed, expected, severity, subject)."""
    (tmp_path / "posts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    extra = {"alerts": alerts} if alerts else {}
    config = write_config(tmp_path, brands=[{"name": "TinyCo", "query": "tinyco"}], **extra)
    result = CliRunner().invoke(cli, ["alerts", "backtest", "-c", str(config), "--input",
                                      str(tmp_path / "posts.jsonl")])  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    return [(r["start"][5:16], r["observed"], round(r["expected"], 2), r["severity"], r.get("subject"))
            for r in rows if r.get("kind") == "spike"]  # fmt: skip


def test_one_persons_thread_between_two_waves_does_not_hide_the_second(tmp_path):
    wave1 = (21, 10, [f"p{i}" for i in range(8)])  # a crisis at 10:00, eight people; then quiet hours
    wave2 = (21, 16, [f"q{i}" for i in range(7)])  # a second wave at 16:00, seven people
    bob = (21, 15, ["angry_bob"] * 6)  # just before it, one customer's six-post thread, held by min_authors
    without = _spikes(tmp_path, _tinyco([wave1, wave2], days=24))
    assert [(s[0], s[1], s[4]) for s in without] == [("01-26T10:00", 8.0, None), ("01-26T16:00", 7.0, "surge-1")]
    # The thread alerts nothing, and the lull before it still stands: the seven people's wave is a new surge.
    assert _spikes(tmp_path, _tinyco([wave1, bob, wave2], days=24)) == without


def test_a_held_thread_stays_out_of_the_baseline_so_a_later_crisis_stays_critical(tmp_path):
    thread = (21, 15, ["angry_bob"] * 8)  # held by min_authors: no alert
    for day in (22, 28):  # a crisis of seven people the next day, and a week later
        lines = _tinyco([thread, (day, 15, [f"person{i}" for i in range(7)])], days=day + 2)
        held = _spikes(tmp_path, lines)
        # Kept out of the baseline as it was when it alerted (min_authors 1: an episode, which baselines leave out),
        # not taken for the brand's usual: the crisis is expected as rarely, and stays critical.
        alerting = _spikes(tmp_path, lines, alerts={"spike": {"min_authors": 1}})
        crisis_day = (datetime(2026, 1, 5) + timedelta(days=day)).strftime("%m-%d")
        assert [s[0][:5] for s in alerting] == ["01-26", crisis_day]
        assert held == alerting[1:] and held[0][3] == "critical", (held, alerting)


def test_the_rename_refusal_names_every_route_key_that_names_the_brand(tmp_path):
    # `config check` rejects a route that names a brand the config lacks, in `exclude_brands` too: the one line
    # that tells the user what to edit before a rename names that key as well, or they meet a second error.
    config = write_config(tmp_path, brands=[{"name": "Acme", "query": "acme"}, {"name": "Globex", "query": "globex"}],
                          channels=[{"type": "jsonl", "path": str(tmp_path / "a.jsonl"),
                                     "route": {"exclude_brands": ["Acme"]}}])  # fmt: skip
    refused = CliRunner().invoke(cli, ["brands", "rename", "Acme", "Acme Corp", "-c", str(config)])
    assert refused.exit_code == 1 and len(refused.stderr.strip().splitlines()) == 1
    assert "every route.brands, route.exclude_brands, sources[].brands and sentiment rule naming it" in refused.stderr
