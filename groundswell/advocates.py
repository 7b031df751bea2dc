"""Advocates and detractors: the authors who keep talking about a brand, for better or worse.

An advocate wrote at least `MIN_MENTIONS` positive (non-spam) mentions of the brand in the period;
a detractor as many negative ones. They are ranked by

    score = mentions × (1 + log10(1 + reach))

where reach = the author's largest follower count seen + the engagement of those mentions. Repeating
counts linearly and reach by orders of magnitude: a one-off celebrity is not listed at all, of two
authors with as much reach the more loyal wins, and two posts to 90,000 followers (score 11.9) rank
above four to 50 (10.8), but not above six to 500 (22.2).
One function for every store: it reads the brand's mentions of one sentiment in the period as light rows
(`Store.iter_rows`, indexed by brand, time and sentiment on both stores; no Mention is built for them),
narrowed by the view's facets when given (`facets`: source, language, spam included; the overview's card
follows its filters), and reads whole only the samples of the authors it lists (`Store.get_readable`).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from core.accounts import OwnAccounts
from core.escaping import csv_cell
from core.mention import Mention
from core.time import check_range
from indexing.base import Filters, PostRow, Store

MIN_MENTIONS = 2
SAMPLES = 3
CSV_COLUMNS = [
    "rank", "handle", "source", "sentiment", "mentions", "score", "reach", "followers", "engagement",
    "first_seen", "last_seen", "languages", "sample_ids", "sample_texts",
]  # fmt: skip


@dataclass
class Advocate:
    """One author's repeated mentions of one sentiment about a brand."""

    handle: str
    source: str
    sentiment: str
    mentions: int = 0
    followers: int = 0
    engagement: int = 0
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    languages: dict[str, int] = field(default_factory=dict)
    # Most engaged first, at most SAMPLES: Mentions once `advocates` returns (light rows while it adds up).
    samples: list[Mention] = field(default_factory=list)

    @property
    def reach(self) -> int:
        return self.followers + self.engagement

    @property
    def score(self) -> float:
        return round(self.mentions * (1 + math.log10(1 + self.reach)), 3)

    def add(self, m: Mention | PostRow) -> None:
        row = m if isinstance(m, PostRow) else PostRow.of(m)
        self.mentions += 1
        self.followers = max(self.followers, row.author.followers)
        self.engagement += row.engagement
        self.first_seen = min(self.first_seen or row.created_at, row.created_at)
        self.last_seen = max(self.last_seen or row.created_at, row.created_at)
        lang = row.lang or "unknown"
        self.languages[lang] = self.languages.get(lang, 0) + 1
        self.samples.append(m)  # type: ignore[arg-type]  # light rows until `advocates` reads them whole
        self.samples.sort(key=lambda s: (-_engagement(s), s.created_at, s.id))
        del self.samples[SAMPLES:]


def advocates(
    store: Store,
    brand: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    sentiment: str = "positive",
    n: int = 20,
    min_mentions: int = MIN_MENTIONS,
    own: OwnAccounts | None = None,
    facets: Filters | None = None,
) -> list[Advocate]:
    """The top `n` authors by score with `min_mentions`+ mentions of `sentiment` ("negative": detractors).

    The brands' `own` accounts are never advocates (their polite replies read as positive). `facets`: the view's
    other filters (source, lang, include_spam, ...); its brand, period and sentiment are the arguments'."""
    if sentiment not in ("positive", "negative"):
        raise ValueError(f"sentiment must be 'positive' (advocates) or 'negative' (detractors), not {sentiment!r}")
    check_range(since, until)
    by_author: dict[tuple[str, str], Advocate] = {}
    # spam is left out unless the facets include it (Filters' default)
    filters = (facets or Filters()).replace(brand=brand, since=since, until=until, sentiment=sentiment)
    for row in store.iter_rows(filters):
        if not row.author.handle or (own and own.owns(row)):  # type: ignore[arg-type]  # a Mention's fields
            continue  # nobody to name, or the brand speaking
        key = (row.source, row.author.handle)
        by_author.setdefault(key, Advocate(handle=row.author.handle, source=row.source, sentiment=sentiment)).add(row)
    ranked = [a for a in by_author.values() if a.mentions >= min_mentions]
    ranked.sort(key=lambda a: (-a.score, -a.mentions, a.handle, a.source))
    listed = ranked[:n]
    whole = {m.id: m for m in store.get_readable([s.id for a in listed for s in a.samples])}
    # A sample deleted since it was read (retention, erasure), or one this version cannot read whole (skipped and
    # counted in `store.unreadable`, as scans do), is no longer shown; the author's figures still count it.
    for a in listed:
        a.samples = [whole[s.id] for s in a.samples if s.id in whole]
    return listed


def _engagement(post: Mention | PostRow) -> int:
    return post.engagement if isinstance(post, PostRow) else post.engagement.total


def advocate_record(rank: int, a: Advocate) -> dict[str, object]:
    """A JSON-ready row (CLI output, dashboard API)."""
    return {
        "rank": rank,
        "handle": a.handle,
        "source": a.source,
        "sentiment": a.sentiment,
        "mentions": a.mentions,
        "score": a.score,
        "reach": a.reach,
        "followers": a.followers,
        "engagement": a.engagement,
        "first_seen": _iso(a.first_seen),
        "last_seen": _iso(a.last_seen),
        "languages": _languages(a),
        "samples": [
            {"id": m.id, "url": m.url, "created_at": m.created_at.isoformat(), "text": m.text, "lang": m.lang}
            for m in a.samples
        ],
    }


def advocates_csv(rows: list[Advocate]) -> Iterator[str]:
    """CSV of a ranking (header first), formula-safe for spreadsheets."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for rank, a in enumerate(rows, 1):
        writer.writerow(
            csv_cell(v)
            for v in (
                rank, a.handle, a.source, a.sentiment, a.mentions, a.score, a.reach, a.followers, a.engagement,
                _iso(a.first_seen), _iso(a.last_seen), "|".join(f"{k}:{v}" for k, v in _languages(a).items()),
                "|".join(m.id for m in a.samples), " | ".join(" ".join(m.text.split()) for m in a.samples),
            )
        )  # fmt: skip
    yield buf.getvalue()


def _languages(a: Advocate) -> dict[str, int]:
    return dict(sorted(a.languages.items(), key=lambda kv: (-kv[1], kv[0])))


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
