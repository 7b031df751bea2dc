"""Only the words that name a brand are read as `@user` (core/query/brand_names.py, nlp/model_text.py).

The agency review: with `sentiment score --brand-query 'Nothing AND (phone OR ear)'` every query word was read
as `@user` wherever it stood, "nothing" of "nothing works" and "phone" included, and 5 of 16 sentences changed
label ("the camera is nothing special" read positive). A brand whose name is a plain name (the demo's Lumora
and Sonique) must read exactly as before.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from core.query.aliases import brand_terms
from core.query.names import merge_spans, replace_spans
from groundswell.config import BrandConfig
from groundswell.demo import DEMO_CONFIG
from groundswell.demo_corpus import generate
from groundswell.sentiment_cli import sentiment
from nlp.config import NlpConfig
from nlp.model_text import PLACEHOLDER, ModelText

NOTHING_AND = "Nothing AND (phone OR ear)"
NOTHING_PHRASES = '"Nothing Phone" OR "Nothing Ear" OR @nothing'
# The review's sentences (/tmp/review-agency-s63/mask): the brand, and "nothing" the everyday word.
REVIEW = [
    "Nothing Phone 2 review: nothing works and the camera is nothing special",
    "Nothing Ear earbuds: there is nothing wrong with them, sound is fine",
    "Nothing Phone support did nothing to help me",
    "Nothing Phone update: nothing works after it",
    "Nothing Ear 2: nothing to complain about",
    "Nothing Phone camera is nothing special, meh",
]


def _masked(name: str, query: str, text: str, aliases: tuple[str, ...] = ()) -> str:
    brand = BrandConfig(name=name, query=query, aliases=list(aliases))
    return ModelText(NlpConfig(), {name: brand.terms()}).masked(text, [name])


def _old_rule(terms, text: str) -> str:
    """What was masked before: every positive word of the query and aliases (`BrandTerms.name_spans`, which
    highlighting still uses), the same placeholder."""
    spans = terms.name_spans(text)
    return replace_spans(text, merge_spans(spans), PLACEHOLDER) if spans else text


@pytest.mark.parametrize("query", [NOTHING_AND, NOTHING_PHRASES])
def test_an_everyday_word_is_masked_only_where_it_is_the_name(query):
    """"Nothing" written as the name is read as @user; "nothing" mid-sentence, and "NOTHING" shouted, are
    the word; "phone" and "ear" are context, never masked alone."""
    masked = _masked("Nothing", query, "Nothing Phone 2 review: nothing works and the camera is nothing special")
    assert masked.count(PLACEHOLDER) == 1 and "nothing works" in masked and "nothing special" in masked
    assert _masked("Nothing", query, "NOTHING WORKS on this phone") == "NOTHING WORKS on this phone"
    assert _masked("Nothing", query, "my phone has nothing in its ear") == "my phone has nothing in its ear"
    assert _masked("Nothing", query, "there is nothing ear-splitting here") == "there is nothing ear-splitting here"
    if query == NOTHING_AND:
        assert _masked("Nothing", query, "Nothing Phone 2").strip() == f"{PLACEHOLDER}  Phone 2".strip()


def test_context_words_stay_and_names_found_alone_go():
    """Shell's query needs oil or spill beside the name: they are context. ExxonMobil finds Exxon on its own:
    a name. #coronabeer starts with the name. Lower-case "shell" is the word (the name has capitals and its
    query never finds it alone); BP's name is matched with its capitals."""
    shell = "(Shell AND (petrol OR fuel OR oil OR station OR spill)) OR @shell"
    masked = _masked("Shell", shell, "Shell oil spill, a shell on the beach")
    assert masked == f" {PLACEHOLDER}  oil spill, a shell on the beach"
    assert _masked("Exxon", "Exxon OR ExxonMobil", "ExxonMobil and exxon fuel").count(PLACEHOLDER) == 2
    corona = "(Corona AND (beer OR lime OR cerveza)) OR #coronabeer"
    assert _masked("Corona", corona, "Corona beer with lime #coronabeer") == (
        f" {PLACEHOLDER}  beer with lime  {PLACEHOLDER} "
    )
    bp = "(BP AND (petrol OR fuel OR oil OR station)) OR @bp_plc"
    assert _masked("BP", bp, "BP petrol up, bp") == f" {PLACEHOLDER}  petrol up, bp"


def test_plain_names_and_aliases_are_masked_in_any_case():
    """A name the query finds alone reads case-folded, as matching finds it; aliases are names."""
    assert _masked("Lumora", "Lumora OR #lumora", "lumora LUMORA #Lumora").count(PLACEHOLDER) == 3
    assert _masked("Samsung", "Samsung", "삼성은 좋다, 三星", ("삼성", "三星")).count(PLACEHOLDER) == 2


def test_the_demo_corpus_reads_exactly_as_before():
    """Every post of the demo corpus (its generator, seed 7), with both demo brands masked: the model's text is
    the one the old rule (every query word) gave. Their names are plain names, so nothing may change."""
    import yaml  # lazy: only this test reads the demo config

    brands = [BrandConfig.model_validate(b) for b in yaml.safe_load(DEMO_CONFIG)["brands"]]
    terms = {b.name: b.terms() for b in brands}
    text = ModelText(NlpConfig(), terms)
    posts = [r["text"] for r in generate(7)]
    assert len(posts) > 3000
    changed = 0
    for post in posts:
        for name in terms:  # one brand at a time, as the old rule read each post's own brands
            assert text.masked(post, [name]) == _old_rule(terms[name], post), post
        masked = text.masked(post, list(terms))
        changed += masked != post
    assert changed > 1000  # the demo posts do name the brands: the comparison is not vacuous


def test_the_review_sentences_mask_only_the_name_in_the_model_text():
    terms = brand_terms(NOTHING_AND)
    text = ModelText(NlpConfig(), {"Nothing": terms})
    for sentence in REVIEW:
        masked = text.masked(sentence, ["Nothing"])
        assert masked.count(PLACEHOLDER) == 1, masked
        assert masked.lower().count("nothing") == sentence.lower().count("nothing") - 1, masked


def test_a_query_without_its_brand_name_is_refused(tmp_path):
    """A query alone does not say which of its words are the brand: the CLI asks for the name."""
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "Nothing Phone: nothing works"}) + "\n", encoding="utf-8")
    args = ["score", str(src), str(tmp_path / "out.jsonl"), "--brand-query", NOTHING_AND]
    result = CliRunner().invoke(sentiment, args)
    assert result.exit_code == 2 and "--brand NAME" in result.output, result.output
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.model
def test_the_review_sentences_keep_their_labels_with_the_brand_masked(default_model):
    """The real default model (the session fixture): masking the brand under `Nothing AND (phone OR ear)` leaves
    the label of each review sentence, where "nothing" is also the everyday word, as read without masking
    (masking every query word changed 5 of them)."""
    text = ModelText(NlpConfig(), {"Nothing": brand_terms(NOTHING_AND)})
    masked = [text.masked(s, ["Nothing"]) for s in REVIEW]
    plain = [r.label for r in default_model.predict(REVIEW, [None] * len(REVIEW))]
    assert [r.label for r in default_model.predict(masked, [None] * len(REVIEW))] == plain, masked


@pytest.mark.parametrize(
    ("name", "query", "text", "masked"),
    [
        ("Royal Dutch Shell", "Shell AND (oil OR gas)", "Shell oil prices are bad", " @user  oil prices are bad"),
        ("Nothing Technology", NOTHING_AND, "Nothing Phone 2: nothing works", " @user  Phone 2: nothing works"),
        ("Jeb Bush", "Jeb OR (Bush AND debate)", "Bush was weak in the debate", " @user  was weak in the debate"),
    ],
)
def test_a_query_word_that_is_a_word_of_a_longer_name_names_the_brand(name, query, text, masked):
    """The review's rows (/tmp/diffreview-web-s63/short.py): a query that shortens the brand's name to one of its
    words (`Shell` for Royal Dutch Shell) masks that word; context words (oil, phone, debate) never."""
    assert _masked(name, query, text) == masked.replace("@user", PLACEHOLDER)


def test_a_word_of_an_everyday_name_keeps_the_capitals_rule():
    """"Shell" of Royal Dutch Shell is the brand written with its capital; "a shell on the beach" is the word;
    a context word that is also a word of an alias ("Phone" of "Nothing Phone") is masked only with its capitals."""
    shell = _masked("Royal Dutch Shell", "Shell AND (oil OR gas)", "a shell on the beach, Shell gas")
    assert shell == f"a shell on the beach,  {PLACEHOLDER}  gas"
    assert _masked("Nothing Technology", NOTHING_AND, "my phone has nothing", ("Nothing Phone",)) == (
        "my phone has nothing"
    )
