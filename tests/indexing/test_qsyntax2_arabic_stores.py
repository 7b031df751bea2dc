"""Review s67 "dquery", findings 5 to 7, on the stores (SQLite, Elasticsearch on a real node).

5: a store opened by this version records reader format 2, so a version from before search document format 6
   refuses it in one line instead of writing format-5 FTS rows that nothing would ever rebuild.
6: the Arabic letter fold has no language: Pashto ی/ي and Uyghur ى/ي are one letter for search (the documented
   trade-off), while letters only a smaller language has (Kashmiri ٲ, Urdu ے and ھ, Pashto ې) stay apart.
7: Urdu ۂ and ۃ fold to ه as ہ and ۀ do, so a post typed with a decomposed hamza (ہ + U+0654) is matched,
   highlighted and found by every store alike.
Every expectation is the matcher's (`Query.matches`) or written out here."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from matcher_corpus import assert_store_finds_what_the_matcher_finds, corpus, filled_store, matcher_ids
from store_support import STORES

from core.query import parse
from core.query.marked import match_spans
from indexing import reader_format
from indexing.base import Store

T0 = datetime(2026, 7, 1, tzinfo=UTC)

POSTS = [
    ("ur-decomposed", "خانہ\u0654 خدا", "ur"),  # heh goal + hamza above, as some keyboards type the izafat
    ("ur-composed", "خانۂ کعبہ", "ur"),
    ("fa-ezafe", "خانۀ من", "fa"),
    ("ar-plain", "خانه قديمة", "ar"),
    ("ur-teh-goal", "صلوٰۃ کا وقت", "ur"),
    ("ps-men", "دغه سړي دلته دي", "ps"),
    ("ug-y", "بير", "ug"),
    ("ks-wavy", "ٲسی گٲم", "ks"),
    ("ks-plain", "اسی گام", "ks"),
    ("ur-bari-ye", "لڑکے", "ur"),
    ("ur-do-chashmi", "بھائی", "ur"),
    ("ps-e", "ښځې", "ps"),
]

QUERIES = ["خانه", "خانہ", "خانۂ", "خانۀ", "صلوٰۃ", "صلوه", "سړی", "سړي", "بىر", "بير", "ٲسی", "اسی", "لڑکے", "لڑکي",
           "بھائی", "بهائی", "ښځې", "ښځي"]


def _ids(*keys: str) -> set[str]:
    return {f"import:{k}" for k in keys}


def _want(query: str) -> set[str]:
    return matcher_ids(POSTS, query)


@pytest.fixture(scope="module", params=STORES)
def qsyntax2_store(request, tmp_path_factory) -> Iterator[Store]:
    yield from filled_store(request, tmp_path_factory.mktemp("qsyntax2"), corpus(POSTS, T0))


def test_urdu_heh_goal_with_hamza_is_heh_in_the_matcher() -> None:
    houses = _ids("ur-decomposed", "ur-composed", "fa-ezafe", "ar-plain")
    assert _want("خانه") == _want("خانہ") == _want("خانۂ") == _want("خانۀ") == houses
    assert _want("صلوه") == _want("صلوٰۃ") == _ids("ur-teh-goal")


@pytest.mark.parametrize("query", ["خانه", "خانہ", "خانۂ"])
def test_a_decomposed_post_is_highlighted_where_it_matches(query: str) -> None:
    text = "خانہ\u0654 خدا"
    assert parse(query).matches(text, "ur")
    assert match_spans(text, parse(query).root) == [(0, 4)]  # the word, before its combining hamza


def test_the_documented_trade_off_and_the_letters_kept_apart() -> None:
    assert _want("سړی") == _want("سړي") == _ids("ps-men")  # Pashto man / men: one word for search
    assert _want("بىر") == _want("بير") == _ids("ug-y")  # Uyghur i / y
    assert _want("ٲسی") == _ids("ks-wavy") and _want("اسی") == _ids("ks-plain")  # Kashmiri ٲ is its own vowel
    assert _want("لڑکے") == _ids("ur-bari-ye") and not _want("لڑکي")  # Urdu ے is not ی
    assert _want("بھائی") == _ids("ur-do-chashmi") and not _want("بهائی")  # Urdu ھ is not ه
    assert _want("ښځې") == _ids("ps-e") and not _want("ښځي")  # Pashto ې is not ي


@pytest.mark.parametrize("query", QUERIES)
def test_the_stores_find_what_the_matcher_finds(qsyntax2_store: Store, query: str) -> None:
    assert_store_finds_what_the_matcher_finds(qsyntax2_store, POSTS, query)


def test_a_version_before_format_6_refuses_an_upgraded_sqlite_store(tmp_path, monkeypatch) -> None:
    """The version before FTS 10 read reader format 1: it must refuse, in one line and writing nothing, a store this
    version opened, or it would write format-5 FTS rows under user_version 10 that are never rebuilt."""
    from indexing.sqlite import FTS_VERSION, SqliteStore  # lazy: the SQLite half only

    path = tmp_path / "store.db"
    SqliteStore(path).close()
    monkeypatch.setattr(reader_format, "READER_FORMAT", 1)  # what the version before format 6 reads
    with pytest.raises(reader_format.StoreTooNew) as refused:
        SqliteStore(path)
    message = str(refused.value)
    assert "needs Groundswell reader format 2" in message and "format 1 at most" in message
    assert "nothing was written" in message and "\n" not in message
    assert FTS_VERSION >= 10  # the format this reader format guards
