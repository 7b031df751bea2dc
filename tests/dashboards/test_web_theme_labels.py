"""`/api/search?theme=…` accepts every label the themes step writes (issue 18).

Labels are built the way `nlp/themes.py` builds them: the real tokenizer's words of a post,
joined with " · ". They contain spaces, a middle dot, Hangul, Han, Cyrillic and punctuation;
the original `_IDENT` check answered 400 to every one of them.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.mention import Mention, Sentiment
from dashboards.web.app import create_app
from groundswell.config import BrandConfig
from indexing.sqlite import SqliteStore
from nlp.themes import LABEL_WORDS
from nlp.tokenize import tokenize

POSTS = [
    ("en", "Battery fire recall: Lumora battery fire recall again"),
    ("ko", "루모라 배터리 과열 리콜 배터리 과열"),
    ("zh", "露莫拉电池过热召回电池过热"),
    ("ru", "Люмора батарея перегрев отзыв"),
    ("en", "c++ SDK don't work: #fail $99 50% off!!"),
]


def _label(text: str, lang: str) -> str:
    return " · ".join(tokenize(text, lang)[:LABEL_WORDS]) or text


LABELS = [_label(text, lang) for lang, text in POSTS] + ["q&a · \"quoted\" · a/b", "émoji 🔋 · ok?", "AND · OR · NOT (",
                                                       "flight › cancelled my flight", "kill people (2)"]


@pytest.fixture(scope="module")
def client():
    path = Path(tempfile.mkdtemp()) / "labels.db"
    store = SqliteStore(path)
    start = datetime(2026, 11, 1, tzinfo=UTC)
    mentions = [
        Mention(
            source="x", native_id=f"{i}-{j}", text=f"post {i} {j}", created_at=start + timedelta(hours=i * 3 + j),
            brands=["Lumora"], lang="en", themes=[label],
            sentiment=Sentiment(label="neutral", probs={"neutral": 1.0}, model="test"),
        )
        for i, label in enumerate(LABELS)
        for j in range(i + 1)  # a distinct count per label, so a wrong match shows
    ]
    assert all(r.ok for r in store.upsert(mentions))
    with TestClient(create_app(store, [BrandConfig(name="Lumora", query="Lumora")]), base_url="http://127.0.0.1") as c:
        yield c
    store.close()


def test_labels_are_real_multi_word_labels():
    assert all(" · " in label for label in LABELS[:5]), LABELS


@pytest.mark.parametrize("index", range(len(LABELS)))
def test_search_by_every_real_theme_label(client, index):
    label = LABELS[index]
    response = client.get("/api/search", params={"theme": label, "size": 100})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == index + 1
    assert all(label in hit["themes"] for hit in body["hits"])


@pytest.mark.parametrize("bad", ["a\nb", "tab\there", " padded", "x" * 201, "nul\x00"])
def test_unprintable_or_overlong_theme_is_a_clear_400(client, bad):
    response = client.get("/api/search", params={"theme": bad})
    assert response.status_code == 400
    assert response.json()["param"] == "theme"
