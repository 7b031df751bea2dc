"""A large, demo-shaped corpus for the dashboard benchmark: N mentions over about a year.

The demo generator (`groundswell.demo_corpus`) writes two weeks of realistic-looking
mentions; this repeats it with different seeds, each copy shifted into another
fortnight of the year, so volume, languages, sources and engagement keep the
demo's shape at any size. Labels (sentiment, themes) come from the demo's own
templates and planted events: the benchmark measures the dashboard, not the model.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from core.mention import Mention, Sentiment
from groundswell import demo_corpus as demo

FORTNIGHTS = 26  # copies are spread over 26 x 14 days = 364 days
_HANDLE_LANG = re.compile(r"^demo_([a-z]{2})_\d+$")
_LABELS = ("negative", "neutral", "positive")


def _label(record: dict) -> str:
    planted = record["extra"].get("planted")
    if planted == "planted-crisis":
        return "negative"
    if planted == "planted-launch":
        return "positive"
    # Stable pseudo-random label in the demo's proportions (40/36/24), from the id.
    h = int(hashlib.sha1(record["native_id"].encode()).hexdigest()[:6], 16) % 100
    return "positive" if h < 40 else "neutral" if h < 76 else "negative"


def _themes(lang: str, text: str) -> list[str]:
    english = demo.FEATURES["en"]
    lowered = text.lower()
    return sorted({english[i] for i, word in enumerate(demo.FEATURES[lang]) if word.lower() in lowered})


def mentions(n: int) -> Iterator[Mention]:
    """Yield n mentions, oldest copy first (each copy is one seed of the demo corpus)."""
    produced = 0
    for copy in itertools.count():
        shift = timedelta(days=14 * (copy % FORTNIGHTS) - 14 * FORTNIGHTS)
        for record in demo.generate(seed=1000 + copy):
            if produced >= n:
                return
            lang_match = _HANDLE_LANG.match(record["author"]["handle"])
            lang = lang_match.group(1) if lang_match else "en"
            text = record["text"]
            label = _label(record)
            created = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00")) + shift
            yield Mention(
                source=record["source"],
                native_id=f"c{copy}-{record['native_id']}",
                url=record["url"],
                text=text,
                created_at=created,
                author=record["author"],
                engagement=record["engagement"],
                brand="Sonique" if "sonique" in text.lower() else "Lumora",
                lang=lang,
                sentiment=Sentiment(
                    label=label, probs={k: 0.8 if k == label else 0.1 for k in _LABELS}, model="bench-labels"
                ),
                themes=_themes(lang, text),
                extra={"synthetic": True},
            )
            produced += 1
