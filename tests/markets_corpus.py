"""Two markets in one install (`brands[].market`), as a reviewer configured them: Korean skincare (Solbit, its
competitor Dalbit) and Italian pasta (Ferrucci, its competitor Bellavita), with known daily volumes.

The Korean brands have data from 1 October 2026, the Italian ones from 5 November (added to the config later):
the 4-week baseline before the report's week (16-23 November) is whole for Korea, 11 days for Italy. Volumes
vary by day so that every window has its own share of voice. One post names Solbit and Ferrucci (it counts for
both, in each market). The independent counts below read this list, never the store; the markets tests build
their real SQLite store of it with `stored`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from core.mention import Author, Mention, Sentiment
from indexing.sqlite import SqliteStore

WEEK_START, WEEK_END = date(2026, 11, 16), date(2026, 11, 23)
LAST_DAY = date(2026, 11, 22)
# brand -> (first day of data, competitor, market)
BRANDS: dict[str, tuple[date, bool, str]] = {
    "Solbit": (date(2026, 10, 1), False, "Korea"),
    "Dalbit": (date(2026, 10, 1), True, "korea"),  # the same market, spelt differently: names compare casefolded
    "Ferrucci": (date(2026, 11, 5), False, "Italy"),
    "Bellavita": (date(2026, 11, 5), True, "Italy"),
}
MARKETS = {"Solbit": ("Solbit", "Dalbit"), "Dalbit": ("Solbit", "Dalbit"),
           "Ferrucci": ("Ferrucci", "Bellavita"), "Bellavita": ("Ferrucci", "Bellavita")}


def daily(brand: str, day: date) -> int:
    """Mentions of `brand` on `day`: uneven, so that a share of voice depends on its window."""
    base = {"Solbit": 4, "Dalbit": 2, "Ferrucci": 5, "Bellavita": 5}[brand]
    return base + (day.toordinal() * (len(brand) + 1)) % 3


def mentions() -> list[Mention]:
    out = []
    for brand, (first, _, _) in BRANDS.items():
        day = first
        while day <= LAST_DAY:
            for i in range(daily(brand, day)):
                when = datetime(day.year, day.month, day.day, 1 + i, tzinfo=UTC)
                label = "negative" if i % 3 == 0 else "positive"
                out.append(Mention(source="x", native_id=f"{brand}-{day}-{i}", text=f"{brand} post {i}",
                                   created_at=when, brand=brand, lang="en", author=Author(handle=f"u{i}"),
                                   sentiment=Sentiment(label=label, probs={label: 1.0}, model="t")))
            day += timedelta(days=1)
    both = datetime(2026, 11, 18, 12, tzinfo=UTC)
    out.append(Mention(source="x", native_id="both", text="Solbit mask with Ferrucci pasta", created_at=both,
                       brand="Solbit", brands=["Solbit", "Ferrucci"], lang="en", author=Author(handle="both")))
    return out


def brand_configs(markets: bool, goals: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The config's `brands`, with each brand's `market` or none (the single shared market of before)."""
    return [
        {"name": name, "query": name, "competitor": competitor, **({"market": market} if markets else {}),
         **({"goals": goals} if goals and name == "Solbit" else {})}
        for name, (_, competitor, market) in BRANDS.items()
    ]


def count(corpus: Iterable[Mention], brand: str, since: date, until: date) -> int:
    """Mentions of `brand` in the UTC days [since, until), from the list."""
    lo = datetime(since.year, since.month, since.day, tzinfo=UTC)
    hi = datetime(until.year, until.month, until.day, tzinfo=UTC)
    return sum(1 for m in corpus if brand in m.brands and lo <= m.created_at < hi)


def share(corpus: list[Mention], brand: str, peers: Iterable[str], since: date, until: date) -> float:
    """`brand`'s mentions over those of `peers` in [since, until), rounded as the report rounds."""
    return round(count(corpus, brand, since, until) / sum(count(corpus, p, since, until) for p in peers), 4)


def stored(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SqliteStore]:
    """A real SQLite store holding `mentions()`, closed after: a test module's `store` fixture yields from it."""
    store = SqliteStore(tmp_path_factory.mktemp("markets") / "g.db")
    assert all(r.ok for r in store.upsert(mentions()))
    yield store
    store.close()
