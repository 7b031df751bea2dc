"""What an RSS entry becomes, from a real local HTTP server through feedparser: a plain-text title keeps its `<` and
`>`, a date in a named zone is that zone's time (or the entry is skipped with a reason, never silently read as UTC),
a relative link is resolved against the feed's URL, and an item longer than one row may be is skipped with a reason.
"""

from __future__ import annotations

import hashlib

from extractor_support import Reply

from extractors.base import Window
from extractors.import_file import MAX_ROW_BYTES
from extractors.rss import RssExtractor


def _item(guid: str, title: str, date: str = "Wed, 10 Jun 2026 10:00:00 GMT", link: str = "", desc: str = "") -> str:
    return (f"<item><guid isPermaLink='false'>{guid}</guid><title>{title}</title><pubDate>{date}</pubDate>"
            + (f"<link>{link}</link>" if link else "") + (f"<description>{desc}</description>" if desc else "")
            + "</item>")  # fmt: skip


def _read(server, policy, *items: str, **options):
    body = "<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>" + "".join(items) + "</channel></rss>"
    server.route("/news/feed.xml", Reply(200, body, {"Content-Type": "application/rss+xml"}))
    extractor = RssExtractor({"urls": [server.base + "/news/feed.xml"], **options})
    extractor.retry = policy
    batches = list(extractor.extract("b", "acme", None, Window()))
    mentions = {m.text.split("\n")[0]: m for b in batches for m in b.mentions}
    return mentions, [r for b in batches for r in b.skipped]


def test_a_plain_text_title_keeps_what_stands_between_lt_and_gt(server, policy):
    mentions, _ = _read(server, policy, _item("g1", "Is 5 &lt; 6? acme &gt; rivals, says CEO"))
    assert list(mentions) == ["Is 5 < 6? acme > rivals, says CEO"]
    # A title feedparser marks as HTML still loses its markup.
    mentions, _ = _read(server, policy, _item("g2", "&lt;b&gt;acme&lt;/b&gt; wins"))
    assert list(mentions) == ["acme wins"]


def test_named_zones_are_read_as_their_offsets_and_ambiguous_ones_are_never_guessed(server, policy):
    items = [_item(z, f"acme {z}", f"Wed, 10 Jun 2026 {h} {z}") for z, h in
             [("CEST", "10:00:00"), ("KST", "18:00:00"), ("BST", "10:00:00"), ("GMT", "10:00:00"), ("EST", "10:00:00"),
              ("IST", "15:30:00"), ("CST", "18:00:00")]]  # fmt: skip
    mentions, skipped = _read(server, policy, *items)
    times = {text: m.created_at.strftime("%H:%M") for text, m in mentions.items()}
    assert times == {"acme CEST": "08:00", "acme KST": "09:00", "acme BST": "09:00", "acme GMT": "10:00",
                     "acme EST": "15:00", "acme CST": "00:00"}  # fmt: skip
    assert len(skipped) == 1 and all("not guessed" in r and "options.time_zones" in r for r in skipped)
    assert any("IST" in r and "India +05:30" in r for r in skipped)
    # The feed's owner says what it means: read as that offset.
    mentions, skipped = _read(server, policy, *items, time_zones={"ist": "+05:30", "CST": "+08:00"})
    assert not skipped
    assert mentions["acme IST"].created_at.strftime("%H:%M") == "10:00"
    assert mentions["acme CST"].created_at.strftime("%H:%M") == "10:00"


def test_a_relative_link_is_resolved_against_the_feed_url_and_ids_stay(server, policy):
    mentions, _ = _read(server, policy, _item("g8", "acme relative", link="/news/8"),
                        _item("g9", "acme sibling", link="9.html"), _item("g10", "acme abs", link="https://n.example/10"))
    assert mentions["acme relative"].url == server.base + "/news/8"
    assert mentions["acme sibling"].url == server.base + "/news/9.html"
    assert mentions["acme abs"].url == "https://n.example/10"
    # A permalink guid (RSS's default) is the entry's link and its id: the link is resolved, the id is as before.
    permalink = "<item><guid>/p/11</guid><title>acme permalink</title><pubDate>Wed, 10 Jun 2026 10:00:00 GMT</pubDate>"
    mentions, _ = _read(server, policy, permalink + "</item>")
    assert mentions["acme permalink"].url == server.base + "/p/11"
    feed = server.base + "/news/feed.xml"
    assert mentions["acme permalink"].native_id == hashlib.sha1(f"{feed}|/p/11".encode()).hexdigest()[:20]


def test_an_item_longer_than_one_row_may_be_is_skipped_with_its_size(server, policy):
    big = "acme " + "x" * MAX_ROW_BYTES
    mentions, skipped = _read(server, policy, _item("big", "acme big", desc=big), _item("ok", "acme ok"))
    assert list(mentions) == ["acme ok"]
    (reason,) = skipped
    assert f"longer than the limit of one item ({MAX_ROW_BYTES} bytes)" in reason
