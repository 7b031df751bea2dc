"""Folding makes traditional Han characters their simplified form (core/query/text.py, hanzi_table.py): the matcher
(brand matching at collection, crisis terms, keyword alerts), the search document and highlighting all count
電池 and 电池 as one word, character by character, and leave every other script as it was."""

from __future__ import annotations

from core.query import parse, search_document
from core.query.hanzi_table import SIMPLIFIED, TRADITIONAL
from core.query.marked import match_spans
from core.query.text import FoldedText, fold, normalize, simplified


def _marked(text: str, query: str) -> list[str]:
    return [text[a:b] for a, b in match_spans(text, parse(query).root)]


def test_traditional_folds_to_simplified_and_simplified_stays() -> None:
    assert fold(normalize("綠摩拉耳機充電時過熱")) == "绿摩拉耳机充电时过热"
    assert fold("绿摩拉耳机充电时过热") == "绿摩拉耳机充电时过热"
    assert fold("乾") == "干"  # several simplified readings: OpenCC's first
    assert fold("薴") == fold("苧") == "苎"  # a chain is followed to its end: folding twice is folding once


def test_the_table_is_one_character_for_one_and_only_what_differs() -> None:
    assert len(TRADITIONAL) == len(SIMPLIFIED) == len(set(TRADITIONAL))
    assert all(t != s for t, s in zip(TRADITIONAL, SIMPLIFIED, strict=True))
    assert not set(SIMPLIFIED) & set(TRADITIONAL)  # idempotent


def test_other_scripts_are_unchanged() -> None:
    for text in ("루모라 배터리", "バッテリーが熱い", "Люмора ёж", "batería"):
        assert fold(normalize(text)) == fold(fold(normalize(text)))
    assert fold("バッテリー") == "バッテリー" and fold("배터리") == "배터리"
    assert simplified("Café 電池") == "Café 电池"  # only Han changes: theme words keep accents


def test_the_matcher_finds_both_scripts() -> None:
    post = "綠摩拉耳機充電時過熱"
    assert parse("绿摩拉").matches(post, "zh")  # the brand alias, simplified, finds the traditional post
    assert parse("过热").matches(post, "zh")  # the crisis term of the demo config
    assert parse('"充电时过热"').matches(post, "zh")
    assert parse("電池").matches("电池坏了", "zh") and parse("#綠摩拉").matches("好 #绿摩拉", "zh")
    assert not parse("电池").matches("电视坏了", "zh")


def test_the_search_document_holds_the_simplified_form() -> None:
    assert search_document("電池 #綠摩拉") == "电 池 绿 摩 拉 #绿摩拉"


def test_highlighting_marks_the_original_characters() -> None:
    text = "Lumora 電池过熱，电池还好"
    assert _marked(text, "电池") == ["電池", "电池"]
    assert _marked(text, '"池過熱"') == ["池过熱"]
    cut = FoldedText.of(text)
    assert len(cut.folded) == len(text)  # one for one: offsets stay the original's
