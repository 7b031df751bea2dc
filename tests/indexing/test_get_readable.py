"""One stored post this version cannot read must not stop a report that lists posts whole: the response report
(the digest, the unanswered alert) and advocates read their kept posts through `Store.get_readable`, which skips
and counts such a post as scans do, while `get` still raises. On both stores."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from store_support import STORES, open_store
from test_store_contract import _damage

from alerts.response import response_report
from core.accounts import OwnAccounts
from core.mention import Mention, Sentiment
from groundswell.advocates import advocates
from indexing.base import Store

T0 = datetime(2026, 5, 1, tzinfo=UTC)
OWN = OwnAccounts.of({"x": ["@LumoraCare"]})


@pytest.fixture(params=STORES)
def empty_store(request, tmp_path) -> Iterator[Store]:
    yield from open_store(request.param, request, tmp_path, "gs-readable")


def _posts() -> list[Mention]:
    return [
        Mention(source="x", native_id=f"p{i}", text=f"lumora {i}", created_at=T0 + timedelta(hours=i),
                author={"handle": "fan"}, brand="lumora",
                sentiment=Sentiment(label="negative", probs={}, model="t"))
        for i in range(3)
    ]  # fmt: skip


def test_get_readable_skips_and_counts_what_get_raises_on(empty_store: Store):
    posts = _posts()
    assert all(r.ok for r in empty_store.upsert(posts))
    _damage(empty_store, posts[1])
    with pytest.raises(ValueError):
        empty_store.get([p.id for p in posts])
    assert [m.id for m in empty_store.get_readable([p.id for p in posts])] == [posts[0].id, posts[2].id]
    assert empty_store.unreadable.count == 1 and list(empty_store.unreadable.named) == [posts[1].id]


def test_reports_list_the_readable_posts_past_an_unreadable_one(empty_store: Store):
    posts = _posts()
    assert all(r.ok for r in empty_store.upsert(posts))
    _damage(empty_store, posts[1])
    until = T0 + timedelta(days=1)
    for keep in (None, 5):  # the response report / digest, and the unanswered alert's kept posts
        report = response_report(empty_store, "lumora", OWN, 30, T0, until, keep=keep)
        assert [w.mention.id for w in report.needs_reply] == [posts[0].id, posts[2].id]
    ranked = advocates(empty_store, "lumora", T0, until, sentiment="negative")
    assert [(a.handle, [s.id for s in a.samples]) for a in ranked] == [("fan", [posts[0].id, posts[2].id])]
    # SQLite's light row reads the label column (the post is a waiting one, then skipped when read whole);
    # Elasticsearch's reads the damaged label itself (not a negative post: never read whole).
    assert set(empty_store.unreadable.named) <= {posts[1].id}
