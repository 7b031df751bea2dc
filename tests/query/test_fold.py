"""Accent folding: the one rule search, matching and highlighting share (docs/query-language.md#accents)."""

from __future__ import annotations

import pytest

from core.query import search_document
from core.query.text import fold, fold_spans, tokenize
from dashboards.web.highlight import from_query, segments_for


@pytest.mark.parametrize(
    ("token", "folded"),
    [
        ("batería", "bateria"),
        ("ærøskøbing", "aeroskobing"),
        ("łódź", "lodz"),
        ("þorn", "thorn"),
        ("삼성은", "삼성은"),  # Hangul untouched
        ("がっこう", "がっこう"),  # kana keep their dakuten
        ("йод", "йод"),  # Cyrillic keeps its marks
        ("q\u0303", "q"),  # a stray combining mark NFKC could not compose
        ("ёлка", "елка"),  # Russian ё is usually written е
        ("i\u0307stanbul", "istanbul"),  # case-folded İ: the combining dot goes, as Latin accents do
        ("कमला", "कमला"),  # Indic vowel signs carry meaning: kept
    ],
)
def test_fold(token, folded):
    assert fold(token) == folded


def test_search_document_is_folded_tokens():
    assert search_document("La BATERÍA, ¡mala!  Straße") == "la bateria mala strasse"


def test_search_document_keeps_combining_marks_in_words_and_folds_yo():
    assert search_document("İSTANBUL'da कमला आई Алёнка") == "istanbul da कमला आई аленка"


def test_search_document_ends_with_the_posts_hashtags_and_handles():
    # Elasticsearch looks for `#ad` and `@united` as these tokens: the words alone drop '#' and '@'.
    doc = search_document("acme #Ad thanks @United and @lumora@mastodon.social #İstanbul")
    assert doc == (
        "acme ad thanks united and lumora mastodon social istanbul "
        "#ad #istanbul @lumora @lumora@mastodon.social @united"
    )


def test_fold_spans_map_back_to_the_original_text():
    text = "Straße: la Batería y la BATERIA"
    assert [text[a:b] for a, b in fold_spans(text, "strasse")] == ["Straße"]
    assert [text[a:b] for a, b in fold_spans(text, "batería")] == ["Batería", "BATERIA"]


def test_dashboard_marks_accent_variants_a_store_left_unmarked():
    # Elasticsearch highlights `text` with the unfolded query: a match through folding comes back unmarked.
    segments = segments_for("La batería dura poco", "La batería dura poco", "bateria")
    assert [s["text"] for s in segments if s["hit"]] == ["batería"]
    assert [s["text"] for s in from_query("Lumorá y lumora", "Lumora") if s["hit"]] == ["Lumorá", "lumora"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("İstanbul", ["i\u0307stanbul"]),  # not ['i', 'stanbul']: the dot stays in the word
        ("कमला", ["कमला"]),  # not ['कमल']: the vowel sign ा is part of the word
        ("हिन्दी", ["हिन्दी"]),  # virama and vowel signs
        ("\u0301abc", ["abc"]),  # a mark never starts a word
        ("ไทย", ["ไ", "ท", "ย"]),  # unspaced scripts: still one token per character
    ],
)
def test_tokens_keep_their_combining_marks(text, tokens):
    assert tokenize(text) == tokens
