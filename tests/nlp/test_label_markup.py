"""Links, HTML entities and @handles are never label words (nlp/tokenize.py `strip_markup`): the GOP debate
stream's retweets end in links the source cut short ("… https:…", "… htt…"), exports write "&amp;", and a
Mastodon or Bluesky handle has an instance or domain after the name. Real tokenizers and the real labeler
(nlp/theme_labels.py PhraseIndex), no model."""

from __future__ import annotations

import pytest

from nlp.phrases import post_grams
from nlp.theme_labels import PhraseIndex
from nlp.tokenize import phrase_runs, tokenize

MARKUP = {"http", "https", "htt", "www", "com", "amp", "quot", "gt", "lt", "social", "bsky", "mastodon", "rss",
          "cnn", "index", "html", "abc", "deals", "lumora", "bit"}


@pytest.mark.parametrize("text", [
    "Did you miss the debate? recap via The Nation http://t.co/6TF5eiOcXq #UniteBlue htt…",
    "Will they stand for equal pay for equal work? https:…",
    "Will they stand for equal pay for equal work? https",
    "Stock news...//rss.cnn.com/~r/rss/money_latest/~3/n1Ps4CmqWL4/index.html",
    "grab yours today at lumora-deals.com or bit.ly/abc or www.lumora.com/x",
    "fair &amp; square, &quot;quoted&quot; &amp;amp; &gt;&gt; cut short &amp",
    "thanks @lumora@mastodon.social and @lumora.bsky.social for the help",
])
def test_no_piece_of_markup_is_a_word(text):
    words = set(tokenize(text, "en")) | {w for run in phrase_runs(text, "en") for w, _ in run}
    assert not words & MARKUP, words & MARKUP


def test_text_written_right_after_a_handle_stays():
    """A handle ends where Chinese, Japanese or Korean text starts: the post's words are not part of it."""
    assert tokenize("@lumora电池过热了", "zh") == ["电池", "过热"]
    assert "배터리" in tokenize("@lumora배터리 과열", "ko")


def test_a_sentence_missing_its_space_is_not_a_link():
    assert tokenize("I tried.It works, border with Mexico", "en") == ["tried", "works", "border", "mexico"]


def test_cut_short_links_never_name_a_theme():
    """A theme of retweets cut short ("… https:…" / "… htt…"), as the GOP debate stream has: the words they
    share are the link's pieces, never a label."""
    topics = ["megyn kelly question", "immigration wall plan", "tax cuts plan", "abortion rights vote"]
    cut = [f"RT @voter{n}: what a night {w} https:…" if n % 2 else f"RT @voter{n}: what a night {w} htt…"
           for n, w in enumerate(["piano", "garden", "sunset", "tennis", "coffee", "museum", "holiday", "kitten",
                                  "violin", "orange", "rocket", "island"])]
    texts = [f"{topics[n % 4]} take {n} &amp; more" for n in range(40)] + cut
    index = PhraseIndex(texts, ["en"] * len(texts), frozenset())
    members = list(range(40, len(texts)))
    scope = index.count(range(len(texts)))
    label = index.labels(members, scope).get("en", "")
    assert not set(label.replace(" · ", " ").split()) & MARKUP, label
    assert index.distinct_words(members, scope, ["https", "htt", "night"]) == ["night"]
    assert not any({"amp", "https", "htt"} & set(g[1]) for t in texts for g in post_grams(t, "en"))
