"""Cross-source copies and reposts are dropped at ingestion; distinct authors' posts are kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from core.mention import Author, Mention
from groundswell import pipeline
from groundswell.config import parse_config
from groundswell.copies import CopyIndex, canonical_url
from indexing.base import Filters
from indexing.sqlite import SqliteStore


def _m(source: str, nid: str, text: str, url: str | None = None, handle: str = "a", **extra) -> Mention:
    return Mention(
        source=source,
        native_id=nid,
        text=text,
        url=url,
        brand="Lumora",
        author=Author(handle=handle),
        created_at=datetime(2026, 11, 1, tzinfo=UTC),
        extra=extra,
    )


def test_same_url_from_two_sources_is_one_post(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    index = CopyIndex(store)
    rss = _m("rss", "1", "Lumora recalls Pulse", url="https://news.example.com/story?utm_source=feed")
    keep, copies = index.split([rss])
    assert all(r.ok for r in store.upsert(keep))  # `remember` only what is stored
    index.remember(keep)
    hn = _m("hackernews", "9", "Lumora recalls Pulse (news.example.com)", url="https://www.news.example.com/story")
    keep, copies = index.split([hn])
    assert keep == [] and copies == [(hn, "rss:1")]


def test_reposts_are_copies_but_identical_posts_by_others_are_not(tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    index = CopyIndex(store)
    original = _m("x", "1", "Pulse overheating, recall it!", handle="ann")
    same_words = _m("bluesky", "2", "Pulse overheating, recall it!", handle="bob")
    retweet = _m("x", "3", "RT @ann: Pulse overheating, recall it!", handle="cy")
    marked = _m("mastodon", "4", "Pulse overheating, recall it!", handle="dee", repost_of="x:1")
    keep, copies = index.split([original, same_words, retweet, marked])
    assert [m.id for m in keep] == ["x:1", "bluesky:2"]
    assert [(c.id, orig) for c, orig in copies] == [("x:3", "x:1"), ("mastodon:4", "x:1")]
    assert all(r.ok for r in store.upsert(keep))
    index.remember(keep)
    # Re-running the same batch keeps the originals (idempotent upsert) and drops the copies again.
    keep2, copies2 = index.split([original, same_words, retweet, marked])
    assert [m.id for m in keep2] == ["x:1", "bluesky:2"] and len(copies2) == 2


def test_canonical_url_keeps_meaningful_parameters():
    assert canonical_url("https://WWW.Example.com/a/?utm_medium=x&id=3&fbclid=1") == "https://example.com/a?id=3"
    assert canonical_url("https://example.com/search?site=a") == "https://example.com/search?site=a"
    assert canonical_url("not a url") is None


def test_a_copy_found_for_another_brand_gives_the_original_that_brand(tmp_path):
    rows = [  # one story: the feed names Lumora; Hacker News' title, found by Sonique's search, names Sonique too
        {"source": "rss", "native_id": "1", "text": "Lumora recalls Pulse", "created_at": "2026-11-01T10:00:00Z",
         "url": "https://news.example.com/story?utm_source=feed"},
        {"source": "hackernews", "native_id": "9", "text": "Lumora recall: Sonique to gain?",
         "created_at": "2026-11-01T11:00:00Z", "url": "https://www.news.example.com/story"},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}, {"name": "Sonique", "query": "Sonique"}],
        "sources": [{"type": "import", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "report": {"path": str(tmp_path / "report.html")},
    })
    store = SqliteStore(tmp_path / "g.db")
    pipeline.collect(config, store)
    (stored,) = store.iter_mentions()  # one post ...
    assert stored.id == "rss:1" and stored.brands == ["Lumora", "Sonique"]  # ... counted for both brands
    assert stored.matches["Sonique"] == "Sonique"
    assert store.count(Filters(brand="Sonique")) == 1
    pipeline.collect(config, store)  # a rerun adds nothing
    assert [m.brands for m in store.iter_mentions()] == [["Lumora", "Sonique"]]


def test_a_retweet_of_a_dotted_handle_is_a_copy_of_its_original():
    # Bluesky and Mastodon handles hold dots: "RT @lumora.bsky.social:" was a repost with its own fingerprint.
    from core.mention import dedup_key

    assert dedup_key("RT @lumora.bsky.social: Pulse overheats") == dedup_key("Pulse overheats")
    assert dedup_key("RT @lumora-tech.bsky.social: Pulse overheats") == dedup_key("Pulse overheats")
    assert dedup_key("RT @lumora@mastodon.social: Pulse overheats") == dedup_key("Pulse overheats")


def test_a_batch_reads_and_writes_the_copy_index_once(tmp_path):
    # One state request per key made `store copy` into Elasticsearch ten times slower: a batch's keys are
    # read in one call and written in one.
    from core.mention import Author, Mention
    from groundswell.copies import CopyIndex
    from indexing.sqlite import SqliteStore

    class Counting(SqliteStore):
        calls: list[str] = []

        def get_state(self, key):
            self.calls.append("get_state")
            return super().get_state(key)

        def set_state(self, key, value):
            self.calls.append("set_state")
            super().set_state(key, value)

        def get_states(self, keys):
            self.calls.append("get_states")
            return super().get_states(keys)

        def set_states(self, items):
            self.calls.append("set_states")
            super().set_states(items)

    store = Counting(tmp_path / "g.db")
    posts = [Mention(source="rss", native_id=str(i), text=f"story {i}", url=f"https://n.example/{i % 50}",
                     author=Author(handle="a"), created_at="2026-03-01T00:00:00Z") for i in range(200)]
    index = CopyIndex(store)
    keep, copies = index.split(posts)
    index.remember(keep)
    assert (len(keep), len(copies)) == (50, 150)
    assert store.calls == ["get_states", "get_states", "set_states"]
    again, _ = CopyIndex(store).split(posts[:50])
    assert again == posts[:50]  # their own keys: not copies of themselves


def test_an_unparsable_post_url_gives_no_url_key_and_its_batch_is_stored(tmp_path):
    # urlsplit raises on "http://[x"; one stranger's broken link failed the whole source batch, every run.
    assert canonical_url("http://[lumora-news/recall") is None
    # Every other URL keeps the key it always had: a stored post's key must not change under it.
    assert canonical_url("//www.Example.com/story/") == canonical_url("https://example.com/story")
    rows = [
        {"source": "rss", "native_id": "good", "text": "Lumora Pulse review", "created_at": "2026-11-01T10:00:00Z",
         "url": "https://example.com/a"},
        {"source": "rss", "native_id": "bad", "text": "Lumora recall coming?", "created_at": "2026-11-01T11:00:00Z",
         "url": "http://[lumora-news/recall"},
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    config = parse_config({
        "brands": [{"name": "Lumora", "query": "Lumora"}],
        "sources": [{"type": "import", "name": "feed", "options": {"path": str(tmp_path / "in.jsonl")}}],
        "report": {"path": str(tmp_path / "report.html")},
    })
    store = SqliteStore(tmp_path / "g.db")
    report = pipeline.collect(config, store)
    assert report.errors == {} and report.stored == 2
    assert sorted(m.id for m in store.iter_mentions()) == ["rss:bad", "rss:good"]
    assert pipeline.collect(config, store).errors == {} and store.count() == 2  # the next run is fine too
    store.close()


def test_one_sources_posts_by_different_authors_sharing_a_link_are_not_copies(tmp_path):
    """An export's rows often carry the brand's profile URL: three people's complaints are three posts."""
    store = SqliteStore(tmp_path / "g.db")
    index = CopyIndex(store)
    profile = "https://www.instagram.com/acme/"
    first = _m("brandwatch", "1", "Acme broke again", url=profile, handle="ann")
    keep, _ = index.split([first])
    assert all(r.ok for r in store.upsert(keep))
    index.remember(keep)
    later = [_m("brandwatch", "2", "Acme support never answers", url=profile, handle="bob"),
             _m("brandwatch", "3", "Acme refund still missing", url=profile, handle="cy")]
    keep, copies = index.split(later)
    assert [m.id for m in keep] == ["brandwatch:2", "brandwatch:3"] and copies == []
    # The same author again, or another source with that link, is still the same post found twice.
    again = _m("brandwatch", "4", "Acme broke again!", url=profile, handle="ann")
    elsewhere = _m("rss", "5", "Acme on Instagram", url=profile, handle="feedbot")
    keep, copies = index.split([again, elsewhere])
    assert keep == [] and sorted(c.id for c, _ in copies) == ["brandwatch:4", "rss:5"]


def test_one_mastodon_status_through_two_instances_is_one_post(tmp_path):
    """Each instance gives the author its own local id, but the status's home URL and text are the same."""
    store = SqliteStore(tmp_path / "g.db")
    index = CopyIndex(store)
    url = "https://mastodon.social/@ann/111"
    home = Mention(source="mastodon", native_id="111", text="Pulse overheating again", url=url, brand="Lumora",
                   author=Author(id="7", handle="ann"), created_at=datetime(2026, 11, 1, tzinfo=UTC))
    keep, _ = index.split([home])
    assert all(r.ok for r in store.upsert(keep))
    index.remember(keep)
    federated = home.model_copy(update={"native_id": "98765", "id": "mastodon:98765",
                                        "author": Author(id="4242", handle="ann@mastodon.social")})
    keep, copies = index.split([federated])
    assert keep == [] and copies == [(federated, "mastodon:111")]
