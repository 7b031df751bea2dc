"""Invisible characters inside words, Arabic clitics on Latin names, harakat, tatweel and ʼ give the matcher's answer
on both stores (SQLite, Elasticsearch on a real node), and a store written before search document format 5 answers
so once opened (SQLite rebuilds its FTS index, Elasticsearch fills `text_folded_v5`). Review s66 "text", findings 1,
5 and 9; docs/query-language.md, "Invisible characters". Every expectation is the matcher's (`Query.matches`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from old_search_format import assert_answers, es_in_old_format, sqlite_in_old_format
from store_support import STORES

from core.mention import Mention
from core.query.emoji import SYMBOL_TOKEN
from core.query.text import _HANGUL, _HARAKAT, _NOSPACE, HASHTAG_PATTERN, MARKS, fold
from indexing.base import Filters, Store

T0 = datetime(2026, 4, 4, tzinfo=UTC)
SHY, ZWSP, ZWNJ, ZWJ, WJ, BOM = "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"

# (key, text, lang): the review's posts, the characters that must stay, and lookalikes each query must leave out.
POSTS = [
    ("de-shy-title", f"Lu{SHY}mora ruft Kopfhörer zurück", "de"),
    ("de-shy-words", f"Die Rück{SHY}ruf{SHY}aktion betrifft Lumo{SHY}ra Pulse", "de"),
    ("de-entity-shy", f"Akku{SHY}probleme bei Lu{SHY}mora Pulse", "de"),
    ("en-zwsp", f"Lum{ZWSP}ora news", "en"),
    ("en-zwj", f"Lum{ZWJ}ora Pulse broke", "en"),
    ("en-zwnj", f"Lum{ZWNJ}ora Pulse broke", "en"),
    ("en-wj-bom", f"{BOM}Lumora{WJ} Pul{WJ}se", "en"),
    ("en-hashtag-zwsp", f"love it #Lum{ZWSP}ora", "en"),
    ("en-split", "Lum ora news", "en"),
    ("en-plain", "Lumora Pulse is fine", "en"),
    ("ru-shy", f"Люм{SHY}ора Пульс перегрелся", "ru"),
    ("ko-zwsp", f"루{ZWSP}모라 배터리", "ko"),
    ("ar-al-tatweel", "اشتريت الـLumora Pulse والبطارية ممتازة", "ar"),
    ("ar-al", "بطارية الLumora سيئة جدا", "ar"),
    ("ar-wa", "وLumora أفضل من غيرها", "ar"),
    ("ar-harakat", "لُومُورَا رائعة", "ar"),
    ("ar-tatweel", "لومـــورا رائعة", "ar"),
    ("ar-plain", "لومورا رائعة", "ar"),
    ("ar-other", "لومار رائعة", "ar"),
    ("it-modifier-apostrophe", "Il servizio dellʼApple è lento", "it"),
    ("it-apostrophe", "Il servizio dell'Apple è lento", "it"),
    ("it-pineapple", "Una pineapple pizza", "it"),
    ("fa-zwnj", f"من می{ZWNJ}خواهم Lumora", "fa"),
    ("en-emoji-zwj", f"dev 👩{ZWJ}💻 on Lumora", "en"),
]
QUERIES = [
    "Lumora",
    "#lumora",
    "lumo*",
    '"Lumora Pulse"',
    "Lumora NEAR/1 Pulse",
    "Rückruf*",
    "Rückrufaktion",
    "Akkuprobleme",
    "aktion",
    "Люмора",
    "루모라",
    "لومورا",
    "لُومُورَا",
    "رائعة AND NOT لومار",
    "apple",
    '"dell apple"',
    "خواهم",
    f"می{ZWNJ}خواهم",
    f"👩{ZWJ}💻",
    "ora",
]


def _corpus() -> list[Mention]:
    return corpus(POSTS, T0)


def _want(query: str) -> set[str]:
    return matcher_ids(POSTS, query)


@pytest.fixture(scope="module", params=STORES)
def invisible_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("invisible"), _corpus())


def test_the_matcher_finds_what_a_person_reads() -> None:
    """The review's cases: every Lumora post is found, whatever sits inside the word; the lookalikes are not."""
    lumora = _want("Lumora")
    assert lumora >= {f"import:{k}" for k in ("de-shy-title", "de-shy-words", "de-entity-shy", "en-zwsp", "en-zwj",
                                               "en-zwnj", "en-wj-bom", "en-hashtag-zwsp", "ar-al-tatweel", "ar-al",
                                               "ar-wa")}
    assert "import:en-split" not in lumora and _want("ora") == {"import:en-split"}
    assert _want("#lumora") == {"import:en-hashtag-zwsp"}
    assert _want("Rückruf*") == _want("Rückrufaktion") == {"import:de-shy-words"} and not _want("aktion")
    arabic = {f"import:{k}" for k in ("ar-harakat", "ar-tatweel", "ar-plain")}
    assert _want("لومورا") == _want("لُومُورَا") == arabic
    assert _want("apple") == {"import:it-modifier-apostrophe", "import:it-apostrophe"}
    assert _want("خواهم") == _want(f"می{ZWNJ}خواهم") == {"import:fa-zwnj"}  # ZWNJ kept: as before
    assert _want(f"👩{ZWJ}💻") == {"import:en-emoji-zwj"}  # the emoji's ZWJ kept
    for query in QUERIES:
        assert 0 < len(_want(query)) < len(POSTS) or query == "aktion", query


@pytest.mark.parametrize("query", QUERIES)
def test_queries_find_what_the_matcher_finds(invisible_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(invisible_store, POSTS, query)


def test_the_review_counts_on_the_store(invisible_store: Store) -> None:
    """`Filters(text="Rückruf*")` counted 0 on the stored post with soft hyphens, while `rück` and `aktion`
    counted 1."""
    assert invisible_store.count(Filters(text="Rückruf*")) == 1
    assert invisible_store.count(Filters(text="aktion")) == 0
    assert invisible_store.count(Filters(text="rück")) == 0


# Format 4, what stores wrote before: NFKC and case folding only, no Arabic split, harakat and tatweel kept.
_OLD_WORD = rf"(?:(?![{_NOSPACE}{_HANGUL}])\w)(?:(?![{_NOSPACE}{_HANGUL}])[\w{MARKS}])*"
_OLD_TOKEN = re.compile(rf"[{_NOSPACE}]|[{_HANGUL}]+|{_OLD_WORD}|{SYMBOL_TOKEN}")


def _old_document(text: str) -> str:
    """`core.query.document` format 4 (the words and #hashtags the posts above hold: they have no $ or @)."""
    def old_fold(token: str) -> str:
        return "".join(ch if ch in _HARAKAT else fold(ch) for ch in token)

    norm = unicodedata.normalize("NFKC", text).casefold()
    tags = sorted({"#" + old_fold(m.group(1)) for m in HASHTAG_PATTERN.finditer(norm)})
    return " ".join([old_fold(t) for t in _OLD_TOKEN.findall(norm)] + tags)


def test_the_old_document_is_the_old_format() -> None:
    """The stand-in for format 4 splits at the soft hyphen and keeps the clitic and harakat, so the upgrade tests
    below show the rebuild."""
    assert _old_document(f"Lu{SHY}mora وLumora لُومُورَا #Lum{ZWSP}ora") == "lu mora وlumora لُومُورَا lum ora #lum"


def test_an_sqlite_store_written_before_format_5_answers_once_opened(tmp_path) -> None:
    from indexing.sqlite import FTS_VERSION, SqliteStore

    path = tmp_path / "old.db"
    sqlite_in_old_format(path, _corpus(), _old_document, 8)  # the version before this document format

    reopened = SqliteStore(path)
    try:
        assert reopened._conn().execute("PRAGMA user_version").fetchone()[0] == FTS_VERSION
        assert_answers(reopened, QUERIES, _want)
    finally:
        reopened.close()


@pytest.mark.elasticsearch
def test_an_elasticsearch_index_written_before_format_5_answers_once_opened(es_url: str) -> None:
    """An index holding the format 4 search field (`text_folded_v4`) gets the current one filled on open."""
    corpus = _corpus()
    with es_in_old_format(es_url, corpus, _old_document, "text_folded_v4", T0) as store:
        assert_answers(store, QUERIES, _want)
        assert store.get([corpus[0].id]) == [corpus[0]]  # neither search field leaks into the Mention
