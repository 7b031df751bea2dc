"""The block list: who and what `groundswell subject forget` erased, so that collection never stores it again.

State keys ``forgotten:author:<source>:<handle>`` (handle casefolded, without '@') and ``forgotten:id:<mention id>``;
the value is when it was recorded (ISO-8601 UTC) and nothing else: no reason, no text, no name beyond the handle or
id that must be matched. Collection (`groundswell/pipeline.py`: each stored batch and the dead-letter replay) and
`groundswell store copy` drop a post the list names, counted as "forgotten". Kept for good: no retention prunes it
(a pruned entry would let the next backfill bring the person back). A platform's deletion (a tombstone) adds no
entry: the post is simply no longer stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from core.mention import Mention, reposted_author
from core.state import ListableState

PREFIX = "forgotten:"
AUTHOR_PREFIX = f"{PREFIX}author:"
ID_PREFIX = f"{PREFIX}id:"
# An erasure under way (`groundswell.subject_forget`): what it must still redact, deleted when it is done. Not a
# block-list entry: never matched, never copied to another store.
PENDING_PREFIX = f"{PREFIX}pending:"


def author_key(source: str, handle: str) -> str:
    return f"{AUTHOR_PREFIX}{source}:{handle.strip().lstrip('@').casefold()}"


def id_key(mention_id: str) -> str:
    return f"{ID_PREFIX}{mention_id}"


class BlockList:
    """The ``forgotten:`` entries of one store (module docstring), read once per instance."""

    def __init__(self, store: ListableState):
        self.store = store
        self._keys: set[str] | None = None

    def keys(self) -> set[str]:
        if self._keys is None:
            self._keys = {k for k in self.store.state_items(PREFIX) if not k.startswith(PENDING_PREFIX)}
        return self._keys

    def __bool__(self) -> bool:
        return bool(self.keys())

    def add(self, authors: Iterable[tuple[str, str]], ids: Iterable[str], now: datetime | None = None) -> int:
        """Record these authors and ids; return how many entries are new (an entry already there keeps its date)."""
        wanted = {author_key(s, h) for s, h in authors} | {id_key(i) for i in ids}
        new = sorted(wanted - self.keys())
        if new:
            when = (now or datetime.now(UTC)).astimezone(UTC).isoformat()
            self.store.set_states({key: when for key in new})
            self.keys().update(new)
        return len(new)

    def blocks(self, mention: Mention) -> bool:
        """Whether the list names this post or its author, or the post reposts one it names (`RT @handle: …`,
        `extra.repost_of`): a repost carries the forgotten words."""
        keys = self.keys()
        if not keys:
            return False
        of = mention.extra.get("repost_of")
        if id_key(mention.id) in keys or (of and id_key(str(of)) in keys):
            return True
        handles = (mention.author.handle if mention.author else None, reposted_author(mention.text))
        return any(h and author_key(mention.source, h) in keys for h in handles)

    def split(self, mentions: Iterable[Mention]) -> tuple[list[Mention], list[Mention]]:
        """(the posts it lets through, the ones it blocks)."""
        kept, blocked = [], []
        for mention in mentions:
            (blocked if self.blocks(mention) else kept).append(mention)
        return kept, blocked


def forgotten_reason(mention: Mention) -> str:
    """The `skipped_reasons` line of a blocked post (its id only: the block list's rule, nothing about them)."""
    return f"{mention.id}: forgotten (groundswell subject forget); not stored"
