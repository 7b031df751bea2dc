"""Text a person reads as one word is one word (core/query/text.py `normalize`, `fold`, `TOKEN_PATTERN`; review s66
"text", findings 1, 5 and 9): an invisible character inside a word (soft hyphen, zero-width space, word joiner,
BOM, ZWJ/ZWNJ between Latin letters) does not split it; an Arabic clitic written onto a Latin name is a token of
its own; Arabic harakat and tatweel do not change a word; ʼ (U+02BC) elides as ' does. Emoji ZWJ sequences and
the ZWNJ of Persian and Indic words are kept, and highlights still mark the original characters."""

from __future__ import annotations

import pytest

from core.query import parse, search_document
from core.query.marked import match_spans
from core.query.text import FoldedText, fold, fold_spans, normalize, plain_text, search_tokens, tokenize
from dashboards.web.highlight import from_query

SHY, ZWSP, ZWNJ, ZWJ, WJ, BOM, LRM = "\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e"


def _marked(text: str, query: str) -> list[str]:
    return [text[a:b] for a, b in match_spans(text, parse(query).root)]


@pytest.mark.parametrize("invisible", [SHY, ZWSP, ZWNJ, ZWJ, WJ, BOM, LRM, "\u202e", "\u2066"])
@pytest.mark.parametrize("query", ["Lumora", "#lumora", "lumo*"])
def test_an_invisible_character_inside_a_word_does_not_split_it(invisible: str, query: str) -> None:
    """The review's table: `Lumora` did not match `Lum\\u200bora` (tokens lum, ora), nor `#lumora` `#Lum\\u200bora`."""
    text = f"#Lum{invisible}ora is out"
    assert search_tokens(text) == ["lumora", "is", "out"]
    assert parse(query).matches(text)
    assert _marked(text, query) == [f"#Lum{invisible}ora"]  # the invisible character is inside the mark


def test_an_invisible_character_before_a_tag_or_handle_still_parts_it_from_the_word() -> None:
    """`great\u200b#lumora` has the hashtag (X links it): the zero-width space is kept there, or `great#lumora`
    would have none."""
    for sigil, query in (("#", "#lumora"), ("$", "$LMRA"), ("@", "@lumora")):
        text = f"great{ZWSP}{sigil}{query[1:]} news"
        assert parse(query).matches(text), query
    assert normalize(f"great{ZWSP}#lumora") == f"great{ZWSP}#lumora"


def test_the_german_feed_words_and_the_crisis_terms() -> None:
    """`Rück&shy;ruf&shy;aktion` (an RSS feed's soft hyphens) is one word: `Rückruf*` and `Rückrufaktion` fire."""
    text = f"Die Rück{SHY}ruf{SHY}aktion betrifft Lu{SHY}mora Pulse. Akku{SHY}probleme bei Lumo{SHY}ra."
    assert tokenize(text)[:3] == ["die", "rückrufaktion", "betrifft"]
    for query in ("Rückruf*", "Rückrufaktion", "Lumora", '"Lumora Pulse"', "Akkuprobleme"):
        assert parse(query).matches(text, "de"), query
    assert not parse("aktion").matches(text, "de")  # no longer a word of its own
    assert _marked(text, "Lumora") == [f"Lu{SHY}mora", f"Lumo{SHY}ra"]


def test_joiners_stay_where_a_script_or_emoji_uses_them() -> None:
    persian = f"می{ZWNJ}خواهم"  # ZWNJ inside a Persian word: a letter form, not noise
    devanagari = f"क्{ZWJ}ष"
    emoji = f"👩{ZWJ}💻 Lumora"
    for text in (persian, devanagari, emoji):
        assert normalize(text) == text.casefold()
    assert tokenize(emoji) == [f"👩{ZWJ}💻", "lumora"]
    assert parse(f"👩{ZWJ}💻").matches(emoji) and not parse("👩").matches(emoji)
    # Between a Latin letter and an emoji, or an Arabic and a Latin letter: kept (not two letters of joinless scripts)
    assert normalize(f"a{ZWJ}👍") == f"a{ZWJ}👍"
    assert normalize(f"و{ZWNJ}Lumora") == f"و{ZWNJ}lumora"
    # Hangul, Cyrillic, Greek, Han and full-width Latin letters never use them: dropped
    joinless = f"삼{ZWJ}성 Люм{ZWNJ}ора λου{ZWJ}μορα 苹{ZWNJ}果 Ｌｕ{ZWJ}ｍｏｒａ"
    assert normalize(joinless) == "삼성 люмора λουμορα 苹果 lumora"
    assert normalize(f"Cafe\u0301{ZWNJ}teria") == "caféteria"  # a mark on the letter before: still Latin


def test_arabic_clitics_harakat_and_tatweel() -> None:
    """The review's Arabic posts, brand `Lumora` with alias `لومورا`: all found."""
    lumora = parse("Lumora OR لومورا")
    posts = {
        "اشتريت الـLumora Pulse والبطارية ممتازة": "Lumora",  # الـ + Latin
        "بطارية الLumora سيئة جدا": "Lumora",
        "وLumora أفضل من غيرها": "Lumora",  # و ("and") + Latin
        "لُومُورَا رائعة": "لُومُورَا",  # harakat
        "لومـــورا رائعة": "لومـــورا",  # tatweel
        "لومورا رائعة": "لومورا",
    }
    for text, marked in posts.items():
        assert lumora.matches(text, "ar"), text
        assert _marked(text, "Lumora OR لومورا") == [marked], text
    assert tokenize("وLumora") == ["و", "lumora"]
    assert tokenize("بـLumora") == ["ب", "lumora"]  # the tatweel goes, the clitic is a token of its own
    assert search_tokens("لُومُورَا") == ["لومورا"] and fold(normalize("لومـــورا")) == "لومورا"
    assert tokenize("ـــ") == []  # a tatweel alone is no token (an empty folded one would break the stores' phrases)
    assert tokenize("Lumora5 بـ5 ٥٠٪") == ["lumora5", "ب", "5", "٥٠"]
    # Other scripts keep their marks as before
    assert fold("कमला") == "कमला" and fold("йод") == "йод"


@pytest.mark.parametrize("apostrophe", ["'", "’", "\u02bc", "\u02bb"])
def test_the_modifier_apostrophe_elides_as_the_apostrophe_does(apostrophe: str) -> None:
    text = f"Il servizio dell{apostrophe}Apple è lento"
    assert tokenize(text)[:3] == ["il", "servizio", "dell"]
    assert parse("apple").matches(text, "it")
    assert _marked(text, "apple") == ["Apple"]


def test_folded_offsets_point_at_the_original_characters() -> None:
    text = f"{BOM}Lu{SHY}mora لُومُورَا لومـــورا Lum{ZWSP}ora"
    cut = FoldedText.of(text)
    assert cut.folded == "lumora لومورا لومورا lumora"
    assert len(cut.origin) == len(cut.folded)
    assert [text[a:b] for a, b in fold_spans(text, "lumora")] == [f"Lu{SHY}mora", f"Lum{ZWSP}ora"]
    assert [text[a:b] for a, b in fold_spans(text, "لومورا")] == ["لُومُورَا", "لومـــورا"]
    # what the dashboard marks on a card
    assert [s["text"] for s in from_query(text, "Lumora") if s["hit"]] == [f"Lu{SHY}mora", f"Lum{ZWSP}ora"]


def test_the_search_document_drops_what_matching_drops() -> None:
    assert search_document(f"Lu{SHY}mora #Lum{ZWSP}ora الـLumora لُومُورَا dellʼApple") == (
        "lumora lumora ال lumora لومورا dell apple #lumora"
    )


def test_plain_text_keeps_case_and_what_is_seen() -> None:
    """What theme words read (nlp/tokenize.py): the same characters dropped, case kept."""
    written = f"Rück{SHY}ruf{WJ}Aktion dellʼApple لومـــورا ＬＵＭＯＲＡ"
    assert plain_text(written) == "RückrufAktion dell'Apple لومورا LUMORA"
    assert plain_text("plain ascii, untouched") == "plain ascii, untouched"
