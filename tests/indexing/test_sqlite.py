"""The embedded store on a real SQLite file (the shared contract suite also covers it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Author, Engagement, Mention, Sentiment
from indexing.base import Filters
from indexing.sqlite import SqliteStore

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def mention(i: int, text: str, brand: str = "Lumora", sentiment: str | None = "neutral", hours: int = 0, **kw):
    return Mention(
        source=kw.pop("source", "x"),
        native_id=str(i),
        text=text,
        created_at=T0 + timedelta(hours=hours),
        brand=brand,
        lang=kw.pop("lang", "en"),
        author=Author(handle=kw.pop("handle", f"user{i % 3}"), followers=kw.pop("followers", 10 * i)),
        engagement=Engagement(likes=kw.pop("likes", i)),
        sentiment=Sentiment(label=sentiment, probs={sentiment: 1.0}, model="test") if sentiment else None,
        **kw,
    )


@pytest.fixture
def store(tmp_path):
    s = SqliteStore(tmp_path / "g.db")
    yield s
    s.close()


def test_upsert_is_idempotent_and_reports_created(store):
    first = list(store.upsert([mention(1, "a"), mention(2, "b")]))
    assert [r.created for r in first] == [True, True]
    again = list(store.upsert([mention(1, "a"), mention(2, "b")]))
    assert [r.created for r in again] == [False, False] and all(r.ok for r in again)
    assert store.count() == 2


def test_recollection_keeps_enrichment(store):
    list(store.upsert([mention(1, "Lumora is great", sentiment="positive", themes=["praise"])]))
    list(store.upsert([mention(1, "Lumora is great", sentiment=None, likes=99)]))
    (stored,) = store.get(["x:1"])
    assert stored.sentiment.label == "positive" and stored.themes == ["praise"]
    assert stored.engagement.likes == 99  # fresh counts still land


def test_filters_and_text_query_across_scripts(store):
    list(
        store.upsert(
            [
                mention(1, "Lumora battery is overheating", sentiment="negative"),
                mention(2, "Lumora 배터리 과열 조심하세요", lang="ko", sentiment="negative"),
                mention(3, "Lumora 电池过热", lang="zh", sentiment="negative"),
                mention(4, "Lumora sound is lovely", sentiment="positive"),
                mention(5, "Sonique is fine", brand="Sonique"),
            ]
        )
    )
    assert store.count(Filters(brand="Lumora")) == 4
    assert store.count(Filters(sentiment="negative")) == 3
    assert store.count(Filters(text="overheating OR 과열 OR 过热")) == 3
    assert store.count(Filters(text="Lumora AND NOT battery")) == 3
    assert store.count(Filters(text="lang:ko")) == 1
    assert store.count(Filters(text="电池")) == 1  # two Han characters: shorter than a trigram
    page = store.search(Filters(text="overheating"))
    assert page.total == 1 and "<mark>overheating</mark>" in page.hits[0].highlight


def test_deep_pagination_visits_every_match_once(store):
    list(store.upsert([mention(i, f"post {i} about Lumora", hours=i % 50) for i in range(1, 231)]))
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = store.search(Filters(text="Lumora"), size=25, cursor=cursor)
        seen.extend(h.mention.id for h in page.hits)
        pages += 1
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert len(seen) == 230 == len(set(seen)) and pages == 10
    times = [store.get([i])[0].created_at for i in seen[:30]]
    assert times == sorted(times, reverse=True)


def test_bad_cursor_is_a_clear_error(store):
    with pytest.raises(ValueError, match="cursor"):
        store.search(Filters(), cursor="not-a-cursor")


def test_histogram_facets_authors_themes(store):
    list(
        store.upsert(
            [
                mention(1, "a", sentiment="negative", hours=0, themes=["battery"]),
                mention(2, "b", sentiment="negative", hours=0, themes=["battery"]),
                mention(3, "c", sentiment="positive", hours=1, themes=["sound"]),
                mention(4, "d", sentiment=None, hours=25, lang="ko"),
            ]
        )
    )
    hours = store.histogram(Filters(), "hour")
    assert [(b.negative, b.positive, b.unknown) for b in hours] == [(2, 0, 0), (0, 1, 0), (0, 0, 1)]
    days = store.histogram(Filters(), "day")
    assert [b.total for b in days] == [3, 1]
    assert store.facet(Filters(), "lang") == {"en": 3, "ko": 1}
    themes = store.top_themes(Filters())
    assert themes[0].theme == "battery" and themes[0].count == 2 and themes[0].sentiment == {"negative": 2}
    assert store.count(Filters(theme="sound")) == 1
    top = store.top_authors(Filters(), n=2)
    assert top[0].engagement >= top[1].engagement


def test_significant_terms_find_the_spike_topic(store):
    normal = [mention(i, f"Lumora sound quality is ok {i}", hours=i) for i in range(60)]
    spike = [mention(100 + i, f"Lumora battery overheating again {i}", hours=70) for i in range(20)]
    list(store.upsert(normal + spike))
    terms = store.significant_terms(Filters(since=T0 + timedelta(hours=70)), Filters(until=T0 + timedelta(hours=70)))
    assert {"battery", "overheating"} <= {t for t, _ in terms[:3]}


def test_state_and_retention(store):
    assert store.get_state("cursor:x:Lumora") is None
    store.set_state("cursor:x:Lumora", "42")
    store.set_state("cursor:x:Lumora", "43")
    assert store.get_state("cursor:x:Lumora") == "43"
    list(store.upsert([mention(1, "old", hours=0), mention(2, "new", hours=48)]))
    assert store.delete_older_than(T0 + timedelta(hours=24)) == 1
    assert store.count() == 1 and store.count(Filters(text="old")) == 0
    store.vacuum()


def test_unenriched_and_iter_mentions(store):
    list(
        store.upsert(
            [mention(1, "a", sentiment=None, hours=2), mention(2, "b", hours=1), mention(3, "c", sentiment=None)]
        )
    )
    assert [m.id for m in store.unenriched()] == ["x:3", "x:1"]
    assert [m.id for m in store.iter_mentions(chunk=1)] == ["x:3", "x:2", "x:1"]


def test_bad_query_raises_syntax_error(store):
    from core.query import QuerySyntaxError

    with pytest.raises(QuerySyntaxError):
        store.count(Filters(text='"unclosed'))


def test_totals_and_capped_search_total(store, monkeypatch):
    import indexing.sqlite as sqlite_module

    list(store.upsert([mention(i, f"Lumora {i}", likes=i, followers=100) for i in range(1, 31)]))
    assert store.totals(Filters()) == {"mentions": 30, "engagement": sum(range(1, 31)), "reach": 465 + 3000}
    assert store.totals(Filters(text="Lumora AND 7"))["mentions"] == 1
    monkeypatch.setattr(sqlite_module, "TOTAL_CAP", 12)
    first = store.search(Filters(), size=10)
    assert (first.total, first.total_exact) == (12, False)
    second = store.search(Filters(), size=10, cursor=first.next_cursor)
    assert (second.total, second.total_exact) == (12, False) and len(second.hits) == 10


def _index_as_before(store: SqliteStore, document, version: int) -> None:
    """The FTS index and user_version an older version left: each row's text indexed as `document(text)`."""
    conn = store._conn()
    conn.execute("DELETE FROM mentions_fts")
    for rowid, text in conn.execute("SELECT rowid, text FROM mentions").fetchall():
        conn.execute("INSERT INTO mentions_fts(rowid, doc) VALUES (?, ?)", (rowid, document(text)))
    conn.execute(f"PRAGMA user_version = {version}")


def test_store_from_before_accent_folding_is_reindexed_on_open(tmp_path):
    """A store whose FTS index holds unfolded tokens (what the previous version wrote) is rebuilt once."""
    from core.query.text import tokenize
    from indexing.sqlite import FTS_VERSION

    path = tmp_path / "old.db"
    old = SqliteStore(path)
    list(old.upsert([mention(1, "La batería dura poco"), mention(2, "Lumorá nueva")]))
    # Put the file in the exact state the previous version left: unfolded FTS rows, user_version 0.
    _index_as_before(old, lambda text: " ".join(tokenize(text)), version=0)
    assert old.count(Filters(text="bateria")) == 0  # the unfolded index cannot find it
    old.close()

    reopened = SqliteStore(path)
    # At least FTS_VERSION: later migration steps (TIME_VERSION) raise it further on the same open.
    assert reopened._conn().execute("PRAGMA user_version").fetchone()[0] >= FTS_VERSION
    assert [m.native_id for m in reopened.iter_mentions(Filters(text="bateria"))] == ["1"]
    assert [m.native_id for m in reopened.iter_mentions(Filters(text="lumora"))] == ["2"]
    reopened.close()


def test_a_store_indexed_with_the_previous_search_document_is_reindexed_on_open(tmp_path):
    """A store at user_version 2 holds format 1 of `core.query.document` (no ё folding, no #tags): rebuilt once,
    its times left as they are."""
    from core.query.text import search_tokens
    from indexing.sqlite import FTS_VERSION

    path = tmp_path / "v2.db"
    old = SqliteStore(path)
    list(old.upsert([mention(1, "Шоколад Алёнка #ad"), mention(2, "new ad campaign")]))
    # Format 1 kept ё as written.
    _index_as_before(old, lambda text: " ".join(search_tokens(text)).replace("е", "ё"), version=2)
    old.close()

    reopened = SqliteStore(path)
    assert reopened._conn().execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
    assert [m.native_id for m in reopened.iter_mentions(Filters(text="аленка"))] == ["1"]
    assert [m.native_id for m in reopened.iter_mentions(Filters(text="#ad"))] == ["1"]
    reopened.close()


def test_rows_an_older_version_writes_into_the_store_are_found(tmp_path):
    """The FTS column's spaces come from the store's triggers, not from the function a connection registers:
    a process of the previous version (its `gs_fts_doc` the bare document) still writes rows search finds,
    down to a one-word post and a two-letter word."""
    import sqlite3

    from core.query import fts5_document
    from indexing.sqlite_query import fts5_column

    path = tmp_path / "g.db"
    store = SqliteStore(path)
    list(store.upsert([mention(1, "Dell")]))
    older = sqlite3.connect(path)
    older.create_function("gs_fts_doc", 1, fts5_document, deterministic=True)  # what the previous version registers
    older.execute("UPDATE mentions SET text = 'HP laptop' WHERE id = ?", (mention(1, "").id,))
    older.commit()
    older.close()
    assert store.count(Filters(text="hp")) == 1 and store.count(Filters(text="laptop")) == 1
    assert [d for (d,) in store._conn().execute("SELECT doc FROM mentions_fts")] == [fts5_column("HP laptop")]
    list(store.upsert([mention(2, "Dell")]))
    assert store.count(Filters(text="dell")) == 1
    store.close()


@pytest.mark.parametrize("version", [4, 5])
def test_a_store_indexed_before_emoji_and_cashtags_is_reindexed_on_open(tmp_path, version):
    """Versions 4 and 5 held `core.query.document` format 2 (emoji dropped, no $cashtag units) behind the new
    triggers' spaces: opening such a store rebuilds its index once, so emoji and cashtag searches find the posts
    written before, and the triggers write the current column from then on."""
    from core.query.text import is_symbol, search_tokens
    from indexing.sqlite import FTS_VERSION
    from indexing.sqlite_query import fts5_column

    path = tmp_path / "v5.db"
    store = SqliteStore(path)
    list(store.upsert([mention(1, "Lumora 👎 again"), mention(2, "Lumora rocks"), mention(3, "buy $AAPL")]))
    _index_as_before(
        store, lambda text: " " + " ".join(t for t in search_tokens(text) if not is_symbol(t)) + " ", version
    )
    store.close()

    reopened = SqliteStore(path)
    conn = reopened._conn()
    assert conn.execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
    assert [m.native_id for m in reopened.iter_mentions(Filters(text='"Lumora 👎"'))] == ["1"]
    assert reopened.count(Filters(text="👎")) == 1 and reopened.count(Filters(text="$AAPL")) == 1
    list(reopened.upsert([mention(4, "LG monitor 😡")]))
    assert fts5_column("LG monitor 😡") in [d for (d,) in conn.execute("SELECT doc FROM mentions_fts")]
    assert reopened.count(Filters(text="😡")) == 1 and reopened.count(Filters(text="lg")) == 1
    reopened.close()


def test_the_fts_version_names_the_current_search_document():
    # Changing core.query.document's format without a new FTS_VERSION would leave old stores unsearchable.
    from core.query.document import VERSION
    from indexing.sqlite import FTS_DOCUMENT

    assert FTS_DOCUMENT == VERSION


def test_a_store_from_before_spam_flags_is_migrated_on_open(tmp_path):
    """Migration step "spam flags": a file without `mention_spam` gets it and keeps every mention countable."""
    path = tmp_path / "old.db"
    old = SqliteStore(path)
    list(old.upsert([mention(1, "a"), mention(2, "b")]))
    old._conn().execute("DROP TABLE mention_spam")  # what a store written before spam flags looks like
    old.close()
    store = SqliteStore(path)
    try:
        assert store.count() == 2
        list(store.upsert([mention(2, "b", spam="promotion: 'giveaway'")]))
        assert store.count() == 1 and store.count(Filters(include_spam=True)) == 2
    finally:
        store.close()


def test_a_store_from_before_intent_tags_is_migrated_on_open(tmp_path):
    """Migration step "intent tags": a file without `mention_intent` gets it; tags and filters work after."""
    path = tmp_path / "old.db"
    old = SqliteStore(path)
    list(old.upsert([mention(1, "a"), mention(2, "b")]))
    old._conn().execute("DROP TABLE mention_intent")  # what a store written before intent tags looks like
    old.close()
    store = SqliteStore(path)
    try:
        assert store.count() == 2 and store.facet(Filters(), "intent") == {"unknown": 2}
        list(store.upsert([mention(2, "b?", intent="question")]))
        assert [m.native_id for m in store.iter_mentions(Filters(intent="question"))] == ["2"]
    finally:
        store.close()
