"""Which state entries `groundswell store copy` must not bring back because the block list forgot them.

A copy from an older store (a backup, the store a team moves from) holds the state `groundswell subject forget`
erased in the target: copy keys of their posts, shares by or of them, corrections and "not spam" overrides of
their posts. The copy drops every entry that, by its owner's rule (`groundswell.subject_state`), belongs to a post
or author the block list names (`groundswell.subject_block`, of both stores):

- keyed or valued by a forgotten mention id, or by a post of a forgotten author (read from the source store: the
  backup still holds the post, so its author is known);
- ``copy:head:`` / ``copy:retweet:`` keys whose structured author part is a forgotten handle on the owner's source;
- shares by or of a forgotten author (on the repost's source), or of / reposting a forgotten post;
- an erasure's pending entry (``forgotten:pending:``): it is never copied;
- alert log entries quoting their posts, and entries keyed by such an alert (a verdict's note naming @them), are
  copied rewritten as `groundswell subject forget` rewrites them (`groundswell.subject_state.find_state`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from alerts.redact import Redaction
from alerts.shares import PREFIX as SHARE_PREFIX
from alerts.shares import Share
from core.batches import batched
from groundswell.copies import PREFIX as COPY_PREFIX
from groundswell.sentiment_corrections import CORRECTION_PREFIX
from groundswell.sentiment_corrections import UNDONE_PREFIX as CORRECTION_UNDONE
from groundswell.spam import OVERRIDE_PREFIX
from groundswell.spam import UNDONE_PREFIX as OVERRIDE_UNDONE
from groundswell.subject_block import AUTHOR_PREFIX, ID_PREFIX, PENDING_PREFIX, BlockList
from groundswell.subject_block import PREFIX as BLOCK_PREFIX
from groundswell.subject_state import find_state
from indexing.base import Store

_BY_MENTION = (CORRECTION_PREFIX, CORRECTION_UNDONE, OVERRIDE_PREFIX, OVERRIDE_UNDONE)


def _handle(value: str | None) -> str:
    return (value or "").strip().lstrip("@").casefold()


def _named(key: str, value: str) -> tuple[set[str], set[tuple[str, str]]]:
    """(the mention ids, the (source, handle) authors) an entry belongs to, by its owner's rule."""
    ids: set[str] = set()
    authors: set[tuple[str, str]] = set()
    if key.startswith(COPY_PREFIX):
        ids.add(value)
        source = value.partition(":")[0]
        kind, _, rest = key.removeprefix(COPY_PREFIX).partition(":")
        if kind == "repost":
            ids.add(rest.rpartition(":")[2])
        elif kind in ("head", "retweet") and rest.count(":") >= 2:
            authors.add((source, _handle(rest.rsplit(":", 2)[-2])))
    elif key.startswith(SHARE_PREFIX):
        share = Share.from_entry(key, value)
        if share is not None:
            ids |= {share.repost, share.original}
            source = share.repost.partition(":")[0]
            authors |= {(source, _handle(h)) for h in (share.by, share.of) if h}
    elif key.startswith(_BY_MENTION):
        ids.add(key.removeprefix(next(p for p in _BY_MENTION if key.startswith(p))))
    else:
        parts = key.split(":")
        ids |= {f"{parts[i]}:{parts[i + 1]}" for i in range(1, len(parts) - 1)}
        if len(value) < 200 and not any(c in value for c in ' {["'):  # a value that is one mention id
            ids.add(value)
    return {i for i in ids if i and ":" in i}, authors


@dataclass
class ForgottenState:
    """What a copy does with the source's entries the block list concerns: keys not copied, values rewritten."""

    drop: set[str] = field(default_factory=set)
    rewrite: dict[str, str] = field(default_factory=dict)


class _Entries:
    """Entries as the `ListableState` `groundswell.subject_state.find_state` reads."""

    def __init__(self, entries: dict[str, str]):
        self.entries = entries

    def state_items(self, prefix: str) -> dict[str, str]:
        return {k: v for k, v in self.entries.items() if k.startswith(prefix)}


def forgotten_entries(source: Store, entries: dict[str, str], blocks: BlockList) -> ForgottenState:
    """What of `entries` (the source's state) belongs to what `blocks` forgot (module docstring): dropped, or, for
    an alert log entry and one keyed by its alert (a verdict's note), rewritten as `groundswell subject forget`
    rewrites them."""
    out = ForgottenState({key for key in entries if key.startswith(PENDING_PREFIX)})
    keys = blocks.keys()
    if not keys:
        return out
    gone_ids = {k.removeprefix(ID_PREFIX) for k in keys if k.startswith(ID_PREFIX)}
    gone_authors = {tuple(k.removeprefix(AUTHOR_PREFIX).split(":", 1)) for k in keys if k.startswith(AUTHOR_PREFIX)}
    named = {key: _named(key, value) for key, value in entries.items()
             if key not in out.drop and not key.startswith(BLOCK_PREFIX)}  # the block list itself always travels
    redaction = Redaction()
    for source_name, handle in gone_authors:
        redaction.add_handle(handle, source_name)
    for chunk in batched(sorted({i for ids, _ in named.values() for i in ids} | gone_ids), 500):
        for mention in source.get(list(chunk)):  # the source (a backup) still holds the post: its author is known
            if mention.id in gone_ids or blocks.blocks(mention):
                gone_ids.add(mention.id)
                redaction.add_post(mention.id, mention.url, mention.text,
                                   mention.author.handle if mention.author else None, mention.source)
    for post_id in gone_ids:
        redaction.add_id(post_id)
    for key, (ids, authors) in named.items():
        if ids & gone_ids or authors & gone_authors:
            out.drop.add(key)
    found = find_state(_Entries({k: v for k, v in entries.items() if k in named and k not in out.drop}), redaction)
    out.drop |= set(found.delete)
    out.rewrite = {key: value for key, (_, value) in found.rewrite.items()}
    return out
