"""Handles that mix scripts, tags after an invisible character and Arabic words joined by `_` give the matcher's
answer on both stores (SQLite, Elasticsearch on a real node), and each hit marks what matched
(core/query/handles.py, core/query/text.py `FoldedText`, `_ARABIC_WORD`; the search document is format 5, not yet
released, so no new version). Review s66 "dtext", findings 1, 2 and 4. Every expectation is the matcher's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from store_support import STORES

from dashboards.web.highlight import segments_for
from indexing.base import Filters, Store

T0 = datetime(2026, 6, 1, tzinfo=UTC)

POSTS = [
    ("weibo", "致敬[心]//@Mr_凡先生:致敬[心]大家出门记得戴口罩", "zh"),
    ("vivo", "@vivo智能手机 新品发布", "zh"),
    ("samsung2", "@삼성2 최고", "ko"),
    ("sony", "@ソニー_jp さん", "ja"),
    ("xiaomi", "@小米_official 好", "zh"),
    ("ko-title", "@lumora님 감사합니다", "ko"),
    ("zwsp-hash", "great\u200b#lumora battery", "en"),
    ("wj-handle", "thanks\u2060@lumora", "en"),
    ("zwsp-cash", "buy\u200b$LMRA now", "en"),
    ("small-hash", "great\u200b\ufe5flumora", "en"),
    ("rlm-arabic", "شكرا\u200f#لومورا", "ar"),
    ("ar-underscore", "يحرقون حلب ثم يبكون اليمن .. #أحقر_الناس", "ar"),
    ("latin-underscore", "love #lumora_pulse", "en"),
    ("plain", "lumora is fine", "en"),
]
QUERIES = ["@Mr_凡先生", "@mr_", "@vivo智能手机", "@vivo", "@삼성2", "@삼성", "@ソニー_jp", "@小米_official", "@lumora",
           "#lumora", "$lmra", "#لومورا", "أحقر", "أحقر_الناس", "#أحقر_الناس", "lumora", "#lumora_pulse",
           "@lumora OR #lumora"]


def _ids(*keys: str) -> set[str]:
    return {f"import:{k}" for k in keys}


@pytest.fixture(scope="module", params=STORES)
def text2_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("text2"), corpus(POSTS, T0))


def test_the_matcher_reads_them_as_a_person_does() -> None:
    assert matcher_ids(POSTS, "@Mr_凡先生") == _ids("weibo")
    assert matcher_ids(POSTS, "@vivo智能手机") == _ids("vivo")
    assert matcher_ids(POSTS, "@삼성2") == _ids("samsung2") and not matcher_ids(POSTS, "@삼성")
    assert matcher_ids(POSTS, "@ソニー_jp") == _ids("sony")
    assert matcher_ids(POSTS, "@小米_official") == _ids("xiaomi")
    assert matcher_ids(POSTS, "@lumora") == _ids("ko-title", "wj-handle")
    assert matcher_ids(POSTS, "#lumora") == _ids("zwsp-hash", "small-hash")
    assert matcher_ids(POSTS, "أحقر") == set() == matcher_ids(POSTS, "#lumora") & _ids("latin-underscore")
    assert matcher_ids(POSTS, "#أحقر_الناس") == _ids("ar-underscore")


@pytest.mark.parametrize("query", QUERIES)
def test_queries_find_what_the_matcher_finds(text2_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(text2_store, POSTS, query)


@pytest.mark.parametrize(
    ("query", "key", "marked"),
    [
        ("#lumora", "zwsp-hash", "#lumora"),
        ("@lumora", "wj-handle", "@lumora"),
        ("$lmra", "zwsp-cash", "$LMRA"),
        ("#lumora", "small-hash", "\ufe5flumora"),
        ("#لومورا", "rlm-arabic", "#لومورا"),
        ("@Mr_凡先生", "weibo", "@Mr_凡先生"),
        ("@vivo智能手机", "vivo", "@vivo智能手机"),
        ("#أحقر_الناس", "ar-underscore", "#أحقر_الناس"),
    ],
)
def test_a_hit_marks_what_matched(text2_store: Store, query: str, key: str, marked: str) -> None:
    hits = {h.mention.native_id: h for h in text2_store.search(Filters(text=query), size=20).hits}
    hit = hits[key]
    shown = segments_for(hit.mention.text, hit.highlight, query)
    assert [s["text"] for s in shown if s["hit"]] == [marked]
