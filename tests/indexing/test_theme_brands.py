"""A brand's theme figures count only the themes clustered for that brand, on both stores.

A post naming two brands carries the themes of both (`Mention.brand_themes`). Stored as plain labels per post,
a brand's theme list counted the other brand's clusters of its shared posts (the GOP debate stream: Jeb Bush's
#2 theme was Donald Trump's), and two brands' clusters that got the same label were summed under it. Real
SQLite store; real Elasticsearch node (tests/es_node.py).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from core.mention import Mention, Sentiment
from indexing.base import THEMES, Filters, Store

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
SAME = "delivery · late"  # a label both brands' clusterings happen to give, to different posts


def _post(i: int, brands: list[str], brand_themes: dict[str, list[str]], label: str = "neutral",
          legacy: list[str] | None = None) -> Mention:
    themes = list(dict.fromkeys([*(legacy or []), *(t for v in brand_themes.values() for t in v)]))
    return Mention(
        source="x", native_id=f"p{i}", created_at=T0 + timedelta(hours=i), text=f"post {i} " + " ".join(brands),
        brands=brands, lang="en", sentiment=Sentiment(label=label, probs={label: 1.0}, model="test"),
        themes=themes, brand_themes=brand_themes,
    )


# acme's clusters: "battery" (aspect "battery › charging"), SAME; globex's: "price", SAME, "service".
CORPUS = [
    _post(0, ["acme"], {"acme": ["battery", "battery › charging"]}, "negative"),
    _post(1, ["acme"], {"acme": ["battery"]}),
    _post(2, ["acme", "globex"], {"acme": ["battery"], "globex": ["price"]}, "negative"),
    _post(3, ["acme", "globex"], {"acme": ["battery", "battery › charging"], "globex": [SAME]}),
    _post(4, ["acme", "globex"], {"acme": [SAME], "globex": [SAME]}, "positive"),
    _post(5, ["acme", "globex"], {"globex": ["price"]}),  # acme's clustering left it out
    _post(6, ["globex"], {"globex": ["service"]}),
    _post(7, ["acme"], {"acme": [SAME]}),
    _post(8, ["acme", "globex"], {}, legacy=["old label"]),  # themed before brand_themes: of no known brand
]


def _expected(brand: str | None) -> Counter:
    """Posts per label as the figures must count them: a brand's own labels and unattributed ones; for no brand,
    each post once per label (a post filter across brands)."""
    out: Counter = Counter()
    for m in CORPUS:
        if brand is not None and brand not in m.brands:
            continue
        held = {t for v in m.brand_themes.values() for t in v}
        own = m.brand_themes.get(brand, []) if brand is not None else sorted(held)
        out.update(set(own) | {t for t in m.themes if t not in held})
    return out


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    for opened in open_store(request.param, request, tmp_path, "gs-tb"):
        assert all(r.ok for r in opened.upsert(CORPUS))
        yield opened


@pytest.mark.parametrize("brand", ["acme", "globex"])
def test_a_brands_top_themes_are_its_own(store: Store, brand: str):
    got = {t.theme: t.count for t in store.top_themes(Filters(brand=brand), n=50)}
    assert got == dict(_expected(brand))
    other = "globex" if brand == "acme" else "acme"
    mine = {t for m in CORPUS for t in m.brand_themes.get(brand, [])} | {"old label"}
    # No other brand's cluster of a shared post leaks in; the shared label counts only this brand's cluster.
    assert set(got) <= mine
    assert got[SAME] == sum(SAME in m.brand_themes.get(brand, []) for m in CORPUS)
    assert not set(got) & ({t for m in CORPUS for t in m.brand_themes.get(other, [])} - mine)


def test_two_brands_clusters_of_one_label_are_not_summed(store: Store):
    # acme's SAME cluster is posts 4 and 7; globex's SAME on post 3 (an acme post too) is not acme's.
    assert {t.theme: t.count for t in store.top_themes(Filters(brand="acme"), n=50)}[SAME] == 2
    assert {t.theme: t.count for t in store.top_themes(Filters(brand="globex"), n=50)}[SAME] == 2  # posts 3, 4


def test_the_sentiment_mix_is_of_the_brands_own_posts(store: Store):
    (battery,) = [t for t in store.top_themes(Filters(brand="acme"), n=50) if t.theme == "battery"]
    assert battery.sentiment == {"negative": 2, "neutral": 2}
    assert "price" not in {t.theme for t in store.top_themes(Filters(brand="acme"), n=50)}


@pytest.mark.parametrize("brand", ["acme", "globex", None])
def test_explore_histogram_and_list_count_the_same_posts(store: Store, brand: str | None):
    """The Themes page's count, its sparkline and Explore's theme filter (a card's link) agree, per brand; with
    no brand, a post counts once per label whichever brands' themes gave it."""
    counts = {t.theme: t.count for t in store.top_themes(Filters(brand=brand), n=50)}
    assert counts == dict(_expected(brand))
    series = store.theme_histogram(Filters(brand=brand), list(counts), "day")
    for theme, count in counts.items():
        assert store.count(Filters(brand=brand, theme=theme)) == count, theme
        assert sum(series[theme].values()) == count, theme
    assert store.count(Filters(brand="acme", theme="price")) == 0  # globex's theme of shared posts 2 and 5
    assert store.count(Filters(brands=("acme",), theme="price")) == 0
    if brand is None:  # all brands: a post filter and count, each post once, whichever brands' themes gave it
        assert counts[SAME] == 3  # posts 3, 4 and 7: post 4 holds it for both brands and counts once


def test_rewriting_themes_replaces_a_brands_rows_and_never_duplicates(store: Store):
    moved = CORPUS[2].model_copy(update={"brand_themes": {"acme": [SAME], "globex": ["price"]},
                                         "themes": [SAME, "price"]})
    for _ in range(2):  # a re-run writes the same rows again: nothing doubles
        assert all(r.ok for r in store.upsert([moved], fields=THEMES))
    got = {t.theme: t.count for t in store.top_themes(Filters(brand="acme"), n=50)}
    assert got["battery"] == _expected("acme")["battery"] - 1
    assert got[SAME] == _expected("acme")[SAME] + 1
    (back,) = store.get([moved.id])
    assert back.brand_themes == moved.brand_themes
    # A bare re-collect (no label) keeps every brand's themes.
    assert all(r.ok for r in store.upsert([moved.model_copy(update={"sentiment": None, "themes": [],
                                                                     "brand_themes": {}})]))
    assert store.get([moved.id])[0].brand_themes == moved.brand_themes


def test_an_older_sqlite_store_keeps_its_themes_as_unattributed(tmp_path):
    """A store from before the brand column: rows kept (counted for every brand of the post, as before), the
    column added once, and a themes write then attributes them."""
    from indexing.sqlite import SqliteStore

    path = tmp_path / "old.db"
    store = SqliteStore(path)  # documents as the previous version wrote them: no brand_themes
    assert all(r.ok for r in store.upsert([m.model_copy(update={"brand_themes": {}}) for m in CORPUS]))
    rows = store._conn().execute("SELECT mention_rowid, theme FROM mention_themes").fetchall()
    store.close()
    with sqlite3.connect(path) as conn:  # and its theme table: one row per (post, label)
        conn.execute("DROP TABLE mention_themes")
        conn.execute("CREATE TABLE mention_themes (mention_rowid INTEGER NOT NULL REFERENCES mentions(rowid) "
                     "ON DELETE CASCADE, theme TEXT NOT NULL, PRIMARY KEY (mention_rowid, theme))")
        conn.executemany("INSERT INTO mention_themes VALUES (?, ?)", rows)
    flat = Counter(t for m in CORPUS if "acme" in m.brands for t in m.themes)
    for _ in range(2):  # every open migrates; the second finds nothing to do
        store = SqliteStore(path)
        assert [r[1] for r in store._conn().execute("PRAGMA table_info(mention_themes)")] == [
            "mention_rowid", "brand", "theme"]
        # As before the fix until a themes write: the post's labels, whichever brand's.
        assert {t.theme: t.count for t in store.top_themes(Filters(brand="acme"), n=50)} == dict(flat)
        store.close()
    store = SqliteStore(path)
    assert all(r.ok for r in store.upsert(CORPUS, fields=THEMES))
    assert {t.theme: t.count for t in store.top_themes(Filters(brand="acme"), n=50)} == dict(_expected("acme"))
    store.close()


def _as_the_previous_version_wrote_it(store) -> None:
    """CORPUS stored in the Elasticsearch `store`, then each document as the previous version wrote it: no
    brand_themes, no theme fields."""
    from indexing.elasticsearch_mapping import to_document  # lazy: the Elasticsearch tests only
    from indexing.elasticsearch_themes import MAIN_THEMES, THEME_KEYS  # lazy: as above

    assert all(r.ok for r in store.upsert(CORPUS))
    store.client.indices.refresh(index=store.alias)
    for m in CORPUS:
        doc = {k: v for k, v in to_document(m).items() if k not in ("brand_themes", THEME_KEYS, MAIN_THEMES)}
        hit = store.client.search(index=store.alias, query={"ids": {"values": [m.id]}}).body["hits"]["hits"][0]
        store.client.index(index=hit["_index"], id=m.id, document=doc, refresh=True)


@pytest.mark.elasticsearch
def test_older_elasticsearch_documents_get_unattributed_keys_on_open(es_url):
    from es_node import delete_prefix

    from indexing.elasticsearch import ElasticsearchStore

    store = ElasticsearchStore(es_url, index_prefix=f"gs-tb-old-{uuid.uuid4().hex[:8]}")
    try:
        _as_the_previous_version_wrote_it(store)
        assert store.top_themes(Filters(brand="acme"), n=50) == []  # unreadable by brand until migrated
        for _ in range(2):  # every open migrates; the second finds nothing to do
            reopened = ElasticsearchStore(es_url, index_prefix=store.prefix)
            got = {t.theme: t.count for t in reopened.top_themes(Filters(brand="acme"), n=50)}
            assert got == dict(Counter(t for m in CORPUS if "acme" in m.brands for t in m.themes))
            reopened.close()
        assert all(r.ok for r in store.upsert(CORPUS, fields=THEMES))
        store.client.indices.refresh(index=store.alias)
        assert {t.theme: t.count for t in store.top_themes(Filters(brand="acme"), n=50)} == dict(_expected("acme"))
    finally:
        delete_prefix(store.client, store.prefix)
        store.close()


@pytest.mark.elasticsearch
def test_a_themes_pass_written_while_the_migration_fills_is_kept(es_url, caplog):
    """The fill scans a point-in-time snapshot, then updates: a new-version themes pass (another process) that
    wrote a document's per-brand fields meanwhile keeps them, not the snapshot's unattributed keys."""
    from es_node import delete_prefix

    from indexing.elasticsearch import ElasticsearchStore
    from indexing.elasticsearch_mapping import to_document
    from indexing.elasticsearch_theme_migrate import add_theme_fields
    from indexing.elasticsearch_themes import MAIN_THEMES, THEME_KEYS

    store = ElasticsearchStore(es_url, index_prefix=f"gs-tb-race-{uuid.uuid4().hex[:8]}")
    try:
        _as_the_previous_version_wrote_it(store)
        raced = CORPUS[3]  # acme's and globex's themes
        scan = store._scan

        def scan_then_race(*args, **kwargs):
            hits = list(scan(*args, **kwargs))  # the snapshot read: every old document
            assert raced.id in {h["_id"] for h in hits}
            assert all(r.ok for r in store.upsert([raced], fields=THEMES))  # the other process's themes pass
            store.client.indices.refresh(index=store.alias)
            yield from hits

        store._scan = scan_then_race
        filled = add_theme_fields(store)
        store._scan = scan
        store.client.indices.refresh(index=store.alias)
        source = store.client.search(index=store.alias, query={"ids": {"values": [raced.id]}}
                                     ).body["hits"]["hits"][0]["_source"]
        written = to_document(raced)
        assert source[THEME_KEYS] == written[THEME_KEYS] and source[MAIN_THEMES] == written[MAIN_THEMES]
        assert source[MAIN_THEMES] and source["brand_themes"] == raced.brand_themes
        (other,) = [h["_source"] for h in store.client.search(
            index=store.alias, query={"ids": {"values": [CORPUS[1].id]}}).body["hits"]["hits"]]
        assert other[THEME_KEYS] == ["\x1fbattery"] and other[MAIN_THEMES] == []  # the others filled as before
        assert filled == len(CORPUS) - 1  # the raced document left as it is, and no failure
        assert not [r for r in caplog.records if r.levelname == "ERROR"]
    finally:
        delete_prefix(store.client, store.prefix)
        store.close()


# A third brand's posts: its themes must not count where a filter names other brands only.
THIRD = [
    _post(20, ["acme", "initech"], {"acme": ["battery"], "initech": ["fraud"]}),
    _post(21, ["globex", "initech"], {"globex": ["price"], "initech": ["fraud", SAME]}, "negative"),
    _post(22, ["initech"], {"initech": ["fraud"]}),
    _post(23, ["acme", "globex", "initech"], {"acme": ["battery"], "initech": ["fraud"]}),
]


def _expected_of(brands: set[str], corpus: list[Mention]) -> Counter:
    """Posts per label for a filter naming `brands`: posts of any of them, each once per label of theirs or
    unattributed."""
    out: Counter = Counter()
    for m in corpus:
        if not brands & set(m.brands):
            continue
        held = {t for v in m.brand_themes.values() for t in v}
        own = {t for b in brands for t in m.brand_themes.get(b, [])}
        out.update(own | {t for t in m.themes if t not in held})
    return out


@pytest.mark.parametrize("filters", [Filters(brands=("acme", "globex")), Filters(brand="acme", brands=("globex",))],
                         ids=["brands", "brand-and-brands"])
def test_several_brands_count_only_their_own_themes(store: Store, filters: Filters):
    assert all(r.ok for r in store.upsert(THIRD))
    corpus = [*CORPUS, *THIRD]
    if filters.brand is None:
        expected = _expected_of({"acme", "globex"}, corpus)
    else:  # a post of acme and of globex: both brands' themes count
        expected = _expected_of({"acme", "globex"}, [m for m in corpus if {"acme", "globex"} <= set(m.brands)])
    got = {t.theme: t.count for t in store.top_themes(filters, n=50)}
    assert "fraud" not in got  # initech's, of posts naming acme or globex too
    assert got == dict(expected)
    if filters.brand is None:
        # SAME: acme's posts 4 and 7, globex's 3 and 4 (post 4 once); not initech's on post 21
        assert got[SAME] == 3
    series = store.theme_histogram(filters, [*got, "fraud"], "day")
    assert "fraud" not in series
    for theme, count in got.items():
        assert store.count(filters.replace(theme=theme)) == count, theme
        assert sum(series[theme].values()) == count, theme
    assert store.count(filters.replace(theme="fraud")) == 0
