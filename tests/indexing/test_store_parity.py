"""Same data, same answer: cases where Elasticsearch once answered otherwise than the SQLite store.

Each test runs on both stores (Elasticsearch on the real test node) and checks an answer worked out here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from test_store_contract import STORES, _open_store

from core.mention import Author, Engagement, Mention, Sentiment
from dashboards.web.highlight import segments_for
from indexing.base import Filters, Store

T0 = datetime(2026, 1, 10, tzinfo=UTC)


@pytest.fixture(params=STORES)
def empty_store(request, tmp_path) -> Iterator[Store]:
    yield from _open_store(request.param, request, tmp_path)


def _post(i: int, text: str = "Lumora", *, at: datetime = T0, **kw) -> Mention:
    return Mention(source="x", native_id=f"p{i}", text=text, created_at=at, brands=["Lumora"], **kw)


def _write(store: Store, mentions: list[Mention]) -> None:
    assert all(r.ok for r in store.upsert(mentions))


def test_a_minimum_of_zero_followers_is_no_minimum(empty_store: Store) -> None:
    """The dashboard's box shows 0 by default: it must not drop posts whose author has no follower count."""
    posts = [_post(1), _post(2, author=Author(handle="a", followers=0)),
             _post(3, author=Author(handle="b", followers=5))]
    _write(empty_store, posts)
    for minimum, ids in ((None, {"p1", "p2", "p3"}), (0, {"p1", "p2", "p3"}), (-3, {"p1", "p2", "p3"}),
                         (1, {"p3"}), (5, {"p3"}), (6, set())):
        f = Filters(min_followers=minimum)
        assert empty_store.count(f) == len(ids), minimum
        assert {h.mention.native_id for h in empty_store.search(f, size=10).hits} == ids, minimum
        assert empty_store.totals(f)["mentions"] == len(ids), minimum


SHORT = "Worst delivery ever. Lumora please fix this"
LONG = ("Long review. " * 30) + "The Lumora battery died. " + ("More words here. " * 10)
AT = LONG.index("battery")


@pytest.mark.parametrize(("query", "text", "shown"), [
    # A post under the width is shown whole, whatever its sentences.
    ("fix", SHORT, "Worst delivery ever. Lumora please <mark>fix</mark> this"),
    ("overheated", "Lumora recalled the Pulse. Mine overheated twice! Never again. Refund please.",
     "Lumora recalled the Pulse. Mine <mark>overheated</mark> twice! Never again. Refund please."),
    ("bateria", "¡Qué desastre! La batería de Lumora se calienta.",  # found through folding only
     "¡Qué desastre! La <mark>batería</mark> de Lumora se calienta."),
    ("quotes", "Lumora <b>&</b> \"quotes\"", "Lumora &lt;b&gt;&amp;&lt;/b&gt; &quot;<mark>quotes</mark>&quot;"),
    # A longer one: 240 characters from 80 before the first match, "…" on each cut side.
    ("battery", LONG, "…" + LONG[AT - 80 : AT] + "<mark>battery</mark>" + LONG[AT + 7 : AT + 160] + "…"),
], ids=["short", "sentences", "folded-only", "escaped", "long"])
def test_a_hit_shows_the_same_text_on_every_store(empty_store: Store, query: str, text: str, shown: str) -> None:
    _write(empty_store, [_post(1, text)])
    [hit] = empty_store.search(Filters(text=query), size=5).hits
    assert hit.highlight == shown
    card = "".join(str(s["text"]) for s in segments_for(text, hit.highlight, query))  # what Explore shows
    assert card == (text if len(text) <= 240 else "…" + LONG[AT - 80 : AT + 160] + "…")


def test_a_hit_without_a_query_shows_the_start_of_the_text(empty_store: Store) -> None:
    _write(empty_store, [_post(1, SHORT), _post(2, LONG, at=T0 + timedelta(hours=1))])
    shown = {h.mention.native_id: h.highlight for h in empty_store.search(Filters(), size=5).hits}
    assert shown == {"p1": SHORT, "p2": LONG[:240] + "…"}


def test_top_authors_over_months_rank_the_period_not_each_month(empty_store: Store) -> None:
    """One author steady across three monthly indices beats 1,200 authors of one month each."""
    posts, i = [], 0
    for month in (1, 2, 3):
        start = T0.replace(month=month)
        for a in range(400):
            i += 1
            posts.append(_post(i, at=start + timedelta(minutes=a), engagement=Engagement(likes=100),
                               author=Author(handle=f"m{month}_{a:03d}", followers=10)))
        i += 1
        posts.append(_post(i, at=start + timedelta(hours=12), engagement=Engagement(likes=60),
                           author=Author(handle="steady", followers=10 * month)))
    _write(empty_store, posts)
    top = empty_store.top_authors(Filters(brand="Lumora"), 3)
    assert [(a.handle, a.source, a.mentions, a.engagement, a.followers) for a in top] == [
        ("steady", "x", 3, 180, 30), ("m1_000", "x", 1, 100, 10), ("m1_001", "x", 1, 100, 10)]


def test_top_themes_over_months_rank_the_period_not_each_month(empty_store: Store) -> None:
    """A theme named once a month (3 in all) beats 450 themes named twice in one month each."""
    posts, i = [], 0
    for month in (1, 2, 3):
        start = T0.replace(month=month)
        for t in range(150 * (month - 1), 150 * month):
            for _ in range(2):
                i += 1
                posts.append(_post(i, at=start + timedelta(minutes=i), themes=[f"t{t:03d}"]))
        i += 1
        label = ("negative", None, "positive")[month - 1]
        posts.append(_post(i, at=start + timedelta(hours=12), themes=["zz-steady"],
                           sentiment=Sentiment(label=label, probs={label: 0.9}, model="m") if label else None))
    _write(empty_store, posts)
    top = empty_store.top_themes(Filters(brand="Lumora"), 2)
    assert [(t.theme, t.count, t.sentiment) for t in top] == [
        ("zz-steady", 3, {"negative": 1, "unknown": 1, "positive": 1}), ("t000", 2, {"unknown": 2})]
