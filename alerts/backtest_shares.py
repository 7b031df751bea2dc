"""The shares a backtest replays: which of its input's lines collection would have recorded as reposts.

A backtest reads every line of a history, retweets included, and keeps them all as mentions (the spike
detectors of a backtest count each retweet: docs/alerts.md, "Limits"). The viral detector (`alerts.viral`)
counts shares instead, the reposts collection drops as copies of a stored post (`groundswell.copies`,
`groundswell.shares`). So the backtest rebuilds them with collection's rule for reposts (`core.stories`, the one
rule both call), in the order collection would have met the lines (oldest first; a tie keeps the input's order):

- a repost is a post marked as one (`extra.repost_of`) or written as one (`RT @x: …`), `core.mention.is_repost`;
- it is a share of the earlier post whose story it tells (`core.stories.original_of`): the first repost of the
  same `repost_of`; else the post by the author its `RT @` prefix names with the same text, or whose text the
  repost's starts when X cut it short (`…`); else an identical earlier retweet; else the post `repost_of` names;
  else the first post, itself no repost, with the same text fingerprint for one of its brands, when the repost
  names no author or that post is by the one it names (two people may write the same words);
- a repost of no such post (its original predates the history or was never read) is no share: collection stores
  it as a mention of its own, which stands for the story, and later reposts of the same story are its shares;
  when the original comes after it, the original takes over (`core.stories.takes_over`): the stand-in becomes its
  share, and so do its shares and later reposts (`groundswell.copies.CopyIndex.merge_stand_ins`).

Collection also drops a post as a copy of an earlier one with the same canonical URL; a repost found that way
is a share there and not here (the real streams carry no URLs). Alerts layer: `groundswell.copies` is above it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from alerts.shares import Share, share_of
from core import stories
from core.mention import Mention
from core.time import as_utc


def replayed_shares(mentions: Iterable[Mention]) -> list[Share]:
    """The shares collection would have recorded reading `mentions` oldest first (module docstring)."""
    owners: dict[str, str] = {}  # a story key (`core.stories`) -> the post that owns it
    kept: dict[str, Mention] = {}  # the posts collection would have stored, by id
    into: dict[str, str] = {}  # a stand-in an original took over -> that original
    out: list[Share] = []
    for mention in sorted(mentions, key=lambda m: as_utc(m.created_at)):  # sorted() is stable: ties keep order
        original = stories.original_of(
            mention, lambda key, me=mention.id: owner if (owner := owners.get(key)) != me else None, kept.get)
        if original is not None:
            out.append(share_of(mention, into.get(original, original)))
            continue
        kept[mention.id] = mention
        for key in stories.owned_keys(mention):
            owners.setdefault(key, mention.id)
        for key in stories.takeover_keys(mention):
            if (holder := owners.get(key)) is not None and stories.takes_over(mention, kept.get(holder)):
                owners[key] = mention.id
                if holder not in into:  # the stand-in becomes its share, and so do its shares (collection's merge)
                    into[holder] = mention.id
                    out = [replace(s, original=mention.id) if s.original == holder else s for s in out]
                    out.append(share_of(kept.pop(holder), mention.id))
    return out
