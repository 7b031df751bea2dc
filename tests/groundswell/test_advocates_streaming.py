"""groundswell.advocates adds up light rows (`Store.iter_rows`): the ranking of the rule over whole Mentions, and
only the listed authors' samples are read whole. On a real SQLite store."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from store_faults import CountingReads

from core.accounts import OwnAccounts
from core.mention import Mention, Sentiment
from groundswell.advocates import Advocate, advocate_record, advocates
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 5, 1, tzinfo=UTC)
OWN = OwnAccounts.of({"x": ["@LumoraCare"]})


def _corpus(n: int) -> list[Mention]:
    rng = random.Random(3)
    return [
        Mention(
            source=rng.choice(("x", "reddit")), native_id=str(i), text=f"lumora is great {i}",
            created_at=T0 + timedelta(seconds=rng.randrange(20 * 86400)),
            author={"handle": rng.choice([f"a{rng.randrange(300)}", "LumoraCare", None]),
                    "followers": rng.choice([None, rng.randrange(10**5)])},
            engagement={"likes": rng.randrange(50)}, brand="lumora", lang=rng.choice(("en", "fr", None)),
            sentiment=Sentiment(label=rng.choice(("positive", "negative")), probs={}, model="test"),
            spam="bot" if rng.random() < 0.05 else None,
        )  # fmt: skip
        for i in range(n)
    ]


def test_the_ranking_equals_the_rule_over_whole_mentions_and_reads_only_the_samples(tmp_path):
    store = SqliteStore(tmp_path / "gs.db")
    assert all(r.ok for r in store.upsert(_corpus(6000)))
    since, until = T0 + timedelta(days=2), T0 + timedelta(days=15)
    for sentiment in ("positive", "negative"):
        by_author: dict[tuple[str, str], Advocate] = {}  # the rule, over whole Mentions
        for m in store.iter_mentions(Filters(brand="lumora", since=since, until=until, sentiment=sentiment)):
            if m.author.handle and not OWN.owns(m):
                by_author.setdefault((m.source, m.author.handle), Advocate(m.author.handle, m.source, sentiment)).add(m)
        expected = sorted((a for a in by_author.values() if a.mentions >= 2),
                          key=lambda a: (-a.score, -a.mentions, a.handle, a.source))[:15]
        counting = CountingReads(store)
        got = advocates(counting, "lumora", since, until, sentiment=sentiment, n=15, own=OWN)  # type: ignore[arg-type]
        assert len(got) == 15
        assert [advocate_record(i, a) for i, a in enumerate(got)] == [
            advocate_record(i, a) for i, a in enumerate(expected)
        ]
        assert counting.built == sum(len(a.samples) for a in got)  # the listed samples, nothing else
    store.close()


def test_an_unreadable_sample_is_left_out_not_a_crash(tmp_path):
    """A sample this version cannot read whole (`test_store_contract._damage`: a label a newer version wrote) is
    skipped and counted (`store.unreadable`), as `iter_mentions` skipped it; the ranking shows the others."""
    store = SqliteStore(tmp_path / "gs.db")
    posts = [Mention(source="x", native_id=f"p{i}", text=f"lumora {i}", created_at=T0 + timedelta(hours=i),
                     author={"handle": "fan"}, brand="lumora",
                     sentiment=Sentiment(label="negative", probs={}, model="t")) for i in range(3)]  # fmt: skip
    assert all(r.ok for r in store.upsert(posts))
    store._conn().execute("UPDATE mentions SET doc = json_set(doc, '$.sentiment', json('{\"label\": \"mixed\"}')) "
                          "WHERE id = ?", (posts[1].id,))
    got = advocates(store, "lumora", T0, T0 + timedelta(days=1), sentiment="negative")
    assert [(a.handle, [s.id for s in a.samples]) for a in got] == [("fan", [posts[0].id, posts[2].id])]
    assert list(store.unreadable.named) == [posts[1].id]
    store.close()
