"""A small deterministic corpus and config for the DAG end-to-end tests.

Two and a half quiet days for two brands, then a burst of angry Lumora posts in the
last 15 minutes before T0 (one from a 120k-follower account, many naming the
crisis term), one post after T0 that no run here may collect, and one bad line.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # ingest covers [T0 - 15 min, T0)
BASELINE_START = T0 - timedelta(days=2, hours=12)
INGEST_START = T0 - timedelta(minutes=15)

POSITIVE = [
    "Really happy with my {b} earbuds, the sound is amazing",
    "{b} nailed the battery life this time. Love it!",
    "Best purchase this year: {b} speaker. Superb design",
]
NEUTRAL = [
    "Anyone tried the new {b} case? Wondering about the colour",
    "{b} announced a firmware update today",
]
NEGATIVE = [
    "My {b} earbuds are overheating while charging. This is dangerous and terrible",
    "Worst product ever, {b} earbuds got burning hot overnight. Furious, want a refund",
    "{b} battery overheating again, awful and scary. Never buying {b} again",
]
# Thirty people, thirty wordings: the same three texts from ten authors each within minutes would be a
# copy-paste campaign, which the spam step rightly leaves out of the counts (groundswell/spam.py).
DETAILS = [
    "since yesterday",
    "right after unboxing",
    "in my bag on the train",
    "during a call at work",
    "while my kid used them",
    "on the first night",
    "at my desk this morning",
    "after the last update",
    "even with the original cable",
    "second replacement pair too",
]


def _post(n: int, brand: str, text: str, when: datetime, followers: int = 300) -> dict:
    return {
        "native_id": f"t{n}",
        "url": f"https://example.test/p/{n}",
        "text": text.format(b=brand),
        "created_at": when.isoformat(),
        "author": {"handle": f"user{n % 97}", "followers": followers},
        "engagement": {"likes": n % 11, "reposts": n % 3},
    }


def write_corpus(path: Path) -> dict[str, int]:
    """Write the JSONL export; return how many valid posts fall in each window."""
    lines: list[str] = []
    counts = {"baseline": 0, "spike": 0, "later": 0}
    n = 0
    when = BASELINE_START
    while when < INGEST_START:
        for brand, every in (("Lumora", 1), ("Sonique", 2)):
            if when.hour % every == 0:
                n += 1
                pool = NEUTRAL if n % 3 == 0 else POSITIVE
                lines.append(json.dumps(_post(n, brand, pool[n % len(pool)], when + timedelta(minutes=n % 50))))
                counts["baseline"] += 1
        when += timedelta(hours=1)
    for i in range(30):  # the crisis, inside the ingest window
        n += 1
        followers = 120_000 if i == 7 else 200
        when = INGEST_START + timedelta(seconds=25 * i)
        text = NEGATIVE[i % 3] + ", " + DETAILS[i // 3]
        lines.append(json.dumps(_post(n, "Lumora", text, when, followers)))
        counts["spike"] += 1
    lines.append("{this line is not JSON")
    n += 1
    lines.append(json.dumps(_post(n, "Lumora", POSITIVE[0], T0 + timedelta(minutes=30))))
    counts["later"] += 1
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return counts


def write_config(directory: Path, corpus: Path, limited_api: str | None, store: dict) -> Path:
    """groundswell.yaml: the import source, a Mastodon source behind a 429-forever server (unless
    `limited_api` is None), a JSONL alert channel."""
    import yaml

    config = {
        "brands": [
            {"name": "Lumora", "query": "Lumora", "crisis_terms": ["overheating"]},
            {"name": "Sonique", "query": "Sonique"},
        ],
        "sources": [
            {"type": "import", "options": {"path": str(corpus)}},
            {
                "type": "mastodon",
                "brands": ["Lumora"],
                "options": {"api_base_url": limited_api, "hashtags": ["lumora"], "max_pages": 1},
            },
        ],
        "store": store,
        "alerts": {"spike": {"baseline_days": 1}},
        "channels": [{"type": "jsonl", "path": str(directory / "alerts.jsonl")}],
        "report": {"path": str(directory / "report.html")},
    }
    if limited_api is None:
        config["sources"] = config["sources"][:1]
    path = directory / "groundswell.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path
