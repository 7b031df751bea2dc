"""Accent folding: the one rule search, matching and highlighting share (docs/query-language.md#accents)."""

from __future__ import annotations

import pytest

from core.query.text import fold, fold_spans, search_document
from dashboards.web.highlight import from_terms, segments_for


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
    ],
)
def test_fold(token, folded):
    assert fold(token) == folded


def test_search_document_is_folded_tokens():
    assert search_document("La BATERÍA, ¡mala!  Straße") == "la bateria mala strasse"


def test_fold_spans_map_back_to_the_original_text():
    text = "Straße: la Batería y la BATERIA"
    assert [text[a:b] for a, b in fold_spans(text, "strasse")] == ["Straße"]
    assert [text[a:b] for a, b in fold_spans(text, "batería")] == ["Batería", "BATERIA"]


def test_dashboard_marks_accent_variants_a_store_left_unmarked():
    # Elasticsearch highlights `text` with the unfolded query: a match through folding comes back unmarked.
    segments = segments_for("La batería dura poco", "La batería dura poco", "bateria")
    assert [s["text"] for s in segments if s["hit"]] == ["batería"]
    assert [s["text"] for s in from_terms("Lumorá y lumora", ["Lumora"]) if s["hit"]] == ["Lumorá", "lumora"]
