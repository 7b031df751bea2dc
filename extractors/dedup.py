"""Cross-source de-duplication: one story posted, retweeted and cross-posted counts once.

Two mentions are copies when they share a canonical URL or the same normalised
text (`Mention.dedup_key`: case, URLs, 'RT @x:' and punctuation removed).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from core.mention import Mention

# Tracking parameters that never change what a URL points to.
_TRACKING = {"fbclid", "gclid", "ref_src", "ref_url", "igshid", "mc_cid", "mc_eid"}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name.startswith("utm_") or name in _TRACKING


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme/host, no 'www.', no fragment, no tracking parameters, no trailing '/'."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return None
    host = parts.netloc.lower().removeprefix("www.")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    return urlunsplit(("https", host, parts.path.rstrip("/") or "/", urlencode(sorted(query)), ""))


def _keys(mention: Mention) -> list[str]:
    keys = []
    if mention.text.strip():
        keys.append("text:" + mention.dedup_key())
    url = canonical_url(mention.url)
    if url:
        keys.append("url:" + url)
    return keys


def _rank(mention: Mention) -> tuple[int, int, str]:
    """Keep the original over its copies: not a repost, most reach, earliest, then id."""
    is_repost = 1 if mention.extra.get("repost_of") else 0
    return (is_repost, -mention.reach, mention.created_at.isoformat() + mention.id)


def dedupe(mentions: Iterable[Mention]) -> list[Mention]:
    """One mention per group of copies (the original, or the one with the most reach).

    The kept mention's `extra["duplicates"]` says how many copies it stands for.
    Order follows the first appearance of each group.
    """
    items = list(mentions)
    parent = list(range(len(items)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    seen: dict[str, int] = {}
    for i, mention in enumerate(items):
        for key in _keys(mention):
            if key in seen:
                a, b = find(seen[key]), find(i)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                seen[key] = i
    groups: dict[int, list[Mention]] = {}
    for i, mention in enumerate(items):
        groups.setdefault(find(i), []).append(mention)
    out = []
    for root in sorted(groups):
        members = groups[root]
        best = min(members, key=_rank)
        if len(members) > 1:
            best = best.model_copy(update={"extra": {**best.extra, "duplicates": len(members) - 1}})
        out.append(best)
    return out


def count_unique(mentions: Iterable[Mention]) -> int:
    """How many distinct posts, copies counted once."""
    return len(dedupe(mentions))
