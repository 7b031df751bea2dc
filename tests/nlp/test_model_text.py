"""What the models read of a mention (nlp/model_text.py): its brands' names as @user, then the cap."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.mention import Mention
from groundswell.config import BrandConfig
from nlp.config import NlpConfig
from nlp.enrich import Enricher
from nlp.model_text import ModelText

BRANDS = {b.name: b.terms() for b in (BrandConfig(name="Lumora", query="Lumora OR #lumora"),
                                      BrandConfig(name="Apple", query="Apple OR AAPL"),
                                      BrandConfig(name="Sonique", query="Sonique"))}


def _mention(i: int, text: str, brands: list[str], lang: str | None = "en") -> Mention:
    return Mention(source="test", native_id=str(i), text=text, lang=lang, brands=brands,
                   created_at=datetime(2026, 11, 1, tzinfo=UTC))


def test_only_the_mentions_own_brands_are_masked() -> None:
    text = ModelText(NlpConfig(), BRANDS)
    post = "Lumora beats Sonique, #lumora"
    assert text(_mention(1, post, ["Lumora"])) == " @user  beats Sonique,  @user "
    assert text(_mention(1, post, ["Lumora", "Sonique"])) == " @user  beats  @user ,  @user "
    assert text(_mention(1, post, [])) == post  # not attributed: nothing to mask
    assert text(_mention(1, post, ["Unknown brand"])) == post


def test_masking_off_or_no_brands_reads_the_text_as_written_and_the_cap_still_applies() -> None:
    post = "Lumora " + "x" * 200
    assert ModelText(NlpConfig(mask_brand_names=False), BRANDS)(_mention(1, post, ["Lumora"])) == post
    assert ModelText(NlpConfig())(_mention(1, post, ["Lumora"])) == post
    capped = ModelText(NlpConfig(max_text_chars=100), BRANDS)(_mention(1, post, ["Lumora"]))
    assert capped.startswith(" @user  xxx") and len(capped) == 100


@pytest.mark.model
def test_a_label_does_not_depend_on_what_the_brand_is_called(default_model) -> None:
    """The real default model through the Enricher: the same complaint about Lumora and about Apple gets the
    same probabilities when names are masked; as written, the names give different probabilities."""
    posts = ["My {} phone caught fire while charging. Absolutely furious.",
             "Another report of {} batteries overheating. Is anyone listening?",
             "{} 电池过热，充电时冒烟了"]
    lumora = [_mention(i, p.format("Lumora"), ["Lumora"], None) for i, p in enumerate(posts)]
    apple = [_mention(i, p.format("Apple"), ["Apple"], None) for i, p in enumerate(posts)]
    masked = Enricher(NlpConfig(), model=default_model, text=ModelText(NlpConfig(), BRANDS))
    written = Enricher(NlpConfig(), model=default_model)
    for a, b in zip(masked.enrich(lumora), masked.enrich(apple), strict=True):
        assert a.sentiment.probs == b.sentiment.probs
        assert a.text != b.text  # the stored mention keeps its text: only the model's reading changed
    differs = [a.sentiment.probs != b.sentiment.probs
               for a, b in zip(written.enrich(lumora), written.enrich(apple), strict=True)]
    assert any(differs)
