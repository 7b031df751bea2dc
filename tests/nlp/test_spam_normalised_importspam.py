"""Spam rules read text as brand matching does (`core.query.text.normalize`): a copy a person reads as the same
text is the same campaign, and a giveaway written in full-width or math-bold letters is still a giveaway (the text
review's finding 4: those posts were attributed to the brand, yet counted as people's)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from core.mention import Mention
from nlp.spam import detect, fingerprint, promotion

T0 = datetime(2026, 11, 3, 12, tzinfo=UTC)
CAMPAIGN = "Lumora Pulse battery exploded in my pocket, everyone return yours now"


def post(n: int, text: str) -> Mention:
    return Mention(source="x", native_id=f"p{n}", text=text, created_at=T0 + timedelta(minutes=n),
                   author={"handle": f"user{n}"})


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _math_bold(text: str) -> str:
    def bold(c: str) -> str:
        if "A" <= c <= "Z":
            return chr(0x1D400 + ord(c) - ord("A"))
        if "a" <= c <= "z":
            return chr(0x1D41A + ord(c) - ord("a"))
        return c

    return "".join(map(bold, text))


def _zwsp_at(text: str, i: int) -> str:
    """`text` with a zero-width space inside its i-th word (as bots vary a copy to get past duplicate filters)."""
    words = text.split(" ")
    word = words[i % len(words)]
    words[i % len(words)] = word[:1] + "\u200b" + word[1:]
    return " ".join(words)


VARIANTS = {
    "full-width": lambda i: _full_width(CAMPAIGN) if i % 2 else CAMPAIGN,
    "math-bold": lambda i: _math_bold(CAMPAIGN) if i % 2 else CAMPAIGN,
    "soft hyphen": lambda i: CAMPAIGN.replace("battery", "bat\u00adtery") if i % 2 else CAMPAIGN,  # as ZWSP
    "zero-width space": lambda i: _zwsp_at(CAMPAIGN, i),  # needs `normalize` to drop format characters
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_campaign_varied_in_how_its_letters_are_written_is_one_campaign(variant: str) -> None:
    batch = [post(i, VARIANTS[variant](i)) for i in range(12)]
    assert len({fingerprint(m.text) for m in batch}) == 1
    flags = detect(batch)
    assert set(flags) == {m.id for m in batch}
    assert flags[batch[0].id] == "copy-paste campaign: 12 authors, 11 min"


def test_decomposed_hangul_is_the_same_fingerprint_and_counts_as_korean() -> None:
    text = "루모라 펄스 배터리가 폭발했어요 모두 반품하세요"
    decomposed = unicodedata.normalize("NFD", text)
    assert decomposed != text and fingerprint(decomposed) == fingerprint(text) is not None
    short = "루모라펄스배터리폭발반품"  # one word: a fingerprint only because it has 10+ Korean characters
    assert fingerprint(unicodedata.normalize("NFD", short)) == fingerprint(short) is not None


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        pytest.param("GIVEAWAY! follow @lumora and RT to win a Lumora Pulse", "giveaway", id="ascii"),
        pytest.param(_math_bold("GIVEAWAY! follow @lumora and RT to win a Lumora Pulse"), "giveaway", id="math-bold"),
        pytest.param(_full_width("GIVEAWAY! follow @lumora and RT to win a Lumora Pulse"), "giveaway", id="full-width"),
        pytest.param(_full_width("RT to win a Lumora Pulse"), "rt to win", id="full-width-rt"),
        pytest.param(unicodedata.normalize("NFD", "Lumora 할인 코드 받으세요"), "할인 코드", id="nfd-hangul"),
        pytest.param("Use my PROMO\u00a0CODE for Lumora", "promo code", id="nbsp"),  # NFKC makes it a space
    ],
)
def test_a_giveaway_in_other_letter_forms_is_a_promotion(text: str, phrase: str) -> None:
    assert promotion(text) == phrase
    assert detect([post(0, text)]) == {"x:p0": f"promotion: '{phrase}'"}


@pytest.mark.parametrize(
    "text", [_full_width("No discount this year for Lumora"), _math_bold("we cannot give away")], ids=["fw", "bold"]
)
def test_what_was_no_promotion_is_still_none_in_other_letter_forms(text: str) -> None:
    assert promotion(text) is None
