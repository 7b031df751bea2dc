"""The spike rule's author count (`alerts.authors.negative_authors`, what `SpikeRule.min_authors` asks) reads the
same from both stores: the distinct authors of a window's negatives, one handle however written, an author known
only by id, each post without an author on its own; other labels, spam, other brands and posts after the run's
`now` not counted."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store

from alerts.authors import negative_authors
from core.mention import Author, Mention, Sentiment
from indexing.base import Filters, Store

HOUR = datetime(2026, 3, 2, 15, tzinfo=UTC)


def _post(n: int, author: Author, label: str = "negative", brand: str = "Acme", minutes: int = 0,
          spam: str | None = None) -> Mention:
    return Mention(source="x", native_id=str(n), text=f"acme post {n}", brand=brand, lang="en", author=author,
                   created_at=HOUR + timedelta(minutes=minutes or n), spam=spam,
                   sentiment=Sentiment(label=label, probs={}, model="test"))  # fmt: skip


@pytest.fixture(params=STORES)
def store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path)


def test_the_authors_of_a_windows_negatives_read_alike_on_both_stores(store):
    posts = [
        _post(1, Author(handle="Bob")), _post(2, Author(handle="@bob")), _post(3, Author(handle="bob")),  # one
        _post(4, Author(id="did:plc:ann")),  # known by id only
        _post(5, Author()), _post(6, Author()),  # no author: each its own
        _post(7, Author(handle="carol"), label="positive"),  # not a negative
        _post(8, Author(handle="dave"), spam="copy-paste campaign"),  # spam is in no count
        _post(9, Author(handle="erin"), brand="Globex"),  # another brand
        _post(10, Author(handle="fay"), minutes=50),  # after the run's `now`
    ]  # fmt: skip
    assert all(r.ok for r in store.upsert(posts))
    count = negative_authors(store, Filters(brand="Acme", until=HOUR + timedelta(minutes=40)))
    assert count(HOUR, HOUR + timedelta(hours=1), 10) == 4  # bob, ann, and the two posts without an author
    assert count(HOUR, HOUR + timedelta(hours=1), 2) == 2  # reads no further than it needs
    assert count(HOUR + timedelta(minutes=4), HOUR + timedelta(hours=1), 10) == 3  # from post 4 on
