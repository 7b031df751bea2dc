"""@handle queries give the matcher's answer on both stores (SQLite, Elasticsearch on a real node) when a title,
particle or other script follows or precedes the handle (`@lumora_kr님`, `@lumora_jpさん`, `の@lumora_jpに`):
core/query/handles.py ends a handle where the script changes, and the stores' search document holds the same
handles (core/query/document.py `sigil_tokens`). Every expectation is the matcher's (`Query.matches`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from store_support import STORES

from core.query.document import search_document
from dashboards.web.highlight import segments_for
from indexing.base import Filters, Store

T0 = datetime(2026, 5, 6, tzinfo=UTC)

POSTS = [
    ("ko-title", "@lumora_kr님 배터리가 또 과열됐어요", "ko"),
    ("ko-space", "@lumora_kr 배터리가 또 과열됐어요", "ko"),
    ("ko-particle", "@Lumora의 새 제품 좋아요", "ko"),
    ("ja-san", "@lumora_jpさん、バッテリーが熱いです", "ja"),
    ("ja-before", "の@lumora_jpに到着を待っている", "ja"),
    ("zh", "@lumora_cn你好，电池坏了", "zh"),
    ("longer", "@lumora_krx 님", "ko"),  # another account: never @lumora_kr
    ("accent", "@lumoraé fans", "fr"),  # no X or Mastodon mention; word characters on sites without accounts
    ("mail", "write to bob@lumora.com", "en"),
    ("hangul-handle", "@삼성전자 답변 주세요", "ko"),
    ("plain", "lumora_kr 배터리", "ko"),
]
QUERIES = ["@lumora_kr", "@lumora_jp", "@lumora", "@lumorae", "@lumora_cn", "@lumora_krx", "@삼성전자",
           "@lumora_kr OR @lumora_jp", "@lumora_kr AND 배터리", "lumora_kr NOT @lumora_kr"]


def test_the_matcher_reads_the_handle_before_the_particle() -> None:
    def ids(*keys: str) -> set[str]:
        return {f"import:{k}" for k in keys}

    assert matcher_ids(POSTS, "@lumora_kr") == ids("ko-title", "ko-space")
    assert matcher_ids(POSTS, "@lumora_jp") == ids("ja-san", "ja-before")
    assert matcher_ids(POSTS, "@lumora") == ids("ko-particle")
    assert matcher_ids(POSTS, "@lumorae") == ids("accent")  # 'lumoraé' folded, read as on sites without accounts
    assert matcher_ids(POSTS, "lumora_kr NOT @lumora_kr") == ids("plain")
    assert "@lumora_kr" in search_document(POSTS[0][1]).split()
    for query in QUERIES:
        assert matcher_ids(POSTS, query), query


@pytest.fixture(scope="module", params=STORES)
def handle_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("handles"), corpus(POSTS, T0))


@pytest.mark.parametrize("query", QUERIES)
def test_handle_queries_find_what_the_matcher_finds(handle_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(handle_store, POSTS, query)


def test_a_hit_marks_the_handle_without_its_particle(handle_store: Store) -> None:
    hits = {h.mention.native_id: h for h in handle_store.search(Filters(text="@lumora_kr"), size=10).hits}
    hit = hits["ko-title"]
    shown = segments_for(hit.mention.text, hit.highlight, "@lumora_kr")
    assert [s["text"] for s in shown if s["hit"]] == ["@lumora_kr"]
