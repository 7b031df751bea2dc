"""groundswell/faq.py's grouping on given vectors (kept in a real SentenceEmbeddings, so nothing is encoded)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from core.mention import Mention
from groundswell.faq import group
from nlp.embeddings import SentenceEmbeddings
from nlp.normalize import normalize

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _posts(texts: list[str], langs: list[str]) -> list[Mention]:
    return [Mention(source="x", native_id=str(i), text=t, lang=lang, created_at=T0 + timedelta(minutes=i))
            for i, (t, lang) in enumerate(zip(texts, langs, strict=True))]


def test_groups_are_labelled_by_their_most_central_post_and_singletons_stand_alone():
    rng = np.random.default_rng(1)
    a, b, c = (rng.normal(size=384) for _ in range(3))  # three unrelated directions
    texts = ["reset? 1", "reset? 2", "reset? centre", "reset? 1", "refund? 1", "refund? 2", "lonely"]
    vectors = np.stack([a + 0.05 * rng.normal(size=384), a + 0.05 * rng.normal(size=384), a,
                        a + 0.05 * rng.normal(size=384), b + 0.05 * rng.normal(size=384), b, c])
    embeddings = SentenceEmbeddings()
    keys = [normalize(t) for t in texts]
    embeddings.keep(keys[:3] + keys[4:], np.delete(vectors, 3, axis=0))  # "reset? 1" twice: one text, one vector
    posts = _posts(texts, ["en", "de", "en", "en", "ko", "ko", "en"])

    found = group(posts, total=9, intent="question", embeddings=embeddings, examples=5)

    assert embeddings.encoded == 0
    assert (found.total, found.posts, found.ungrouped) == (9, 7, 1)  # "lonely" has no group
    assert [g.count for g in found.groups] == [4, 2]
    assert found.groups[0].label == "reset? centre" and found.groups[1].label.startswith("refund?")
    assert found.groups[0].langs == {"en": 3, "de": 1}
    # Examples: distinct texts, the most central first (the repeated "reset? 1" shown once).
    assert [m.text for m in found.groups[0].examples][0] == "reset? centre"
    assert sorted(m.text for m in found.groups[0].examples) == ["reset? 1", "reset? 2", "reset? centre"]
    assert group([], 0, "question", embeddings).groups == []


def test_a_group_names_all_its_posts_and_counts_copies_once_as_a_text():
    """The drill-down's ids: every post of the group, newest first (the order posts come in); `distinct`: texts by
    the collector's copy rule (core.mention.dedup_key: a retweet prefix, URLs, case and punctuation aside)."""
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=384), rng.normal(size=384)
    texts = ["Refund? 1", "RT @x: refund? 1 https://t.co/z", "refund? 2", "refund? 3", "REFUND? 1!", "other one"]
    vectors = np.stack([a + 0.05 * rng.normal(size=384) for _ in range(5)] + [b])
    embeddings = SentenceEmbeddings()
    embeddings.keep([normalize(t) for t in texts], vectors)
    posts = _posts(texts, ["en"] * 6)[::-1]  # newest first, as the store reads them

    found = group(posts, total=6, intent="question", embeddings=embeddings)

    (g,) = found.groups
    assert g.count == 5 and g.distinct == 3  # "Refund? 1" three times (one a retweet), "refund? 2", "refund? 3"
    assert g.ids == [m.id for m in posts if m.text != "other one"]  # all of them, newest first
    assert g.id == next(m.id for m in posts if m.text == g.label)  # named by its label post
    assert found.found == 1 and found.ungrouped == 1


def test_groups_of_one_theme_name_each_other_across_languages():
    """One complaint in three languages: three groups (DISTANCE keeps languages apart), linked by the top-level theme
    most of their posts carry; an aspect counts for its theme (`parents`), a group under no theme links to none,
    and a group beyond the `n` shown is still named."""
    rng = np.random.default_rng(3)
    dirs = [rng.normal(size=384) for _ in range(4)]
    spec = [  # (direction, lang, themes of each post)
        (0, "en", [["overheating", "overheating · smoke"]] * 4),
        (1, "ko", [["overheating · smoke"]] * 2 + [["overheating"], []]),  # aspect only: counts for its theme
        (2, "zh", [["overheating"], []]),  # half of it: enough
        (3, "en", [["price"], [], []]),  # under half: no theme
    ]
    texts, langs, themes, vectors = [], [], [], []
    for d, lang, carried in spec:
        for i, labels in enumerate(carried):
            texts.append(f"{lang}-{d}-{i}")
            langs.append(lang)
            themes.append(labels)
            vectors.append(dirs[d] + 0.05 * rng.normal(size=384))
    embeddings = SentenceEmbeddings()
    embeddings.keep([normalize(t) for t in texts], np.stack(vectors))
    posts = [m.model_copy(update={"themes": t}) for m, t in zip(_posts(texts, langs), themes, strict=True)]

    found = group(posts, total=len(posts), intent="complaint", embeddings=embeddings, n=2,
                  parents={"overheating · smoke": "overheating"})

    assert found.found == 4 and [g.count for g in found.groups] == [4, 4]
    by_lang = {next(iter(g.langs)): g for g in found.groups}
    assert by_lang["en"].theme == by_lang["ko"].theme == "overheating"
    assert [o.langs for o in by_lang["en"].related] == [{"ko": 4}, {"zh": 2}]  # the zh group is not shown: named
    assert [o.langs for o in by_lang["ko"].related] == [{"en": 4}, {"zh": 2}]
    unthemed = group(posts[-3:], total=3, intent="complaint", embeddings=embeddings, parents={})
    assert unthemed.groups[0].theme is None and unthemed.groups[0].related == []
