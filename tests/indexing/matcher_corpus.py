"""Search tests whose every expectation is the matcher's (`Query.matches`, computed in plain Python) over a small
corpus of `(key, text, lang)` posts, held on both stores (tests/indexing/store_support.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from store_support import open_store

from core.mention import Mention
from core.query import parse
from indexing.base import Filters, Store

Post = tuple[str, str, str]  # (key, text, lang)


def corpus(posts: Sequence[Post], t0: datetime) -> list[Mention]:
    """The posts as imported Mentions of brand lumora, a minute apart from `t0` (id `import:<key>`)."""
    return [
        Mention(source="import", native_id=key, text=text, lang=lang, created_at=t0 + timedelta(minutes=i),
                brand="lumora")
        for i, (key, text, lang) in enumerate(posts)
    ]


def matcher_ids(posts: Sequence[Post], query: str) -> set[str]:
    """The ids of the posts the matcher says `query` finds."""
    return {f"import:{key}" for key, text, lang in posts if parse(query).matches(text, lang)}


def filled_store(request: pytest.FixtureRequest, tmp_dir: Path, mentions: list[Mention]) -> Iterator[Store]:
    """A fresh store of `request.param`'s kind holding `mentions` (use with `yield from` in a fixture)."""
    for opened in open_store(request.param, request, tmp_dir):
        assert all(r.ok for r in opened.upsert(mentions))
        yield opened


def assert_store_finds_what_the_matcher_finds(store: Store, posts: Sequence[Post], query: str) -> None:
    """Search, count, iteration and the language facet of `query` all give the matcher's posts."""
    f = Filters(text=query)
    want = matcher_ids(posts, query)
    assert {h.mention.id for h in store.search(f, size=50).hits} == want
    assert store.count(f) == len(want)
    assert {m.id for m in store.iter_mentions(f)} == want
    langs = Counter(lang for key, _, lang in posts if f"import:{key}" in want)
    assert store.facet(f, "lang") == dict(langs)
