"""Mentions with every field a store keeps (labels, themes, brands and matches, intent, replies, spam flags,
extra, hostile text) and the state kinds a deployment holds: what a store copy must carry over unchanged.
Import as `from store_copy_corpus import ...` (tests/ is on sys.path through tests/conftest.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hostile_corpus import HOSTILE_TEXTS

from core.mention import Author, Engagement, Mention, Sentiment

T0 = datetime(2026, 9, 28, 12, tzinfo=UTC)  # spans three months: three Elasticsearch monthly indices
LABELS = ("negative", "neutral", "positive")
TEXTS = [*HOSTILE_TEXTS.values(), "Lumora 电池过热，充电时冒烟", "루모라 배터리가 부풀었어요", "Люмора: отличный звук"]


def rich_mentions(n: int) -> list[Mention]:
    """`n` mentions, two of every three enriched, some of two brands, some flagged as spam, some replies;
    several share a created_at (ties, which a resumed pass must redo, not skip)."""
    out = []
    for i in range(n):
        label = LABELS[i % 3]
        enriched = i % 3 != 2
        brands = ["Lumora", "Sonique"] if i % 5 == 0 else ["Lumora"]
        out.append(Mention(
            source="mastodon" if i % 2 else "x",
            native_id=f"{i:05d}",
            url=f"https://example.org/{i}",
            text=f"{TEXTS[i % len(TEXTS)]} #{i}",
            created_at=T0 + timedelta(hours=(i // 2) * 7),  # pairs share a time
            collected_at=T0 + timedelta(days=70),
            author=Author(id=f"a{i % 17}", handle=f"user{i % 17}", name=f"User {i % 17}",
                          followers=None if i % 7 == 0 else i * 13),
            engagement=Engagement(likes=i % 11, reposts=None if i % 4 else i % 3, replies=i % 2, quotes=None),
            brands=brands,
            matches={b: b.lower() for b in brands},
            lang=["en", "zh", "ko", "ru"][i % 4],
            sentiment=Sentiment(label=label, probs={label: 0.7, "neutral" if label != "neutral" else "negative": 0.3},
                                model="groundswell-e5-sentiment@abc123def456", uncertain=i % 4 == 0)
            if enriched else None,
            themes=[f"theme {i % 4}"] if enriched else [],
            intent=("complaint" if label == "negative" else "praise") if enriched and i % 2 else None,
            reply_to=f"x:{i - 1:05d}" if i % 6 == 1 else None,
            spam="copy-paste campaign: 5 authors, 3 min" if i % 9 == 4 else None,
            extra={"lang_source": "fr", "score": 0.5, "verified": i % 2 == 0, "none": None} if i % 8 == 0 else {},
        ))
    return out


STATE = {
    "cursor:mastodon:lumora:Lumora": "112233",
    "budget:x:2026-11": '{"used": 420}',
    "alerts:index": '["a1", "a2"]',
    "alert:a1": '{"kind": "spike", "brand": "Lumora"}',
    "alert_sent:a1:slack": "2026-11-02T10:00:00+00:00",
    "themes:Lumora": '{"centroids": [[0.1, 0.2]]}',
    "copy:abcdef": "x:00001",
}
