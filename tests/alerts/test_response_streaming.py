"""alerts.response reads a period as streamed light rows (`Store.iter_rows`), never as a list of Mentions: the same
figures as the rule applied to the whole mentions (`reference` below is that rule as it read them before), and
memory that does not grow with the period's posts. On a real SQLite store of ~20k posts."""

from __future__ import annotations

import random
import tracemalloc
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from store_faults import CountingReads

from alerts.response import percentile, response_report
from core.accounts import OwnAccounts
from core.mention import Mention, Sentiment
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 5, 1, tzinfo=UTC)
OWN = OwnAccounts.of({"x": ["@LumoraCare"], "bluesky": ["lumora.bsky.social"]})
DAYS = 10


def corpus(n: int, seed: int = 7) -> list[Mention]:
    """Customer posts over DAYS days (a tenth reposts, some spam), own replies to ~40% of them (some before
    their post: clock skew; some after the period), own posts that answer nothing."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        at = T0 + timedelta(seconds=rng.randrange(DAYS * 86400), microseconds=rng.randrange(10**6))
        label = rng.choice(("negative", "neutral", "positive", None))
        out.append(Mention(
            source=rng.choice(("x", "bluesky")), native_id=f"p{i}", text=f"lumora question {i}", created_at=at,
            author={"handle": f"fan{rng.randrange(500)}"}, brand="lumora",
            sentiment=Sentiment(label=label, probs={}, model="test") if label else None,
            spam="bot" if rng.random() < 0.03 else None,
            extra={"repost_of": f"x:p{i - 1}"} if rng.random() < 0.1 else {},
        ))  # fmt: skip
        if rng.random() < 0.4:
            post = out[-1]
            for k in range(rng.choice((1, 1, 2))):
                delay = timedelta(minutes=rng.uniform(-2, 600))
                src = rng.choice(("x", "bluesky"))
                out.append(Mention(
                    source=src, native_id=f"r{i}-{k}", text=f"@fan thanks for asking about lumora {i}",
                    created_at=at + delay, author={"handle": "LumoraCare" if src == "x" else "lumora.bsky.social"},
                    brand="lumora", reply_to=post.id,
                ))  # fmt: skip
    return out


def reference(mentions: list[Mention], own: OwnAccounts, goal: int, since, until, now):
    """The rule over whole Mentions, as the report read them before (a list of every post of the period)."""
    posts = [m for m in mentions if since <= m.created_at < until]
    horizon = max(until, min(now, until + timedelta(days=7)))
    first: dict[str, datetime] = {}
    for m in [*posts, *(m for m in mentions if until <= m.created_at < horizon)]:
        if m.reply_to and own.owns(m) and m.created_at <= now:
            if m.reply_to not in first or m.created_at < first[m.reply_to]:
                first[m.reply_to] = m.created_at
    by_day: dict = defaultdict(list)
    waiting, own_posts = [], 0
    for m in posts:
        own_posts += own.owns(m)
        if own.owns(m) or m.extra.get("repost_of") or m.spam is not None or m.created_at > now:
            continue
        at = first.get(m.id)
        by_day[m.created_at.date()].append(max(0.0, (at - m.created_at).total_seconds() / 60) if at else None)
        negative = m.sentiment is not None and m.sentiment.label == "negative"
        if at is None and negative and now - m.created_at > timedelta(minutes=goal):
            waiting.append((now - m.created_at, m.id))
    days = {d: [v for v in vals if v is not None] for d, vals in by_day.items()}
    waiting.sort(key=lambda w: (-w[0], w[1]))
    figures = {
        d: (len(by_day[d]), len(days[d]), percentile(days[d], 50), percentile(days[d], 90)) for d in sorted(days)
    }
    return figures, [i for _, i in waiting], own_posts


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    mentions = corpus(20_000)
    store = SqliteStore(tmp_path_factory.mktemp("resp") / "gs.db")
    assert all(r.ok for r in store.upsert(mentions, chunk_size=2000))
    stored = list(store.iter_mentions(Filters(include_spam=True)))  # as the store gives them back
    yield store, stored
    store.close()


@pytest.mark.parametrize("days,now_after", [(DAYS, timedelta(0)), (3, timedelta(hours=5)), (4, timedelta(days=9))])
def test_the_streamed_report_equals_the_rule_over_whole_mentions(loaded, days, now_after):
    store, mentions = loaded
    since = T0 + timedelta(days=1)
    until, goal = since + timedelta(days=days), 45
    now = until + now_after
    report = response_report(store, "lumora", OWN, goal, since, until, now=now)
    by_day, waiting, own_posts = reference(mentions, OWN, goal, since, until, now)
    got = {d.day: (d.posts, d.answered, d.median_minutes, d.p90_minutes) for d in report.days}
    assert got == by_day and sum(v[1] for v in by_day.values()) > 1000  # many answered, many waiting
    assert [w.mention.id for w in report.needs_reply] == waiting and report.needs_reply_total == len(waiting)
    assert report.own_posts == own_posts and report.overall.posts == sum(v[0] for v in by_day.values())
    kept = response_report(store, "lumora", OWN, goal, since, until, now=now, keep=7)
    assert [w.mention.id for w in kept.needs_reply] == waiting[:7] and kept.needs_reply_total == len(waiting)
    assert kept.days == report.days


def test_a_period_is_never_read_as_mentions(loaded):
    """Only the listed waiting posts are read whole (the tile lists none), however many posts the period has."""
    store, _ = loaded
    counting = CountingReads(store)
    tile = response_report(counting, "lumora", OWN, 30, T0, T0 + timedelta(days=DAYS), keep=0)  # type: ignore[arg-type]
    assert tile.overall.posts > 10_000 and tile.needs_reply_total > 500 and counting.built == 0
    response_report(counting, "lumora", OWN, 30, T0, T0 + timedelta(days=DAYS), keep=5)  # type: ignore[arg-type]
    assert counting.built == 5


def test_memory_does_not_grow_with_the_periods_posts(loaded):
    """Peak traced memory of the report (the figures only, as the overview tile asks) stays a small fraction of
    what the period's posts take as a list of Mentions."""
    store, _ = loaded
    period = Filters(brand="lumora", since=T0, until=T0 + timedelta(days=DAYS), include_spam=True)
    tracemalloc.start()
    try:
        listed = list(store.iter_mentions(period))
        _, whole = tracemalloc.get_traced_memory()
        del listed
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        response_report(store, "lumora", OWN, 30, T0, T0 + timedelta(days=DAYS), keep=0)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak - base < 0.15 * whole, (peak - base, whole)


def test_an_unreadable_stored_post_is_left_out_of_the_list_not_a_crash(tmp_path):
    """A kept waiting post this version cannot read whole (`test_store_contract._damage`: a label a newer version
    wrote) is skipped and counted (`store.unreadable`), as `iter_mentions` skipped it; the report, the digest and
    the unanswered alert list the others."""
    store = SqliteStore(tmp_path / "gs.db")
    posts = [Mention(source="x", native_id=f"p{i}", text=f"lumora {i}", created_at=T0 + timedelta(hours=i),
                     author={"handle": "fan"}, brand="lumora",
                     sentiment=Sentiment(label="negative", probs={}, model="t")) for i in range(3)]  # fmt: skip
    assert all(r.ok for r in store.upsert(posts))
    store._conn().execute("UPDATE mentions SET doc = json_set(doc, '$.sentiment', json('{\"label\": \"mixed\"}')) "
                          "WHERE id = ?", (posts[1].id,))
    for keep in (None, 5):
        report = response_report(store, "lumora", OWN, 30, T0, T0 + timedelta(days=1), keep=keep)
        assert [w.mention.id for w in report.needs_reply] == [posts[0].id, posts[2].id]
    assert list(store.unreadable.named) == [posts[1].id]
    store.close()
