"""Key-phrase scoring (alerts/phrases.py): n-grams per language and log-odds with a Dirichlet prior."""

from __future__ import annotations

from collections import Counter

from alerts.phrases import key_phrases, log_odds, post_grams, score


def _texts(grams):
    return {text for text, _ in grams}


def test_phrases_start_and_end_with_content_words_within_a_clause():
    grams = _texts(post_grams("Acme charger overheating, it burned my desk", "en", frozenset({"acme"})))
    assert {"charger overheating", "burned my desk", "burned", "desk"} <= grams
    # Never across the comma, never ending on a stopword, never with the brand's own word.
    assert not {"overheating burned", "it burned", "my desk", "acme charger"} & grams
    assert not [g for g in grams if "acme" in g]


def test_korean_and_chinese_phrases_skip_particles():
    assert "배터리 폭발" in _texts(post_grams("배터리가 폭발했어요!", "ko"))
    assert "환불 거부" in _texts(post_grams("환불 거부 당했습니다", "ko"))
    assert "거부 당하" not in _texts(post_grams("환불 거부 당했습니다", "ko"))  # a verb stem ends no phrase
    assert {"电池起火", "退款拒绝"} <= _texts(post_grams("电池起火了，退款被拒绝", "zh"))


def test_log_odds_is_zero_for_the_same_rate_and_grows_with_evidence():
    same = log_odds(Counter(a=10, b=90), Counter(a=100, b=900))
    assert abs(same["a"]) < 0.5
    small = log_odds(Counter(a=5, b=5), Counter(a=10, b=990))["a"]
    large = log_odds(Counter(a=50, b=50), Counter(a=100, b=9900))["a"]
    assert 1.96 < small < large  # the same ratio, ten times the counts: surer


def test_a_phrase_needs_enough_surge_posts():
    surge = [post_grams("battery fire again", "en")] * 2 + [post_grams("refund denied", "en")] * 6
    usual = [post_grams("support never answers", "en")] * 50
    found = {s.text for s in score(surge, usual)}
    assert "refund denied" in found and "battery fire" not in found  # 2 posts are below min_count=3


def test_usual_talk_is_not_a_key_phrase():
    usual = [post_grams("support never answers", "en")] * 50 + [post_grams("delivery late", "en")] * 50
    surge = [post_grams("support never answers", "en")] * 5 + [post_grams("delivery late", "en")] * 5
    assert score(surge, usual) == []


def test_key_phrases_share_no_word():
    surge = [post_grams("battery caught fire", "en")] * 8 + [post_grams("refund denied", "en")] * 6
    usual = [post_grams("support never answers", "en")] * 50
    chosen = key_phrases(score(surge, usual))
    assert "refund denied" in chosen and len(chosen) == 2  # one of the battery phrases, not three
    words = [w for p in chosen for w in p.split()]
    assert len(words) == len(set(words))


def test_a_one_word_corpus_has_finite_odds():
    # One short post repeated: its only n-gram is the whole surge corpus, and nothing is usual.
    assert abs(log_odds(Counter(a=3), Counter())["a"]) < 10
