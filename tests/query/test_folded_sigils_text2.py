"""A #tag, $tag or @handle right after an invisible character is marked where it matched, by highlighting and by
brand masking, and the small forms ﹟ ﹫ ﹩ part it from the word before as # @ $ do (core/query/text.py,
`FoldedText.of` and `_invisible`).

Review s66 "dtext", finding 2: `normalize` keeps a zero-width space, word joiner or RLM right before '#', '$' or '@'
(it parts the tag from the word), but `FoldedText.of` folded each kept character alone through `normalize`, which
then dropped it (nothing followed it), so the folded text read `great#lumora`: the post matched `#lumora` and nothing
in it was marked, on both stores and in sentiment masking. And `great\u200b﹟lumora` lost its hashtag.
"""

from __future__ import annotations

import pytest

from core.query import parse
from core.query.brand_names import BrandNames
from core.query.handles import handles
from core.query.marked import match_spans
from core.query.text import FoldedText, cashtags, hashtags

# (query, text, what is marked)
MARKED = [
    ("#lumora", "great\u200b#lumora", "#lumora"),  # zero-width space
    ("#lumora", "great\u2060#lumora", "#lumora"),  # word joiner
    ("#lumora", "great\ufeff#lumora", "#lumora"),  # BOM
    ("@lumora", "thanks\u200b@lumora", "@lumora"),
    ("$lmra", "buy\u200b$LMRA now", "$LMRA"),
    ("#لومورا", "شكرا\u200f#لومورا", "#لومورا"),  # an RLM before a hashtag, common in Arabic posts
    ("#lumora", "great\u200b\ufe5flumora", "\ufe5flumora"),  # small number sign
    ("#lumora", "great\u200b\uff03lumora", "\uff03lumora"),  # full-width number sign
    ("@lumora", "thanks\u200b\ufe6blumora", "\ufe6blumora"),  # small commercial at
    ("$lmra", "buy\u200b\ufe69LMRA now", "\ufe69LMRA"),  # small dollar sign
]


@pytest.mark.parametrize(("query", "text", "marked"), MARKED)
def test_the_tag_after_an_invisible_character_matches_and_is_marked(query: str, text: str, marked: str) -> None:
    root = parse(query).root
    assert parse(query).matches(text)
    assert [text[a:b] for a, b in match_spans(text, root)] == [marked]


def test_brand_masking_finds_the_tag_after_an_invisible_character() -> None:
    names = BrandNames.of("Lumora", parse("#lumora OR $LMRA").root)
    assert names.spans("great\u200b#lumora battery") == [(6, 13)]
    assert names.spans("buy\u200b$LMRA now") == [(4, 9)]


def test_the_folded_text_keeps_what_normalize_keeps() -> None:
    assert FoldedText.of("great\u200b#lumora").folded == "great\u200b#lumora"
    assert FoldedText.of("Lu\u00admora #x").folded == "lumora #x"  # dropped inside a word, as before
    assert FoldedText.of("great\u200b\ufe5fLumora").folded == "great\u200b#lumora"
    cut = FoldedText.of("a\u200b#b")
    assert cut.origin == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("text", "tags", "names", "cash"),
    [
        ("great\u200b\ufe5flumora", {"lumora"}, set(), set()),
        ("thanks\u200b\ufe6blumora", set(), {"lumora"}, set()),
        ("buy\u200b\ufe69LMRA now", set(), set(), {"lmra"}),
    ],
)
def test_small_sigils_part_the_tag_from_the_word(text: str, tags: set, names: set, cash: set) -> None:
    assert hashtags(text) == tags
    assert handles(text, "x") == names
    assert cashtags(text) == cash
