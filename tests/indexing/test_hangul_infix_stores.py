"""Hangul infix searches (`*과열`) give the matcher's answer on both stores (SQLite, Elasticsearch on a real node):
충전중과열됨 is found by *과열 and not by 과열, with other terms, under NOT, in phrases and NEAR, in decomposed text,
and highlighted where the infix stands (docs/query-language.md, "Hangul infixes"). Every expectation is the
matcher's (`Query.matches`), computed here, plus the review's cases by hand."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from store_support import STORES

from dashboards.web.highlight import segments_for
from indexing.base import Filters, Store

T0 = datetime(2026, 4, 5, tzinfo=UTC)

# (key, text, lang): 과열 ("overheating") alone, starting a word, inside unspaced compounds, in decomposed jamo,
# next to compatibility jamo, in hashtags, and lookalikes that must stay apart.
POSTS = [
    ("compound", "충전중과열됨 루모라 펄스", "ko"),
    ("starts", "과열됨 진짜 루모라", "ko"),
    ("word", "배터리 과열 문제", "ko"),
    ("latin-next", "Lumora 배터리과열ㅠㅠ", "ko"),
    ("decomposed", unicodedata.normalize("NFD", "폰이 충전중과열됨"), "ko"),
    ("phrase", "새 배터리 충전과열 심함", "ko"),
    ("near", "충전과열 아주 새 배터리 교체", "ko"),
    ("other-heat", "열정 가득한 리뷰 lumora", "ko"),
    ("spaced", "과 열 됨", "ko"),
    # The hashtags' own units are sorted after the words (core/query/document.py): #배터리 #충전과열. A phrase of
    # two infixes must not find them side by side there, where the post has them the other way round.
    ("tags", "#충전과열 #배터리 루모라", "ko"),
    ("english", "Lumora overheating again", "en"),
]
QUERIES = [
    "*과열",
    "*과열*",
    "*과열됨",  # three syllables: the SQLite trigram index answers it alone (exact)
    "*과열 AND lumora",
    "*과열 AND LUMORA",
    "NOT *과열",
    "lumora -*과열",
    '"배터리 *과열"',
    "*과열 NEAR/3 배터리",
    '"*터리 *과열"',
    "*전과 OR overheating",
    unicodedata.normalize("NFD", "*과열"),
    "＊과열",
]


def _want(query: str) -> set[str]:
    return matcher_ids(POSTS, query)


@pytest.fixture(scope="module", params=STORES)
def infix_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("infix"), corpus(POSTS, T0))


def _ids(*keys: str) -> set[str]:
    return {f"import:{k}" for k in keys}


def test_the_matcher_finds_hangul_inside_compounds_only_when_asked() -> None:
    """The review's cases: 충전중과열됨 is found by *과열 and not by 과열; 과열됨 by both."""
    inside = _ids("compound", "starts", "word", "latin-next", "decomposed", "phrase", "near", "tags")
    assert _want("*과열") == _want("*과열*") == _want("＊과열") == inside
    assert _want(unicodedata.normalize("NFD", "*과열")) == inside
    assert _want("과열") == _ids("starts", "word")
    assert _want("*과열 AND lumora") == _want("*과열 AND LUMORA") == _ids("latin-next")
    assert _want("NOT *과열") == _ids("other-heat", "spaced", "english")
    assert _want('"*터리 *과열"') == _ids("word", "phrase")  # not "tags": it has #충전과열 before #배터리
    for query in QUERIES:
        assert 0 < len(_want(query)) < len(POSTS), query


@pytest.mark.parametrize("query", QUERIES)
def test_hangul_infixes_find_what_the_matcher_finds(infix_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(infix_store, POSTS, query)


def test_only_the_infix_finds_the_compound_on_every_store(infix_store: Store) -> None:
    """충전중과열됨 is found by *과열, not by 과열; 과열됨 by both."""
    found = {q: {m.native_id for m in infix_store.iter_mentions(Filters(text=q))} for q in ("*과열", "과열")}
    assert {"compound", "decomposed", "starts"} <= found["*과열"]
    assert "starts" in found["과열"] and not {"compound", "decomposed"} & found["과열"]
    assert_store_finds_what_the_matcher_finds(infix_store, POSTS, "과열")


def test_a_hit_marks_the_infix_on_every_store(infix_store: Store) -> None:
    hits = {h.mention.native_id: h for h in infix_store.search(Filters(text="*과열 AND lumora"), size=10).hits}
    assert set(hits) == {"latin-next"}
    shown = segments_for(hits["latin-next"].mention.text, hits["latin-next"].highlight, "*과열 AND lumora")
    assert [s["text"] for s in shown if s["hit"]] == ["Lumora", "과열"]
    (hit,) = [h for h in infix_store.search(Filters(text="*과열"), size=20).hits if h.mention.native_id == "compound"]
    shown = segments_for(hit.mention.text, hit.highlight, "*과열")
    assert shown[:3] == [{"text": "충전중", "hit": False}, {"text": "과열", "hit": True},
                         {"text": "됨 루모라 펄스", "hit": False}]
