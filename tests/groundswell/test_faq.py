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
