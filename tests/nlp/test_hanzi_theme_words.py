"""A theme's words in traditional and simplified Chinese count as one (nlp/tokenize.py reads traditional as
simplified), and its label shows the script most of its posts write (`written_form`), never both forms of one
word side by side. Real PhraseIndex on real jieba tokenisation, no model."""

from __future__ import annotations

from nlp.label_words import brand_word
from nlp.theme_labels import PhraseIndex
from nlp.tokenize import phrase_runs, tokenize, written_form

WORDS = ("屏幕 价格 颜色 外观 声音 手感 系统 相机 续航 充电器 "
         "客服 快递 发票 包装盒 说明书 赠品 耳塞 音质 降噪 蓝牙").split()
REST = [f"物流很快 {w}{v}" for w in WORDS for v in WORDS[:2]]  # the rest of the group: other words


def _label(traditional: int, simplified: int) -> str:
    """The label of a theme of `traditional` posts saying 耳機電池過熱 and `simplified` saying 耳机电池过热."""
    texts = ([f"耳機電池過熱 {WORDS[i]}" for i in range(traditional)]
             + [f"耳机电池过热 {WORDS[i]}" for i in range(simplified)] + REST)
    index = PhraseIndex(texts, ["zh"] * len(texts), frozenset())
    return index.labels(list(range(traditional + simplified)), index.count(range(len(texts))))["zh"]


def test_one_word_in_both_scripts_is_one_theme_word() -> None:
    assert tokenize("電池過熱", "zh") == tokenize("电池过热", "zh")
    assert phrase_runs("電池過熱了", "zh") == phrase_runs("电池过热了", "zh")
    assert tokenize("電池が熱い", "ja") == ["電池"]  # Japanese keeps its characters


def test_the_label_is_one_phrase_written_as_most_of_its_posts_write_it() -> None:
    assert _label(12, 8) == "耳機電池過熱"  # not "耳機電池過熱 · 耳机电池过热"
    assert _label(8, 12) == "耳机电池过热"
    assert _label(10, 10) == "耳机电池过热"  # a tie: simplified; before, each script's phrase was a label phrase


def test_written_form_counts_each_post_once_and_keeps_ties_simplified() -> None:
    assert written_form("电池", ["電池 電池 電池", "电池", "电池"]) == "电池"
    assert written_form("电池", ["電池", "电池"]) == "电池"
    assert written_form("电池", ["電池", "電池", "电池"]) == "電池"
    assert written_form("battery", ["Battery"]) == "battery"  # nothing but Han changes


def test_a_brand_name_in_either_script_is_never_a_label_word() -> None:
    # Post words come simplified; the brand's alias may be written traditional.
    assert brand_word("绿摩拉", "zh", frozenset({"綠摩拉"})) and brand_word("綠摩拉", "zh", frozenset({"绿摩拉"}))
    assert not brand_word("电池", "zh", frozenset({"綠摩拉"}))
