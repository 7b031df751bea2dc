"""Where a brand's names stand in a post (core/query/names.py): the places matching found, no others."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from core.query import parse
from core.query.aliases import brand_terms
from core.query.names import name_spans, replace_spans
from groundswell.config import BrandConfig

CORPUS = yaml.safe_load((Path(__file__).parent / "alias_corpus.yaml").read_text(encoding="utf-8"))
BRAND = BrandConfig.model_validate(CORPUS["brand"])


def masked(text: str, query: str) -> str:
    return replace_spans(text, name_spans(text, [parse(query).root]), "@user")


@pytest.mark.parametrize(
    ("text", "query", "names"),
    [
        ("My Lumora Pulse got hot", "Lumora", ["Lumora"]),
        ("LUMORÁ rocks, lumora too", "Lumora", ["LUMORÁ", "lumora"]),  # case and accents folded, as matching
        ("Pineapple lumorax Lumora's", "Lumora", ["Lumora"]),  # whole words only in spaced scripts
        ("love #Lumora and @Lumora", "Lumora", ["#Lumora", "@Lumora"]),  # the sigil goes with the name
        ("#lumora all day", "#lumora", ["#lumora"]),
        ("我的Lumora手机 露莫拉太差", "Lumora OR 露莫拉", ["Lumora", "露莫拉"]),  # Han: any run
        ("루모라는 최고", "루모라", ["루모라"]),  # Hangul: the start of a word; the particle 는 stays
        ("Люморы сгорели", "Люмора~ru", ["Люморы"]),  # inflected: the form in the text
        ('Calypso Air app is down, Calypso flies', '"Calypso Air"', ["Calypso Air"]),  # a phrase, not its words
        ("Lumora beach resort and Lumora phones", 'Lumora AND NOT "beach resort"', ["Lumora", "Lumora"]),
    ],
)
def test_names_are_found_where_matching_finds_them(text: str, query: str, names: list[str]) -> None:
    spans = name_spans(text, [parse(query).root])
    assert [text[a:b] for a, b in spans] == names


def test_negated_words_are_not_the_brand() -> None:
    assert name_spans("lumora beach resort", [parse('Lumora AND NOT "beach resort"').root]) == [(0, 6)]
    assert name_spans("nice beach resort", [parse('Lumora OR NOT "beach resort"').root]) == []


def test_the_placeholder_never_joins_the_words_around_it() -> None:
    assert masked("我的Lumora手机", "Lumora") == "我的 @user 手机"
    assert masked("루모라는 최고", "루모라") == " @user 는 최고"
    assert masked("", "Lumora") == ""
    assert masked("nothing here", "Lumora") == "nothing here"


@pytest.mark.parametrize("post", [p for p in CORPUS["posts"] if p["expect"]], ids=lambda p: p["text"][:30])
def test_after_masking_the_brand_no_longer_matches(post: dict) -> None:
    """Masking and matching are one rule: every name that made the post the brand's is gone after it."""
    terms = BRAND.terms()
    spans = terms.name_spans(post["text"])
    assert spans, post["text"]
    assert terms.matched(replace_spans(post["text"], spans, "@user"), post["lang"]) == []


@pytest.mark.parametrize("post", [p for p in CORPUS["posts"] if not p["expect"]], ids=lambda p: p["text"][:30])
def test_lookalikes_are_left_as_written(post: dict) -> None:
    assert BRAND.terms().name_spans(post["text"]) == []


def test_brand_terms_cover_query_and_aliases() -> None:
    terms = brand_terms("Lumora", (("露莫拉", "露莫拉"),))
    text = "Lumora 和 露莫拉"
    assert [text[a:b] for a, b in terms.name_spans(text)] == ["Lumora", "露莫拉"]


@pytest.mark.parametrize("text", [
    "", "#", "@", "##lumora", "@@lumora", "\u0301Lumora\u0301", "ﬁLumora Lumoraﬁ", "LUMORA\u0000lumora",
    "Lumora" * 2000, "\ud800 broken surrogate Lumora", "İstanbul Lumora ß", "露莫拉露莫拉露莫拉", "루모라루모라",
    "<script>Lumora</script>", "invoice \u202eLumora\u202c paid",
])
def test_garbage_text_is_masked_without_losing_anything_else(text: str) -> None:
    """Odd input never raises, and everything outside the spans is kept as written, in order."""
    terms = brand_terms("Lumora OR #lumora OR 露莫拉 OR 루모라")
    spans = terms.name_spans(text)
    assert all(0 <= a < b <= len(text) for a, b in spans)
    assert all(b1 < a2 for (_, b1), (a2, _) in zip(spans, spans[1:], strict=False))
    kept = "".join(text[b1:a2] for (_, b1), (a2, _) in zip([(0, 0), *spans], [*spans, (len(text), 0)], strict=True))
    masked = replace_spans(text, spans, "@user")
    assert masked.replace(" @user ", "") == kept
