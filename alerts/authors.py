"""Who wrote an alert's posts: the one rule of "the same author" the alert rules share.

A brand spike is many people complaining; one angry customer's six-post thread is one person. The spike rule
counts the distinct authors of a window's negatives (`alerts.spike`, `SpikeRule.min_authors`), the explanation
says when one author wrote most of a window's posts (`alerts.evidence`, `AuthorShare`), and the influencer rule
folds one author's posts into one alert (`alerts.influencer`). All three ask `author_key`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from indexing.base import Filters, Store


class _Authored(Protocol):
    """A post as `author_key` reads it: a `Mention` or a store's `PostRow` (their attributes are named alike)."""

    @property
    def source(self) -> str: ...
    @property
    def author(self) -> Any: ...  # `.id` and `.handle`


def author_key(post: _Authored) -> str | None:
    """The author of `post` as one key: its source and its author's id, else handle (`@` and case dropped). None
    when the post names no author (some feeds and imports carry none): such a post cannot be told to be anyone's
    second post, so each counts as its own author, and a rule that needs several people is never stopped by it."""
    who = (post.author.id or post.author.handle) if post.author is not None else None
    who = (who or "").strip().lstrip("@").casefold()
    return f"{post.source}:{who}" if who else None


def distinct_authors(posts: Iterable[_Authored], enough: int | None = None) -> int:
    """How many different authors wrote `posts` (`author_key`; an unnamed author counts once per post), reading
    no further once `enough` are found."""
    seen: set[str] = set()
    unnamed = 0
    for post in posts:
        key = author_key(post)
        if key is None:
            unnamed += 1
        else:
            seen.add(key)
        if enough is not None and len(seen) + unnamed >= enough:
            break
    return len(seen) + unnamed


def negative_authors(store: Store, base: Filters) -> AuthorCount:
    """The `AuthorCount` of `base`'s negatives (a brand, perhaps one source or language, up to a run's `now`)."""

    def count(since: datetime, until: datetime, enough: int) -> int:
        end = until if base.until is None else min(until, base.until)
        rows: Iterator[Any] = store.iter_rows(base.replace(since=since, until=end, sentiment="negative"))
        with closing(rows):  # stopping early must release what the store holds open for later pages
            return distinct_authors(rows, enough)

    return count


class AuthorCount(Protocol):
    """(since, until, enough) -> how many authors wrote the negatives counted in [since, until), read no further
    than `enough`: what `alerts.spike.detect_spikes` asks before a bucket may alert."""

    def __call__(self, since: datetime, until: datetime, enough: int) -> int: ...


AUTHOR_SHARE = 0.5  # one author holds "most" of a window's posts when more than half of them


@dataclass(frozen=True)
class AuthorShare:
    """One author wrote `count` of a window's `posts` (more than `AUTHOR_SHARE` of them), `authors` wrote all."""

    author: str  # as shown: @handle, else the author's name or id
    count: int
    posts: int
    authors: int

    def text(self) -> str:
        """E.g. 'All 6 posts are from 1 author, @angry_bob.' or '5 of these 8 posts are from @bob (3 authors).'"""
        if self.authors == 1:
            return f"All {self.posts} posts are from 1 author, {self.author}."
        return f"{self.count} of these {self.posts} posts are from {self.author} ({self.authors} authors in all)."


def author_share(posts: list[Any]) -> AuthorShare | None:
    """The author who wrote most of `posts` (Mentions), when one wrote more than half of at least 2; None
    otherwise. Posts naming no author are each their own author (`author_key`)."""
    keys = [author_key(m) for m in posts]
    named = Counter(k for k in keys if k is not None)
    if len(posts) < 2 or not named:
        return None
    key, count = named.most_common(1)[0]
    if count <= AUTHOR_SHARE * len(posts):
        return None
    who = next(m.author for m, k in zip(posts, keys, strict=True) if k == key)
    shown = f"@{who.handle.lstrip('@')}" if who.handle else (who.name or who.id or "one author")
    return AuthorShare(shown, count, len(posts), len(named) + keys.count(None))
