"""A hand-built store for the overview's comparison with the previous period: known counts per brand and week.

Three brands over two weeks of 2026 (this week: 8-15 March, the previous one: 1-8 March, UTC):

| brand | week | negative | neutral | positive | unlabelled | mentions |
|---|---|---:|---:|---:|---:|---:|
| Lumora | this | 4 | 2 | 3 | 1 | 10 (+ 1 spam, 1 own post: left out) |
| Lumora | previous | 2 | 2 | 4 | 0 | 8 |
| Sonique (competitor) | this | 1 | 1 | 4 | 0 | 6 |
| Sonique | previous | 6 | 3 | 3 | 0 | 12 |
| Vexa (competitor) | this | 2 | 0 | 2 | 0 | 4 |
| Vexa | previous | – | – | – | – | 0 (a zero baseline) |

Every mention has one like and an author with 10 followers; nothing before 1 March (an empty previous period).
One spam post of Sonique a day (left out of the figures) says collection ran every day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.mention import Author, Engagement, Mention, Sentiment
from groundswell.config import BrandConfig
from groundswell.spam import OWN_POST

THIS_WEEK = {"since": "2026-03-08", "until": "2026-03-15"}
PREVIOUS_WEEK = {"since": "2026-03-01", "until": "2026-03-08"}
BRANDS = [("Lumora", False), ("Sonique", True), ("Vexa", True)]
BRAND_CONFIGS = [BrandConfig(name=n, query=n, competitor=c) for n, c in BRANDS]
COUNTS = {  # brand -> week start -> (negative, neutral, positive, unlabelled)
    "Lumora": {"2026-03-08": (4, 2, 3, 1), "2026-03-01": (2, 2, 4, 0)},
    "Sonique": {"2026-03-08": (1, 1, 4, 0), "2026-03-01": (6, 3, 3, 0)},
    "Vexa": {"2026-03-08": (2, 0, 2, 0)},
}


def _mention(brand: str, n: int, when: datetime, label: str | None, spam: str | None = None) -> Mention:
    return Mention(
        source="x",
        native_id=f"{brand}-{when:%m%d}-{n}",
        text=f"{brand} post {n}",
        created_at=when,
        brand=brand,
        lang="en",
        author=Author(handle=f"u{n}", followers=10),
        engagement=Engagement(likes=1),
        sentiment=Sentiment(label=label, probs={label: 1.0}, model="t") if label else None,
        spam=spam,
    )


def compare_mentions() -> list[Mention]:
    out = []
    for brand, weeks in COUNTS.items():
        for start, counts in weeks.items():
            labels = [lab for lab, k in zip(("negative", "neutral", "positive", None), counts, strict=True)
                      for _ in range(k)]
            first = datetime.fromisoformat(start).replace(tzinfo=UTC)
            for n, label in enumerate(labels):
                out.append(_mention(brand, n, first + timedelta(hours=12 * n + 1), label))
    this_week = datetime(2026, 3, 10, 9, tzinfo=UTC)
    out.append(_mention("Lumora", 90, this_week, "negative", spam="copy-paste campaign: 40 authors, 12 min"))
    out.append(_mention("Lumora", 91, this_week, "positive", spam=OWN_POST))
    # Collection ran every day of both weeks (a day without any mention of the market is a collection gap, not
    # compared: `period_report.data_days`): one spam post of Sonique a day, left out of every figure.
    for day in range(14):
        out.append(_mention("Sonique", 100 + day, datetime(2026, 3, 1, 23, tzinfo=UTC) + timedelta(days=day),
                            None, spam="collection heartbeat"))
    return out
