"""Hacker News paragraphs: HN marks them with an opening <p> only; each must stay a line of its own, not be glued
to the next ("A perennial HN favoritehttps://…"). Recorded Algolia hits (node-hacker-news-api) from a local server."""

from __future__ import annotations

import html
import json
import re

import pytest
from extractor_support import Reply

from extractors.base import Window
from extractors.hackernews import HackerNewsExtractor

BY_DATE = "/api/v1/search_by_date"
_P = re.compile(r"<p>", re.IGNORECASE)


def _hn(server, policy) -> HackerNewsExtractor:
    ex = HackerNewsExtractor({"base_url": server.base, "max_pages": 1})
    ex.retry = policy
    return ex


def _paragraphs(fragment: str) -> list[str]:
    """The paragraphs HN wrote, each without its tags and entities, white space as single spaces."""
    plain = (html.unescape(re.sub(r"<[^>]+>", "", chunk)) for chunk in _P.split(fragment))
    return [" ".join(p.split()) for p in plain if p.strip()]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.network_fixture
def test_recorded_paragraphs_are_lines(server, policy, recordings):
    items = json.loads((recordings / "hackernews" / "node-hacker-news-api" / "fixtures.json").read_text())
    replies = [item["reply"] for item in items if isinstance(item["reply"], dict)]
    hits = {h["objectID"]: h for reply in replies for h in reply.get("hits") or []}
    with_p = {oid: h for oid, h in hits.items() if _P.search(h.get("comment_text") or h.get("story_text") or "")}
    assert with_p  # the recording has comments and stories with several paragraphs
    server.route(BY_DATE, Reply(200, {"hits": list(hits.values()), "nbPages": 1, "nbHits": len(hits)}))
    # A word of each: the first plain one of its title or first paragraph (never glued on its left).
    words = {next(w for w in (h.get("title") or h["comment_text"]).split() if w.isalpha()) for h in with_p.values()}
    query = " OR ".join(sorted(words))
    mentions = {m.native_id: m for b in _hn(server, policy).extract("b", query, None, Window()) for m in b.mentions}
    for oid, hit in with_p.items():
        text = mentions[oid].text
        body = text if hit.get("comment_text") else text.split("\n\n", 1)[1]  # a story: title, blank line, body
        paragraphs = _paragraphs(hit.get("comment_text") or hit["story_text"])
        assert _flat(body) == " ".join(paragraphs), oid  # the words, and only them
        # Each paragraph starts a line (its raw text may wrap lines of its own: kept as they came).
        lines = [_flat(line) for line in body.split("\n")]
        for paragraph in paragraphs:
            assert any(_flat(" ".join(lines[i:])).startswith(paragraph) for i in range(len(lines))), (oid, paragraph)


def test_a_brand_at_a_paragraph_edge_is_found(server, policy):
    hit = {"objectID": "1", "created_at_i": 1_781_085_600, "_tags": ["comment"], "author": "a",
           "comment_text": "We moved our whole stack to Acme<p>Acme support answered in minutes<p>Would recommend"}
    server.route(BY_DATE, Reply(200, {"hits": [hit], "nbPages": 1, "nbHits": 1}))
    (m,) = [m for b in _hn(server, policy).extract("b", '"support answered"', None, Window()) for m in b.mentions]
    assert m.text.split("\n") == ["We moved our whole stack to Acme", "Acme support answered in minutes",
                                  "Would recommend"]
    assert [m for b in _hn(server, policy).extract("b", "acme", None, Window()) for m in b.mentions]
