"""Hacker News (Algolia bodies) and RSS (real feeds) served by a local HTTP server through the shared HTTP layer."""

from __future__ import annotations

import hashlib
import json
import logging

import pytest
from extractor_support import Reply, run_collection

from extractors.base import SourceError, Window
from extractors.hackernews import HackerNewsExtractor
from extractors.rss import RssExtractor
from indexing.sqlite import SqliteStore

BY_DATE = "/api/v1/search_by_date"


@pytest.fixture
def hn_fixtures(recordings, server):
    """Every recorded Algolia reply, served at its recorded path and query."""
    from urllib.parse import parse_qsl, urlsplit

    items = json.loads((recordings / "hackernews" / "node-hacker-news-api" / "fixtures.json").read_text())
    for item in items:
        parts = urlsplit(item["url"])
        server.route(parts.path, Reply(200, item["reply"]), params=dict(parse_qsl(parts.query)))
    return items


def hn(server, policy, **options):
    ex = HackerNewsExtractor({"base_url": server.base, "max_pages": 1, "hits_per_page": 1, **options})
    ex.retry = policy
    return ex


@pytest.mark.network_fixture
def test_hn_recorded_replies_local_query_decides(server, policy, hn_fixtures, tmp_path):
    store = SqliteStore(tmp_path / "g.db")
    stored, batches = run_collection(hn(server, policy, tags="(story)"), store, "hackernews", "apple", "apple")
    (story,) = [m for b in batches for m in b.mentions]
    assert story.text == "Judge says concerned about Apple, Google hiring settlement"
    assert story.url == "https://news.ycombinator.com/item?id=7919424" and story.author.handle == "bradleyjg"
    assert story.extra["link_url"].startswith("http://in.reuters.com/")
    assert json.loads(store.get_state("cursor:hackernews:apple")) == {"created_at_i": 1403235346}
    # Algolia's typo tolerance returned a comment about being "applauded": the local query drops it.
    batches = list(hn(server, policy, tags="(comment)").extract("apple", "apple", None, Window()))
    assert [m for b in batches for m in b.mentions] == []


def _hit(oid, text, ts):
    return {"objectID": str(oid), "title": text, "created_at_i": ts, "author": "pg", "points": 3, "_tags": ["story"]}


def test_hn_empty_page_mid_pagination_faults_and_cursor(server, policy, clock, tmp_path, caplog):
    pages = [
        Reply(500, "oops"),
        Reply(200, {"hits": [_hit(1, "Acme launches", 1_700_000_100)], "nbPages": 3, "page": 0}),
        Reply(200, {"hits": [], "nbPages": 3, "page": 1}),
        Reply(200, '{"hits": [{"objectID": "2", "tit'),  # truncated
        Reply(200, {"hits": [_hit(2, "Acme recalls", 1_700_000_000), {"objectID": "3"}], "nbPages": 3, "page": 2}),
    ]
    server.route(BY_DATE, *pages)
    store = SqliteStore(tmp_path / "g.db")
    with caplog.at_level(logging.WARNING):
        stored, batches = run_collection(hn(server, policy, max_pages=5, hits_per_page=50), store, "hn", "acme", "acme")
    assert stored == 2 and [p.get("page") for _, p in server.requests] == [None, None, "1", "2", "2"]
    assert clock.sleeps == [1.0, 1.0]
    assert "server error 500" in caplog.text and "malformed JSON" in caplog.text
    assert any("item 3" in reason for b in batches for reason in b.skipped)
    # Re-run: asks from the cursor's second on (a same-second hit indexed late), stores nothing twice.
    server.route(BY_DATE, Reply(200, {"hits": [_hit(1, "Acme launches", 1_700_000_100)], "nbPages": 1}))
    run_collection(hn(server, policy), store, "hn", "acme", "acme")
    assert server.requests[-1][1]["numericFilters"] == "created_at_i>=1700000100"
    assert store.count() == 2


def test_hn_hit_from_the_cursor_second_indexed_after_the_run_is_collected(server, policy, tmp_path):
    # Algolia indexes with a delay: a second hit from the very second of the cursor can appear after the run.
    store, second = SqliteStore(tmp_path / "g.db"), 1_700_000_100
    server.route(BY_DATE, Reply(200, {"hits": [_hit(1, "Acme launches", second)], "nbPages": 1}))
    run_collection(hn(server, policy), store, "hn", "acme", "acme")
    # Like Algolia, the test server answers the numeric filter it is sent: only `>=` reaches the late hit.
    late = {"hits": [_hit(1, "Acme launches", second), _hit(2, "Acme recalls", second)], "nbPages": 1}
    asked = {"hitsPerPage": "1", "tags": "(story,comment)", "query": "acme"}
    server.route(BY_DATE, Reply(200, late), params={**asked, "numericFilters": f"created_at_i>={second}"})
    server.route(BY_DATE, Reply(200, {"hits": [], "nbPages": 0}))
    stored, _ = run_collection(hn(server, policy), store, "hn", "acme", "acme")
    assert stored == 2 and store.count() == 2  # the late hit, and the first one again under its own id


def test_hn_unexpected_body_is_a_clear_error(server, policy):
    server.route(BY_DATE, Reply(200, {"message": "index not found"}))
    with pytest.raises(SourceError, match="without 'hits'"):
        list(hn(server, policy).extract("acme", "acme", None, Window()))


# -- RSS ----------------------------------------------------------------------------------------
def _serve(server, recordings, name, content_type="application/xml"):
    path = "/" + name.replace("/", "_")
    server.route(path, Reply(200, (recordings / "rss" / name).read_bytes(), {"Content-Type": content_type}))
    return server.base + path


def rss(policy, urls, **options):
    ex = RssExtractor({"urls": urls, **options})
    ex.retry = policy
    return ex


@pytest.mark.network_fixture
def test_rss_undeclared_encodings_decode_with_chardet(server, policy, recordings):
    urls = [
        _serve(server, recordings, f"feedparser/illformed/chardet/{name}.xml") for name in ("koi8r", "euckr", "gb2312")
    ]
    query = "пережить OR 한글 OR 漫画"
    batches = list(rss(policy, urls, undated="collected").extract("b", query, None, Window()))
    texts = [m.text for b in batches for m in b.mentions]
    # Marked so a store filing posts by month finds the entry again when a later collection dates it anew.
    assert all(m.dated_when_collected for b in batches for m in b.mentions)
    assert texts[0].startswith("Как пережить новогоднюю ночь")
    assert texts[1].startswith("EUC-KR 에서 TypeKey 한글닉네임 표시하기")
    assert texts[2] == "不归移民漫画系列：专业工作"
    # Without a date, the default is to skip and say why.
    skipped = [r for b in rss(policy, urls).extract("b", query, None, Window()) for r in b.skipped]
    assert len(skipped) == 3 and all("no readable date" in r for r in skipped)


@pytest.mark.network_fixture
def test_rss_real_feeds_cursor_and_rerun(server, policy, recordings, tmp_path):
    urls = [_serve(server, recordings, "rss-parser/guardian.rss"), _serve(server, recordings, "rss-parser/heise.atom")]
    store = SqliteStore(tmp_path / "g.db")
    stored, batches = run_collection(rss(policy, urls), store, "rss", "b", "trump OR java")
    mentions = [m for b in batches for m in b.mentions]
    assert stored == len(mentions) > 2
    assert {m.extra["feed"] for m in mentions} == set(urls)
    assert all(m.lang == "en" for m in mentions if m.extra["feed"] == urls[0])  # <language>en-gb</language>
    assert "<" not in "".join(m.text for m in mentions)  # HTML summaries become text
    cursor = json.loads(store.get_state("cursor:rss:b"))
    assert set(cursor) == set(urls)
    stored_again, _ = run_collection(rss(policy, urls), store, "rss", "b", "trump OR java")
    assert store.count() == stored  # re-reading the newest entries updates them, never duplicates


@pytest.mark.network_fixture
def test_rss_broken_feeds_are_reported_not_fatal(server, policy, recordings, caplog):
    broken = _serve(server, recordings, "feedparser/illformed/rss_incomplete_cdata.xml")
    undated = _serve(server, recordings, "rss-parser/uolNoticias.rss")
    server.route("/gone", Reply(404, "not here"))
    with caplog.at_level(logging.WARNING):
        batches = list(rss(policy, [broken, undated]).extract("b", "bolsonaro OR haddad", None, Window()))
    assert "is malformed" in caplog.text
    reasons = [r for b in batches for r in b.skipped]
    assert len(reasons) == 16  # 1 entry of the truncated feed + 15 with Portuguese day names feedparser cannot date
    with pytest.raises(SourceError, match="404"):
        list(rss(policy, [server.base + "/gone"]).extract("b", "x", None, Window()))


def test_rss_local_file_and_server_error_retry(server, policy, clock, tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text(
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title><language>ko</language>'
        "<item><title>삼성은 새 폰을 발표했다</title><link>https://n.example/1</link>"
        "<pubDate>Sun, 01 Nov 2026 10:00:00 GMT</pubDate></item></channel></rss>",
        encoding="utf-8",
    )
    server.route("/f", Reply(503, "busy"), Reply(200, feed.read_bytes()))
    for url in (str(feed), server.base + "/f"):
        (m,) = [m for b in rss(policy, [url]).extract("b", "삼성", None, Window()) for m in b.mentions]
        assert m.lang == "ko" and m.url == "https://n.example/1"
    assert clock.sleeps == [1.0]


def _live_feed(server, path="/live.xml"):
    """A one-entry RSS feed served at `path`; returns its URL."""
    body = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><guid>live-1</guid>'
        "<title>Acme news</title><pubDate>Mon, 02 Jun 2025 10:00:00 GMT</pubDate></item></channel></rss>"
    )
    server.route(path, Reply(200, body, {"Content-Type": "application/rss+xml"}))
    return server.base + path


@pytest.mark.parametrize(
    ("status", "words"), [(404, "rejected (404)"), (410, "rejected (410)"), (401, "not authorised"), (403, "(403)")]
)
def test_rss_a_dead_feed_is_skipped_and_the_feeds_after_it_are_read(server, policy, status, words):
    server.route("/dead.xml", Reply(status, "gone"))
    live = _live_feed(server)
    batches = list(rss(policy, [server.base + "/dead.xml", live]).extract("b", "acme", None, Window()))
    assert [m.text for b in batches for m in b.mentions] == ["Acme news"]
    (reason,) = [r for b in batches for r in b.skipped]
    assert f"rss {server.base}/dead.xml: " in reason and words in reason and "cursor stays" in reason
    assert [path for path, _ in server.requests] == ["/dead.xml", "/live.xml"]


def test_rss_a_feed_down_after_its_retries_keeps_its_cursor_entry(server, policy, clock, tmp_path):
    down, live = server.base + "/down.xml", _live_feed(server)
    server.route("/down.xml", Reply(503, "busy"))
    store = SqliteStore(tmp_path / "g.db")
    store.set_state("cursor:rss:b", json.dumps({down: "2025-05-01T00:00:00+00:00"}))
    stored, batches = run_collection(rss(policy, [down, live]), store, "rss", "b", "acme")
    assert stored == 1 and clock.sleeps == [1.0, 2.0, 4.0]  # retried, then given up for this run
    assert any("giving up after 4 attempts: server error 503" in r for b in batches for r in b.skipped)
    cursor = json.loads(store.get_state("cursor:rss:b"))
    assert cursor[down] == "2025-05-01T00:00:00+00:00"  # as saved (by a version that kept no ids)
    assert set(cursor) == {down, live} and cursor[live]["at"] == "2025-06-02T10:00:00+00:00"


def test_rss_every_feed_failing_is_a_source_error_naming_each(server, policy):
    server.route("/a.xml", Reply(404, "gone"))
    server.route("/b.xml", Reply(403, "forbidden"))
    with pytest.raises(SourceError, match=r"all 2 feeds failed: .*/a\.xml: request rejected \(404\).*/b\.xml"):
        list(rss(policy, [server.base + "/a.xml", server.base + "/b.xml"]).extract("b", "acme", None, Window()))


def test_rss_a_feed_url_token_never_reaches_an_error_or_skip_reason(server, policy):
    server.route("/private.atom", Reply(403, "forbidden"))
    private = server.base.replace("://", "://reader:pa55word@") + "/private.atom?token=ghp_S3cr3tT0kenValue"
    batches = list(rss(policy, [private, _live_feed(server)]).extract("b", "acme", None, Window()))
    (reason,) = [r for b in batches for r in b.skipped]
    assert f"rss {server.base}/private.atom: not authorised (403)" in reason
    with pytest.raises(SourceError) as failed:
        list(rss(policy, [private]).extract("b", "acme", None, Window()))
    for shown in (reason, str(failed.value)):
        assert "S3cr3t" not in shown and "pa55word" not in shown and "token" not in shown


def test_rss_a_feed_url_token_never_reaches_a_stored_mention_and_ids_and_cursor_keys_stay(server, policy, tmp_path):
    # Stored mentions are exported, shown on dashboards and shared: extra.feed kept the private feed's token.
    private = _live_feed(server, "/private.xml") + "?token=ghp_S3cr3tT0kenValue"
    store = SqliteStore(tmp_path / "g.db")
    run_collection(rss(policy, [private]), store, "rss", "b", "acme")
    (mention,) = store.iter_mentions()
    assert "S3cr3t" not in mention.model_dump_json() and mention.extra["feed"] == server.base + "/private.xml"
    # The id and the cursor's key still derive from the full URL: changed, every stored entry would come
    # again under a new id after an upgrade, and every feed would lose its cursor.
    assert mention.native_id == hashlib.sha1(f"{private}|live-1".encode()).hexdigest()[:20]
    assert set(json.loads(store.get_state("cursor:rss:b"))) == {private}


def test_pipeline_collect_twice_stores_each_mention_once(server, tmp_path):
    """Through groundswell.pipeline.collect (what the CLI and Airflow call), not a test loop."""
    from groundswell.config import parse_config
    from groundswell.pipeline import collect

    server.route(BY_DATE, Reply(200, {"hits": [_hit(1, "Acme launches", 1_700_000_100), _hit(2, "Other", 1)]}))
    config = parse_config(
        {
            "brands": [{"name": "acme", "query": "acme"}],
            "sources": [{"type": "hackernews", "options": {"base_url": server.base, "max_pages": 1}}],
            "store": {"type": "sqlite", "path": str(tmp_path / "g.db")},
            "report": {"path": str(tmp_path / "report.html")},
        }
    )
    store = SqliteStore(tmp_path / "g.db")
    first = collect(config, store)
    second = collect(config, store)
    assert first.errors == {} and second.errors == {}
    assert first.stored == 1 and store.count() == 1
    assert json.loads(store.get_state("cursor:hackernews:acme")) == {"created_at_i": 1_700_000_100}


def test_rss_a_feed_url_requests_refuses_is_skipped_too(server, policy):
    # requests raises InvalidURL before any request: not a retryable fault, it used to escape unclassified.
    batches = list(rss(policy, ["http://", _live_feed(server)]).extract("b", "acme", None, Window()))
    assert [m.text for b in batches for m in b.mentions] == ["Acme news"]
    (reason,) = [r for b in batches for r in b.skipped]
    assert "rss http://: request failed (InvalidURL)" in reason


def test_rss_a_public_feeds_time_is_not_given_to_its_private_twin():
    """A printed cursor names a feed without its query (`display_url`) and resumes it; but a configured feed that
    is itself that name keeps its time to itself: the private twin, never read, starts from nothing."""
    from extractors.rss import _by_feed  # lazy: the one private rule under test

    public, private = "https://tracker.example/activity.atom", "https://tracker.example/activity.atom?key=SECRET"
    assert _by_feed({public: "2026-11-20T00:00:00+00:00"}, [public, private]) == {public: "2026-11-20T00:00:00+00:00"}
    # A printed cursor (display names only) still resumes the private feed it names.
    assert _by_feed({public: "2026-11-20T00:00:00+00:00"}, [private]) == {private: "2026-11-20T00:00:00+00:00"}
