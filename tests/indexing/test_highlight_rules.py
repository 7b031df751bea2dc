"""A hit marks exactly what the query matched, by the query's own rules, on every store: `Люмора~ru` found Люморе,
Люморы and Люморой but marked none of them; `app` marked Dis[app]ointed and h[app]y (a bare substring); a long
post's snippet was cut by characters, halving a family emoji. Each test runs on both stores (Elasticsearch on the
real test node), through the store's search and the dashboard's segments.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from test_store_contract import STORES, _open_store

from core.mention import Mention
from dashboards.web.highlight import segments_for
from indexing.base import Filters, Store
from indexing.snippet import WIDTH

T0 = datetime(2026, 1, 10, tzinfo=UTC)
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # 👨‍👩‍👧: one picture, five code points
THUMB = "\U0001f44d\U0001f3fd"  # 👍🏽
FLAG = "\U0001f1f0\U0001f1f7"  # 🇰🇷


@pytest.fixture(params=STORES)
def empty_store(request, tmp_path) -> Iterator[Store]:
    yield from _open_store(request.param, request, tmp_path)


def _marks(store: Store, posts: list[str], query: str) -> dict[str, list[str]]:
    """Each matching post's marked words, from the store's snippet through the dashboard's segments."""
    mentions = [Mention(source="x", native_id=f"p{i}", text=text, created_at=T0, brands=["Lumora"], lang=None)
                for i, text in enumerate(posts)]
    assert all(r.ok for r in store.upsert(mentions))
    hits = store.search(Filters(text=query), size=50).hits
    return {h.mention.text: [str(s["text"]) for s in segments_for(h.mention.text, h.highlight, query) if s["hit"]]
            for h in hits}


def test_a_word_form_query_marks_every_form_it_found(empty_store: Store) -> None:
    posts = ["Купил Люмору вчера", "Писал о Люморе", "У Люморы батарея", "С Люморой беда", "Люмора хорошая",
             "Люмос не то"]
    marks = _marks(empty_store, posts, "Люмора~ru")
    assert marks == {"Купил Люмору вчера": ["Люмору"], "Писал о Люморе": ["Люморе"], "У Люморы батарея": ["Люморы"],
                     "С Люморой беда": ["Люморой"], "Люмора хорошая": ["Люмора"]}


def test_a_word_marks_the_word_not_the_words_containing_it(empty_store: Store) -> None:
    posts = ["Disappointed by the app, happy with the App!", "The appointment app crashed", "Lumora happy"]
    marks = _marks(empty_store, posts, "app")
    assert marks == {posts[0]: ["app", "App"], posts[1]: ["app"]}


def test_prefixes_hashtags_handles_and_hangul_mark_what_matched(empty_store: Store) -> None:
    posts = ["Overheating again, overheats daily, not overhead", "#Lumora fans and @lumora help, not lumora.com",
             "루모라는 최고, 루모라가 좋아"]
    assert _marks(empty_store, posts[:1], "overheat*") == {posts[0]: ["Overheating", "overheats"]}
    assert _marks(empty_store, posts[1:2], "#lumora OR @lumora") == {posts[1]: ["#Lumora", "@lumora"]}
    assert _marks(empty_store, posts[2:], "루모라") == {posts[2]: ["루모라", "루모라"]}  # the word, not its particle


@pytest.mark.parametrize("emoji", [FAMILY, THUMB, FLAG, "e\u0301"])
def test_a_long_posts_snippet_never_splits_what_reads_as_one_character(empty_store: Store, emoji: str) -> None:
    # The window starts WIDTH // 3 before the match and ends WIDTH after that: put the emoji across each cut.
    before, after = "word " * 40, " more" * 60
    cut_start = len(before) - WIDTH // 3
    text = before[: cut_start - 1] + emoji + before[cut_start - 1 + len(emoji):] + "battery" + after
    text = text[: cut_start - 1 + WIDTH] + emoji + text[cut_start - 1 + WIDTH + len(emoji):]
    assert text.count(emoji) == 2 and len(text) > WIDTH
    _write = empty_store.upsert([Mention(source="x", native_id="long", text=text, created_at=T0, brands=["Lumora"])])
    assert all(r.ok for r in _write)
    [hit] = empty_store.search(Filters(text="battery"), size=5).hits
    shown = hit.highlight.removeprefix("…").removesuffix("…").replace("<mark>", "").replace("</mark>", "")
    assert "battery" in hit.highlight and len(shown) <= WIDTH
    for piece in (shown[:len(emoji)], shown[-len(emoji):]):  # each end: the whole emoji or none of it
        assert not (set(piece) & set(emoji)) or piece == emoji, (piece, emoji)
