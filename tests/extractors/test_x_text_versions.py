"""X post texts as written: entities decoded once, a long post's whole text, one stored post per edit chain.

tweepy reads every body from a local server (as in test_x_extractor.py); the bodies are tweepy's recorded home
timeline (v2 default fields: id, text, edit_history_tweet_ids) unless a test says otherwise.
"""

from __future__ import annotations

import gzip
import html
import json

import yaml
from extractor_support import Reply, run_collection

from extractors.base import Window
from extractors.x import XExtractor
from indexing.sqlite import SqliteStore

SEARCH = "/2/tweets/search/recent"
ENV = {"X_BEARER_TOKEN": "test-token"}
ENTITIES = ("&amp;", "&lt;", "&gt;")


def home_timeline(recordings) -> dict:
    """tweepy's recorded home timeline body, served as one search page (its next_token dropped)."""
    cassette = yaml.safe_load((recordings / "twitter" / "test_client_get_home_timeline.yaml").read_text())
    raw = cassette["interactions"][0]["response"]["body"]["string"]
    body = json.loads(gzip.decompress(raw) if isinstance(raw, bytes) else raw)
    body["meta"].pop("next_token", None)
    return body


def make(server, policy) -> XExtractor:
    ex = XExtractor({"api_base_url": server.base}, env=ENV)
    ex.retry = policy
    return ex


def every_post(ex: XExtractor) -> list:
    """Every tweet of the page as a mention: an own-accounts read keeps them whatever the query."""
    return [m for b in ex.own_posts("b", "b", ["someone"], None, Window()) for m in b.mentions]


def test_recorded_texts_have_x_entities_decoded(server, policy, recordings):
    body = home_timeline(recordings)
    escaped = {t["id"]: t["text"] for t in body["data"] if any(e in t["text"] for e in ENTITIES)}
    assert escaped  # the recording has posts with "&amp;" and "&gt;"
    server.route(SEARCH, Reply(200, body))
    mentions = {m.native_id: m for m in every_post(make(server, policy))}
    assert set(escaped) <= set(mentions)
    # The recorded texts hold no "&" but these entities' own: html.unescape reads them the same, as an oracle.
    assert {i: mentions[i].text for i in escaped} == {i: html.unescape(t) for i, t in escaped.items()}
    assert not [m.text for m in mentions.values() if any(e in m.text for e in ENTITIES)]


def test_a_query_with_an_ampersand_finds_the_post_and_a_typed_entity_is_decoded_once(server, policy):
    page = {
        "data": [
            {"id": "1800000000000000001", "text": "Switching from AT&amp;T to Verizon, 5 &lt; 6 &gt; 4"},
            {"id": "1800000000000000002", "text": "AT&amp;T writes &amp;amp; in HTML and &amp;quot; too"},
        ],
        "meta": {"result_count": 2},
    }
    server.route(SEARCH, Reply(200, page))
    texts = sorted(m.text for b in make(server, policy).extract("b", '"AT&T"', None, Window()) for m in b.mentions)
    assert texts == ["AT&T writes &amp; in HTML and &quot; too", "Switching from AT&T to Verizon, 5 < 6 > 4"]


def test_a_long_post_is_read_whole_from_note_tweet(server, policy):
    """X's documented shape for a post over 280 characters: `text` cut, `note_tweet: {text, entities}` whole (served
    from a local server: the recordings hold no long post). Its retweet reads the whole original too."""
    head = "A long thread about phones, " * 10
    long = {
        "id": "1800000000000000010",
        "author_id": "7",
        "text": head[:270] + "… https://t.co/x",
        "note_tweet": {"text": head + "and only here we name Acme &amp; its rivals.", "entities": {"cashtags": []}},
        "edit_history_tweet_ids": ["1800000000000000010"],
    }
    retweet = {
        "id": "1800000000000000011",
        "text": "RT @ann: " + head[:100] + "…",
        "referenced_tweets": [{"type": "retweeted", "id": long["id"]}],
    }
    server.route(SEARCH, Reply(200, {"data": [long, retweet], "includes": {"tweets": [long]}, "meta": {}}))
    mentions = {m.native_id: m for b in make(server, policy).extract("b", "acme", None, Window()) for m in b.mentions}
    (sent,) = [params for path, params in server.requests if path == SEARCH]
    assert "note_tweet" in sent["tweet.fields"].split(",")
    whole = head + "and only here we name Acme & its rivals."
    assert mentions[long["id"]].text == whole
    assert mentions[retweet["id"]].text == whole and mentions[retweet["id"]].extra["repost_of"] == f"x:{long['id']}"


def _recorded_edit(recordings) -> dict:
    return next(t for t in home_timeline(recordings)["data"] if len(t["edit_history_tweet_ids"]) > 1)


def test_an_edited_post_is_stored_once_under_its_original_id_with_the_latest_text(server, recordings, tmp_path):
    edited = _recorded_edit(recordings)  # three versions; X sends the latest, with every id, oldest first
    first_id = edited["edit_history_tweet_ids"][0]
    first_words = edited["text"].split(". ")[0] + "."
    assert first_words != edited["text"]
    original = {"id": first_id, "text": first_words, "edit_history_tweet_ids": [first_id]}  # as read before the edit
    store = SqliteStore(tmp_path / "g.db")
    query = next(w for w in first_words.split() if w.isalpha() and len(w) > 3)  # a word of both versions
    for version in (original, edited):  # a run before the edit, one after it
        server.route(SEARCH, Reply(200, {"data": [version], "meta": {"result_count": 1}}))
        run_collection(XExtractor({"api_base_url": server.base}, env=ENV), store, "x", "b", query)
    (stored,) = list(store.iter_mentions())
    assert stored.id == f"x:{first_id}"
    assert stored.text == html.unescape(edited["text"])  # the latest version's text won
    assert stored.extra["version_id"] == edited["id"] and stored.url.endswith(f"/status/{edited['id']}")


def test_a_quote_of_an_edited_post_points_at_its_original_id(server, policy, recordings):
    edited = _recorded_edit(recordings)
    quote = {"id": "1800000000000000020", "text": "So true about acme",
             "referenced_tweets": [{"type": "quoted", "id": edited["id"]}]}
    # A history that does not name the tweet itself is not taken: that tweet keeps its own id.
    odd = {"id": "1800000000000000030", "text": "acme", "edit_history_tweet_ids": [edited["id"]]}
    server.route(SEARCH, Reply(200, {"data": [quote, odd], "includes": {"tweets": [edited]}, "meta": {}}))
    mentions = {m.native_id: m for b in make(server, policy).extract("b", "acme", None, Window()) for m in b.mentions}
    assert mentions[quote["id"]].extra["quote_of"] == f"x:{edited['edit_history_tweet_ids'][0]}"
    assert "version_id" not in mentions[odd["id"]].extra
