"""A theme without key phrases is labelled by words that set it apart, or honestly as mixed posts.

Seen on the GOP debate stream (`python -m tools.themes.labels`): grab-bag themes were labelled
"gopdebate · gopdebates", the stream's own hashtags, which most posts of every theme carry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Mention
from nlp.theme_labels import MIN_WORD_LIFT, MIXED, PhraseIndex
from nlp.themes import extract_themes

T0 = datetime(2026, 3, 1, tzinfo=UTC)


def test_distinct_words_keep_only_words_the_theme_uses_more():
    texts = ["#launch taxes are too high"] * 10 + ["#launch what a night"] * 20
    index = PhraseIndex(texts, ["en"] * len(texts), frozenset())
    members, everyone = list(range(10)), list(range(30))
    scope = index.count(everyone)
    # "launch" is in every post (lift 1): it names the stream, not the theme.
    assert index.distinct_words(members, scope, ["launch", "taxes", "night"]) == ["taxes"]
    # A theme that is its whole scope has no other posts to compare with: what it uses sets it apart
    # (but "launch", which every post uses, is the stream's: nlp/label_words.py).
    assert index.distinct_words(everyone, scope, ["taxes", "absent"]) == ["taxes"]


def test_lift_is_against_the_other_posts_not_all():
    """A word in 10 of 10 theme posts and 5 of 20 others: lift 4 against the others (2 against all 30
    posts would also pass; 10 of 10 and 12 of 20 would not: lift 1.67)."""
    texts = ["#x taxes"] * 10 + ["#x taxes night"] * 5 + ["#x night"] * 15
    index = PhraseIndex(texts, ["en"] * 30, frozenset())
    assert index.distinct_words(list(range(10)), index.count(range(30)), ["taxes"]) == ["taxes"]
    texts = ["#x taxes"] * 10 + ["#x taxes night"] * 12 + ["#x night"] * 8
    index = PhraseIndex(texts, ["en"] * 30, frozenset())
    assert 10 / 10 < MIN_WORD_LIFT * 12 / 20
    assert index.distinct_words(list(range(10)), index.count(range(30)), ["taxes"]) == []


def _mention(i: int, text: str) -> Mention:
    return Mention(source="x", native_id=str(i), text=text, created_at=T0 + timedelta(minutes=i), lang="en",
                   brands=["Acme"])


def test_no_theme_is_named_after_a_word_every_post_carries():
    """Three topics and a grab-bag of one-off posts, every post tagged #launchday: no theme label is
    "launchday" (clustered on words alone, no model)."""
    topics = {
        "battery": "battery caught fire charging overnight",
        "shipping": "shipping delayed courier lost parcel",
        "refund": "refund request ignored support ticket",
    }
    posts = [f"{text} #launchday take {n}" for text in topics.values() for n in range(15)]
    posts += [f"#launchday {a} {b}" for a, b in zip(["piano", "garden", "sunset", "tennis", "coffee", "museum",
                                                    "holiday", "kitten", "violin"],
                                                   ["orange", "mountain", "bicycle", "pizza", "castle", "rocket",
                                                    "island", "lemon", "forest"], strict=True)]
    mentions = [_mention(i, text) for i, text in enumerate(posts)]
    themes = extract_themes(mentions, use_embeddings=False, stopwords=("acme",))
    assert themes, "the three topics make themes"
    for theme in themes:
        assert "launchday" not in theme.label.split(" · "), theme.label
    labels = " | ".join(t.label for t in themes)
    for word in ("battery", "shipping", "refund"):
        assert word in labels
    assert all(t.label == MIXED or t.labels or t.keywords for t in themes)
