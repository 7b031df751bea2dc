"""Bluesky posts keep what their record says beyond the text: the post they quote (`extra.quote_of`, as X's) and
their links' full URLs (the text shows them cut: "open.substack.com/pub/christac..."; the facet has the URI)."""

from __future__ import annotations

import json

import pytest
import yaml
from bluesky_replay import bluesky_tape, convert_bskyr
from extractor_support import Reply

from extractors.base import Window
from extractors.bluesky import BlueskyExtractor, native_post_id

SEARCH = "/xrpc/app.bsky.feed.searchPosts"
QUOTES = ("app.bsky.embed.record", "app.bsky.embed.recordWithMedia")


@pytest.mark.network_fixture
def test_recorded_quotes_and_cut_links(recordings, tmp_path):
    source = recordings / "bluesky" / "bskyr" / "f_search.yml"
    convert_bskyr(source, tmp_path / "f_search.json")
    raw = json.loads(yaml.safe_load(source.read_text())["http_interactions"][0]["response"]["body"]["string"])
    records = {native_post_id(p["uri"]): p["record"] for p in raw["posts"]}
    with bluesky_tape(tmp_path).use_cassette("f_search.json"):
        ex = BlueskyExtractor({"base_url": "https://bsky.social", "max_pages": 1})
        mentions = {m.native_id: m for b in ex.extract("c", "redistricting", None, Window()) for m in b.mentions}
    assert set(mentions) == set(records)

    embeds = {i: r["embed"] for i, r in records.items() if (r.get("embed") or {}).get("$type") in QUOTES}
    quoted = {i: e["record"].get("uri") or e["record"]["record"]["uri"] for i, e in embeds.items()}
    assert quoted  # the recording has quote posts
    assert {i: m.extra.get("quote_of") for i, m in mentions.items() if "quote_of" in m.extra} == {
        i: f"bluesky:{native_post_id(uri)}" for i, uri in quoted.items()
    }

    links = {i: [f["features"][0]["uri"] for f in r.get("facets") or [] if f["features"][0]["$type"].endswith("#link")]
             for i, r in records.items()}
    cut = {i for i, uris in links.items() if any(u not in records[i]["text"] for u in uris)}
    assert cut  # the recording has posts whose text shows a link cut short (some after an emoji: UTF-8 offsets)
    assert {i: [u for u in uris if u not in mentions[i].text] for i, uris in links.items() if uris} == {
        i: [] for i, uris in links.items() if uris
    }
    for i in cut:  # nothing else of the text changed
        before = records[i]["text"].encode()
        for f in sorted(records[i]["facets"], key=lambda f: -f["index"]["byteStart"]):
            uri = f["features"][0].get("uri")
            if uri:
                before = before[: f["index"]["byteStart"]] + uri.encode() + before[f["index"]["byteEnd"] :]
        assert mentions[i].text == before.decode()


def _post(rkey, text, facets=(), embed=None):
    record = {"$type": "app.bsky.feed.post", "text": text, "createdAt": "2026-11-01T10:00:00.000Z",
              "facets": list(facets)}
    if embed:
        record["embed"] = embed
    return {"uri": f"at://did:plc:abc/app.bsky.feed.post/{rkey}", "cid": "bafyrei" + rkey,
            "author": {"did": "did:plc:abc", "handle": "ann.bsky.social"}, "record": record,
            "indexedAt": "2026-11-01T10:00:00.000Z"}


def _link(text, shown, uri):
    start = text.encode().index(shown.encode())
    return {"index": {"byteStart": start, "byteEnd": start + len(shown.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}


def test_quote_with_media_emoji_and_cjk_offsets_and_anchor_text(server, policy):
    """Shapes the recording lacks, as the lexicons define them, from a local server."""
    uri = "https://example.com/reviews/acme-phone-2026-long-review"
    text = "🔥 アクメ acme 評価 example.com/reviews/acme-ph... and our notes 😀"
    anchor = "Acme notes: read our review"
    strong = {"uri": "at://did:plc:xyz/app.bsky.feed.post/q1", "cid": "bafyreiq1"}
    posts = [
        _post("p1", text, [_link(text, "example.com/reviews/acme-ph...", uri)],
              {"$type": "app.bsky.embed.recordWithMedia",
               "record": {"$type": "app.bsky.embed.record", "record": strong},
               "media": {"$type": "app.bsky.embed.images", "images": []}}),
        _post("p2", anchor, [_link(anchor, "our review", uri)],  # written words linked: kept as written
              {"$type": "app.bsky.embed.record",
               "record": {"uri": "at://did:plc:xyz/app.bsky.feed.generator/acme-feed", "cid": "bafyreif"}}),
        _post("p3", "acme " + text, [_link(text, "example.com/reviews/acme-ph...", uri)]),  # offsets off by 5
    ]
    server.route(SEARCH, Reply(200, {"posts": posts}))
    ex = BlueskyExtractor({"base_url": server.base})
    ex.retry = policy
    mentions = {m.native_id.rsplit("/", 1)[1]: m for b in ex.extract("b", "acme", None, Window()) for m in b.mentions}
    assert mentions["p1"].text == text.replace("example.com/reviews/acme-ph...", uri)
    assert mentions["p1"].extra["quote_of"] == "bluesky:did:plc:xyz/q1"
    assert mentions["p2"].text == anchor and "quote_of" not in mentions["p2"].extra  # a feed is no post
    assert mentions["p3"].text == "acme " + text  # a facet not on the link it names is left alone
