"""The shares a backtest replays: which of its input's lines collection would have recorded as reposts.

A backtest reads every line of a history, retweets included, and keeps them all as mentions (the spike
detectors of a backtest count each retweet: docs/alerts.md, "Limits"). The viral detector (`alerts.viral`)
counts shares instead, the reposts collection drops as copies of a stored post (`groundswell.copies`,
`groundswell.shares`). So the backtest rebuilds them with collection's rule for reposts, in the order
collection would have met the lines (oldest first; a tie keeps the input's order):

- a repost is a post marked as one (`extra.repost_of`) or written as one (`RT @x: …`), as `copies.is_repost`;
- it is a share of the first earlier post, itself no repost, with the same text fingerprint
  (`Mention.dedup_key`) for one of the repost's brands; the first such post owns the text, as in `CopyIndex`;
- a repost with no such post (its original predates the history or was never read) is no share: collection
  stores it as a mention of its own, and nothing owns the reposts that copy it.

Collection also drops a post as a copy of an earlier one with the same canonical URL; a repost found that way
is a share there and not here (the real streams carry no URLs). Alerts layer: `groundswell.copies` is above it.
"""

from __future__ import annotations

from collections.abc import Iterable

from alerts.shares import Share, share_of
from core.mention import Mention, is_repost
from core.time import as_utc


def replayed_shares(mentions: Iterable[Mention]) -> list[Share]:
    """The shares collection would have recorded reading `mentions` oldest first (module docstring)."""
    owners: dict[tuple[str | None, str], str] = {}  # (brand, text fingerprint) -> the first post that owns it
    out: list[Share] = []
    for mention in sorted(mentions, key=lambda m: as_utc(m.created_at)):  # sorted() is stable: ties keep order
        key = mention.dedup_key()
        brands: list[str | None] = list(mention.brands) or [None]
        if is_repost(mention):
            original = next((owners[(b, key)] for b in brands if (b, key) in owners), None)
            if original is not None and original != mention.id:
                out.append(share_of(mention, original))
            continue  # a repost never owns its text: later reposts of it copy the post it copies
        for brand in brands:
            owners.setdefault((brand, key), mention.id)
    return out
